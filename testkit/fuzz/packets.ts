/**
 * MQTT packets for fuzzing the broker (issue 12 item 6): valid packets generated with
 * mqtt-packet, then mutated with a seeded PRNG — flags, type, remaining length, truncation,
 * trailing garbage, corrupted and inserted bytes — and some pure garbage. The same seed gives the
 * same packets on every machine.
 *
 * Publishes carry a reading the fuzzing sensor has already sent (see FUZZ_REFERENCE), so a
 * mutation that stays valid is a duplicate and can never move a count.
 */
import mqttPacket from 'mqtt-packet';
import type { Random } from '../../firmware-sim/index.js';
import { MAX_COUNTER_VALUE } from '../../protocol/index.js';

/** The reading the fuzzing sensor sends first: highest boot and seq, so no later reading counts. */
export const FUZZ_REFERENCE = { boot: MAX_COUNTER_VALUE, seq: MAX_COUNTER_VALUE, ts: 0, in: 7, out: 3 };

export const PACKET_MUTATIONS = ['valid', 'flags', 'type', 'length', 'truncate', 'append', 'corrupt', 'insert', 'garbage'] as const;
export type PacketMutation = (typeof PACKET_MUTATIONS)[number];

export interface FuzzPacket {
  /** Sent after a CONNECT the broker accepted (as the fuzzing sensor), or as the first bytes. */
  authenticated: boolean;
  /** Which valid packet it started from. */
  base: string;
  mutation: PacketMutation;
  bytes: Buffer;
}

export interface Accounts {
  /** The fuzzing sensor: lotId, sensorId (its username). */
  lotId: string;
  sensorId: string;
  /** Another sensor's topic, for the ACL. */
  otherTopic: string;
  /** Credentials mutated CONNECTs start from. */
  connectUsername: string;
  connectPassword: string;
}

const bytes = (random: Random, n: number) => Buffer.from(Array.from({ length: n }, () => random.int(256)));
const pick = <T>(random: Random, list: readonly T[]): T => list[random.int(list.length)]!;

function encodeLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0 && out.length < 4);
  return Buffer.from(out);
}

/** Where the remaining length ends (the body starts) in a well-formed packet. */
function bodyStart(p: Buffer): number {
  let i = 1;
  while (i < p.length && i < 5 && p[i]! & 0x80) i++;
  return i + 1;
}

/** The valid packets mutations start from, by name. */
function basePackets(random: Random, a: Accounts): Array<{ name: string; authenticated: boolean; packet: mqttPacket.Packet }> {
  const topic = `parking/v1/${a.lotId}/${a.sensorId}/counter`;
  const reading = JSON.stringify({ ...FUZZ_REFERENCE, seq: random.int(FUZZ_REFERENCE.seq), ts: Date.UTC(2026, 0, 1) });
  const publish = (qos: 0 | 1 | 2, t = topic, payload: string | Buffer = reading): mqttPacket.IPublishPacket => ({
    cmd: 'publish', topic: t, payload, qos, retain: random.chance(0.1), dup: false, ...(qos ? { messageId: 1 + random.int(65535) } : {}),
  });
  const messageId = 1 + random.int(65535);
  return [
    { name: 'connect', authenticated: false, packet: { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `fuzz-${random.int(1e9)}`, keepalive: 30, username: a.connectUsername, password: Buffer.from(a.connectPassword) } },
    { name: 'connect-will', authenticated: false, packet: { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `fuzz-${random.int(1e9)}`, keepalive: 30, username: a.connectUsername, password: Buffer.from(a.connectPassword), will: { topic, payload: Buffer.from(reading), qos: 1, retain: false } } },
    { name: 'publish-before-connect', authenticated: false, packet: publish(0) },
    { name: 'publish-qos0', authenticated: true, packet: publish(0) },
    { name: 'publish-qos1', authenticated: true, packet: publish(1) },
    { name: 'publish-qos2', authenticated: true, packet: publish(2) },
    { name: 'publish-other-topic', authenticated: true, packet: publish(1, a.otherTopic) },
    { name: 'publish-binary', authenticated: true, packet: publish(1, topic, bytes(random, random.int(64))) },
    { name: 'subscribe', authenticated: true, packet: { cmd: 'subscribe', messageId, subscriptions: [{ topic: pick(random, ['parking/v1/+/status', '#', '$SYS/#', topic]), qos: random.int(3) as 0 | 1 | 2 }] } },
    { name: 'unsubscribe', authenticated: true, packet: { cmd: 'unsubscribe', messageId, unsubscriptions: [topic] } },
    { name: 'puback', authenticated: true, packet: { cmd: 'puback', messageId } },
    { name: 'pubrec', authenticated: true, packet: { cmd: 'pubrec', messageId } },
    { name: 'pubrel', authenticated: true, packet: { cmd: 'pubrel', messageId } },
    { name: 'pubcomp', authenticated: true, packet: { cmd: 'pubcomp', messageId } },
    { name: 'pingreq', authenticated: true, packet: { cmd: 'pingreq' } },
    { name: 'second-connect', authenticated: true, packet: { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `fuzz-${random.int(1e9)}`, keepalive: 30 } },
  ];
}

function mutate(random: Random, p: Buffer, mutation: PacketMutation): Buffer {
  const out = Buffer.from(p);
  switch (mutation) {
    case 'valid':
      return out;
    case 'flags':
      out[0] = (out[0]! & 0xf0) | random.int(16);
      return out;
    case 'type':
      out[0] = (random.int(16) << 4) | (out[0]! & 0x0f);
      return out;
    case 'length': {
      const body = out.subarray(bodyStart(out));
      const lengths = [0, 1, body.length - 1, body.length + 1, random.int(200), 4096, 4097, 65_536, 268_435_455];
      const header = random.chance(0.1) ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01]) : encodeLength(Math.max(0, pick(random, lengths)));
      return Buffer.concat([out.subarray(0, 1), header, body]);
    }
    case 'truncate':
      return out.subarray(0, random.int(out.length));
    case 'append':
      return Buffer.concat([out, bytes(random, 1 + random.int(64))]);
    case 'corrupt': {
      for (let k = 1 + random.int(4); k > 0; k--) out[random.int(out.length)] = random.int(256);
      return out;
    }
    case 'insert': {
      const at = random.int(out.length + 1);
      return Buffer.concat([out.subarray(0, at), bytes(random, 1 + random.int(16)), out.subarray(at)]);
    }
    case 'garbage':
      return bytes(random, 1 + random.int(600));
  }
}

/** `count` fuzz packets from the seeded `random`. */
export function fuzzPackets(random: Random, count: number, accounts: Accounts): FuzzPacket[] {
  return Array.from({ length: count }, () => {
    const base = pick(random, basePackets(random, accounts));
    const mutation = random.chance(0.05) ? 'valid' : pick(random, PACKET_MUTATIONS.slice(1));
    return { authenticated: base.authenticated, base: base.name, mutation, bytes: mutate(random, mqttPacket.generate(base.packet), mutation) };
  });
}
