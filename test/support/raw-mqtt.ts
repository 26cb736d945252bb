/** Raw TCP MQTT for tests that send what no client library would: bounded in time, always closed. */
import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/** A TCP connection to the broker on loopback (from `localAddress`, e.g. 127.0.0.2, when given). */
export function rawSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
}

export interface Exchange {
  /** What the broker sent back. */
  received: Buffer;
  /** true: the broker closed the connection; false: it was still open at the deadline (we closed it). */
  closedByBroker: boolean;
}

/**
 * Sends bytes on a connection and waits until the broker closes it, or `timeoutMs` passes (then
 * the socket is destroyed: a test never hangs on a connection the broker keeps).
 */
export async function exchangeOn(s: Socket, chunks: Uint8Array[], timeoutMs = 5000): Promise<Exchange> {
  const received: Buffer[] = [];
  s.on('data', (d) => received.push(d));
  s.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const closedByBroker = await new Promise<boolean>((resolve) => {
    if (s.destroyed) return resolve(true);
    s.once('close', () => resolve(true));
    timer = setTimeout(() => resolve(false), timeoutMs);
    for (const c of chunks) s.write(c);
  });
  clearTimeout(timer);
  s.destroy();
  return { received: Buffer.concat(received), closedByBroker };
}

/** exchangeOn() a fresh connection. */
export async function exchange(port: number, chunks: Uint8Array[], { timeoutMs = 5000, localAddress }: { timeoutMs?: number; localAddress?: string } = {}): Promise<Exchange> {
  return exchangeOn(await rawSocket(port, localAddress), chunks, timeoutMs);
}

/** Sends bytes and waits until the broker closes the socket; returns what it answered. */
export async function sendAndWaitClose(port: number, ...chunks: Uint8Array[]): Promise<Buffer> {
  const { received, closedByBroker } = await exchange(port, chunks);
  if (!closedByBroker) throw new Error('the broker kept the connection open');
  return received;
}

export const connectPacket = (username: string, password: string, extra: Record<string, unknown> = {}) =>
  mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: `raw-${Math.random().toString(16).slice(2, 10)}`,
    keepalive: 10,
    username,
    password: Buffer.from(password),
    ...extra,
  } as mqttPacket.IConnectPacket);

/** The CONNACK return code at the start of `bytes`, or null when there is no CONNACK. */
export const connackCode = (bytes: Buffer): number | null => (bytes.length >= 4 && bytes[0] === 0x20 && bytes[1] === 0x02 ? bytes[3]! : null);
