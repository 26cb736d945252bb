/**
 * Sends fuzz packets and payloads to a running broker, each on a raw connection that is bounded
 * in time: a case ends when the broker answers a PINGREQ sent after it (the connection
 * survived), closes the connection, or `timeoutMs` passes (then we close it). Nothing here can
 * hang a test or a benchmark.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { FuzzPacket } from './packets.js';

/**
 * alive: the broker answered the PINGREQ sent after the case; closed: the broker closed the
 * connection; waiting: neither within `answerMs` (a truncated packet: the broker waits for the
 * rest), and it closed when we hung up; stalled: it did not close even after we hung up;
 * login-refused: the sensor's CONNECT was refused, the case never sent.
 */
export type CaseOutcome = 'alive' | 'closed' | 'waiting' | 'stalled' | 'login-refused';
export const noOutcomes = (): Record<CaseOutcome, number> => ({ alive: 0, closed: 0, waiting: 0, stalled: 0, 'login-refused': 0 });

export interface Target {
  port: number;
  /** Source address on loopback (127.0.0.2, ...): keeps strangers' failed logins off the sensor's address. */
  localAddress?: string;
  /** The fuzzing sensor's credentials, for authenticated cases. */
  username: string;
  password: string;
}

const PINGREQ = mqttPacket.generate({ cmd: 'pingreq' });

function open(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * One case: [CONNECT as the sensor, CONNACK 0], the bytes, PINGREQ; then PINGRESP, close, or
 * after `answerMs` our FIN and the broker's close within `timeoutMs` (3 × that for the whole
 * case before the FIN: a CONNACK can be slow on a loaded machine).
 */
export async function sendCase(target: Target, prefix: Buffer | null, bytes: Buffer, { answerMs = 200, timeoutMs = 10_000 } = {}): Promise<CaseOutcome> {
  const s = await open(target.port, target.localAddress);
  s.on('error', () => {});
  const parser = mqttPacket.parser();
  parser.on('error', () => {});
  const closed = new Promise<'closed'>((resolve) => s.once('close', () => resolve('closed')));
  const timers: NodeJS.Timeout[] = [];
  const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => timers.push(setTimeout(() => resolve(value), ms)));
  try {
    let sent: () => void = () => {};
    const answered = new Promise<'alive' | 'login-refused'>((resolve) => {
      let connected = prefix === null;
      parser.on('packet', (p) => {
        if (p.cmd === 'connack' && !connected) {
          if (p.returnCode !== 0) return resolve('login-refused');
          connected = true;
          s.write(bytes);
          s.write(PINGREQ);
          sent();
        } else if (p.cmd === 'pingresp' && connected) resolve('alive');
      });
    });
    s.on('data', (d) => parser.parse(d));
    const wasSent = new Promise<void>((resolve) => (sent = resolve));
    if (prefix) s.write(prefix);
    else (s.write(bytes), s.write(PINGREQ), sent());
    // The CONNACK may take long on a loaded machine: the answer clock starts once the case is sent.
    const first = await Promise.race([answered, closed, after(3 * timeoutMs, 'stalled' as const), wasSent.then(() => Promise.race([answered, closed, after(answerMs, 'waiting' as const)]))]);
    if (first !== 'waiting') return first;
    s.end();
    return await Promise.race([closed.then(() => 'waiting' as const), after(timeoutMs, 'stalled' as const)]);
  } finally {
    for (const t of timers) clearTimeout(t);
    s.destroy();
  }
}

/** The fuzzing sensor's CONNECT, with a fresh client id. */
export const sensorConnect = (target: Target, n: number) =>
  mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `fuzz-sensor-${n}`, keepalive: 30, username: target.username, password: Buffer.from(target.password) });

/** Runs the packet cases in order, `concurrency` at a time, until `deadline` (epoch ms); returns how many were sent and their outcomes. */
export async function runPacketCases(
  packets: FuzzPacket[],
  { sensor, stranger, concurrency = 16, answerMs = 200, deadline = Infinity }: { sensor: Target; stranger: Target; concurrency?: number; answerMs?: number; deadline?: number },
) {
  const outcomes = noOutcomes();
  const byMutation: Record<string, Record<CaseOutcome, number>> = {};
  let next = 0;
  const worker = async () => {
    while (next < packets.length && Date.now() < deadline) {
      const n = next++;
      const p = packets[n]!;
      const outcome = p.authenticated ? await sendCase(sensor, sensorConnect(sensor, n), p.bytes, { answerMs }) : await sendCase(stranger, null, p.bytes, { answerMs });
      outcomes[outcome] += 1;
      (byMutation[p.mutation] ??= noOutcomes())[outcome] += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sent: next, outcomes, byMutation };
}

/**
 * Publishes the payloads as the sensor (QoS 1), `batch` to a connection; a payload over
 * `ownConnectionBytes` gets a connection of its own, since the broker closes on it. Stops
 * taking new connections at `deadline` (epoch ms); returns the indexes of the payloads sent.
 */
export async function runPayloadCases(
  payloads: Buffer[],
  topic: string,
  {
    sensor,
    ownConnectionBytes,
    batch = 50,
    concurrency = 8,
    answerMs = 10_000,
    deadline = Infinity,
  }: { sensor: Target; ownConnectionBytes: number; batch?: number; concurrency?: number; answerMs?: number; deadline?: number },
) {
  const publish = (payload: Buffer, n: number) => mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 1, messageId: 1 + (n % 65535), dup: false, retain: false });
  // Groups of payload indexes, in order: `batch` at a time, an oversize one alone.
  const groups: number[][] = [];
  let current: number[] = [];
  payloads.forEach((p, n) => {
    if (p.length > ownConnectionBytes) groups.push([n]);
    else if (current.push(n) === batch) (groups.push(current), (current = []));
  });
  if (current.length) groups.push(current);
  const sent: number[] = [];
  const outcomes = noOutcomes();
  let next = 0;
  const worker = async () => {
    while (next < groups.length && Date.now() < deadline) {
      const n = next++;
      sent.push(...groups[n]!);
      const bytes = Buffer.concat(groups[n]!.map((i) => publish(payloads[i]!, i)));
      outcomes[await sendCase(sensor, sensorConnect(sensor, 1_000_000 + n), bytes, { answerMs })] += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sent: sent.sort((a, b) => a - b), outcomes };
}
