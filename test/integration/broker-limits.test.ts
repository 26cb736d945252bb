/**
 * The broker's abuse limits against the real aedes broker (issue 12 item 3): oversize packets
 * refused from their fixed header, login lockout per username and per address, the per-sensor
 * publish rate cap, the per-address connection cap; each counted, and in the API's /metrics.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { DEFAULT_BROKER_LIMITS, type Broker, type BrokerLimits } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import { healthTopic } from '../../protocol/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';
import { connackCode, connectPacket, exchange, exchangeOn, rawSocket } from '../support/raw-mqtt.js';
import { connectClient, counterJson, passwordOf, startApi, startBroker, startIngest, testLots } from '../support/stack.js';

let lots: LotsFile;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  lots = await testLots({ capacity: 1000 });
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function brokerWith(id: string, limits: Partial<BrokerLimits>, extra: { holdSensorsUntilSubscribed?: boolean; connectTimeoutMs?: number } = {}) {
  const started = await startBroker(lots, { id, limits, ...extra });
  stops.push(() => started.broker.stop());
  return started;
}

async function ingestOn(url: string, clientId: string): Promise<Ingest> {
  const ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-limits-')) }), undefined, clientId);
  stops.push(() => ingest.stop());
  return ingest;
}

const refused = (broker: Broker) => broker.stats().refused;

/** A CONNECT as `username` on a raw socket: the CONNACK code, or null when the broker sent none. */
async function connackFor(port: number, username: string, password: string, localAddress?: string) {
  const { received } = await exchange(port, [connectPacket(username, password), mqttPacket.generate({ cmd: 'disconnect' })], { localAddress });
  return connackCode(received);
}

describe('packets larger than the limit', () => {
  let broker: Broker;
  let port: number;
  let url: string;
  let ingest: Ingest;

  beforeAll(async () => {
    ({ broker, port, url } = await brokerWith('limits-size', {}));
    ingest = await ingestOn(url, 'limits-size-ingest');
  });

  it('a PUBLISH announcing 1 MiB is refused from its fixed header: the broker closes without waiting for the body', async () => {
    const before = refused(broker).oversize;
    // Remaining length 1 MiB (varint 0x80 0x80 0x40), then 100 bytes of the body, never the rest:
    // without the guard the parser would wait for the other 1,048,476 bytes until keepalive.
    const header = Buffer.from([0x32, 0x80, 0x80, 0x40]);
    const s = await rawSocket(port);
    s.on('error', () => {});
    const connack = new Promise<Buffer>((resolve) => s.once('data', resolve));
    s.write(connectPacket('gate-a1', passwordOf('gate-a1')));
    expect(connackCode(await connack)).toBe(0); // logged in first: the refusal is the packet's size
    const { closedByBroker } = await exchangeOn(s, [header, Buffer.alloc(100, 0x41)]);
    expect(closedByBroker).toBe(true);
    expect(refused(broker).oversize).toBe(before + 1);
  });

  it('a service account may send more than a sensor may (ingest\'s health lists every lot: 27 KB at 500 lots)', async () => {
    const before = refused(broker).oversize;
    const payload = JSON.stringify({ clientId: 'big-ingest', running: false, padding: 'x'.repeat(30_000) });
    const api = await connectClient(url, 'api');
    const big = await connectClient(url, 'ingest', passwordOf('ingest'), { clientId: 'big-ingest' });
    try {
      const received = new Promise<number>((resolve) => api.on('message', (_topic, message) => resolve(message.length)));
      await api.subscribeAsync(healthTopic('big-ingest'), { qos: 1 });
      await big.publishAsync(healthTopic('big-ingest'), payload, { qos: 1 });
      expect(await received).toBe(payload.length);
      expect(big.connected).toBe(true);
      expect(refused(broker).oversize).toBe(before);
    } finally {
      await Promise.all([api.endAsync(true), big.endAsync(true)]);
    }
    // The same size from a sensor is refused from its header.
    const s = await rawSocket(port);
    s.on('error', () => {});
    const connack = new Promise<Buffer>((resolve) => s.once('data', resolve));
    s.write(connectPacket('gate-a1', passwordOf('gate-a1')));
    expect(connackCode(await connack)).toBe(0);
    const { closedByBroker } = await exchangeOn(s, [Buffer.from([0x32, 0xb0, 0xea, 0x01]), Buffer.alloc(100, 0x41)]); // 30,000 bytes
    expect(closedByBroker).toBe(true);
    expect(refused(broker).oversize).toBe(before + 1);
  });

  it('so is a CONNECT that announces more than the limit, before any login', async () => {
    const before = refused(broker).oversize;
    const { received, closedByBroker } = await exchange(port, [Buffer.from([0x10, 0x81, 0x20])]); // 4097
    expect(closedByBroker).toBe(true);
    expect(received.length).toBe(0);
    expect(refused(broker).oversize).toBe(before + 1);
  });

  it('a remaining length longer than 4 bytes is a protocol error, counted once', async () => {
    const before = refused(broker);
    const { closedByBroker } = await exchange(port, [Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])]);
    expect(closedByBroker).toBe(true);
    await waitFor(() => refused(broker)['protocol-error'] === before['protocol-error'] + 1, { what: 'the protocol error counted' });
    expect(refused(broker)).toEqual({ ...before, 'protocol-error': before['protocol-error'] + 1 });
  });

  it('a packet just under the limit still goes through (an API-sized message), and counting goes on', async () => {
    const ok = await connectClient(url, 'gate-a1');
    await ok.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 4, 1), { qos: 1 });
    await ok.endAsync();
    await waitFor(() => ingest.ledger.status('lot-a')?.occupied === 3, { what: 'lot-a occupied = 3' });
    const service = await connectClient(url, 'api');
    const big = JSON.stringify({ requestId: 'x'.repeat(64), expiresAt: Date.now() + 60_000, occupied: 1, pad: 'p'.repeat(3800) });
    await service.publishAsync('parking/v1/lot-b/calibration', big, { qos: 1 });
    expect(service.connected).toBe(true);
    await service.endAsync();
  });
});

describe('failed logins', () => {
  const login = { ...DEFAULT_BROKER_LIMITS.login, maxFailures: 3, maxFailuresPerAddress: 1000, lockoutMs: 3000, maxLockoutMs: 60_000 };
  let broker: Broker;
  let port: number;

  beforeAll(async () => {
    ({ broker, port } = await brokerWith('limits-login', { login }, { holdSensorsUntilSubscribed: false }));
  });

  it('lock a username out after 3 failures: even its right password gets CONNACK 4, as a wrong one would', async () => {
    const before = refused(broker);
    for (let i = 0; i < 3; i++) expect(await connackFor(port, 'gate-a1', `wrong-${i}`)).toBe(4);
    expect(await connackFor(port, 'gate-a1', passwordOf('gate-a1'))).toBe(4);
    expect(refused(broker)['bad-credentials']).toBe(before['bad-credentials'] + 3);
    expect(refused(broker)['login-locked']).toBe(before['login-locked'] + 1);
    expect(await connackFor(port, 'gate-a2', passwordOf('gate-a2'))).toBe(0); // other usernames are not locked
  });

  it('an unknown username is locked exactly like a known one (no hint that it does not exist)', async () => {
    const before = refused(broker)['login-locked'];
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await connackFor(port, 'no-such-gate', `guess-${i}`));
    expect(answers).toEqual([4, 4, 4, 4]);
    expect(refused(broker)['login-locked']).toBe(before + 1);
  });

  it('the lockout ends: the right password works again', async () => {
    await waitFor(async () => (await connackFor(port, 'gate-a1', passwordOf('gate-a1'))) === 0, { timeoutMs: 15_000, intervalMs: 250, what: 'gate-a1 let in again' });
  });

  it('an address that fails with many usernames is locked out, other addresses are not', async () => {
    const own = await brokerWith('limits-address', { login: { ...login, maxFailures: 100, maxFailuresPerAddress: 4 } }, { holdSensorsUntilSubscribed: false });
    for (const u of ['u1', 'u2', 'u3', 'reader']) expect(await connackFor(own.port, u, 'wrong')).toBe(4);
    expect(await connackFor(own.port, 'gate-b1', passwordOf('gate-b1'))).toBe(4);
    expect(refused(own.broker)['login-locked']).toBe(1);
    expect(await connackFor(own.port, 'gate-b1', passwordOf('gate-b1'), '127.0.0.2')).toBe(0);
  });
});

describe('publish rate per sensor', () => {
  let broker: Broker;
  let url: string;
  let ingest: Ingest;

  beforeAll(async () => {
    ({ broker, url } = await brokerWith('limits-rate', { sensorRate: { perSecond: 4, burst: 5 } }));
    ingest = await ingestOn(url, 'limits-rate-ingest');
  });

  it('a flooding sensor is acked and dropped over its rate, keeps its connection, starves nobody, and its count heals', async () => {
    const flood = await connectClient(url, 'gate-a1');
    const sent = 30;
    // QoS 1: every publish is acknowledged, dropped or not (publishAsync resolves on PUBACK).
    await Promise.all(Array.from({ length: sent }, (_, i) => flood.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, i + 1, i + 1, 0), { qos: 1 })));
    expect(flood.connected).toBe(true);
    const dropped = refused(broker)['rate-limited'];
    expect(dropped).toBeGreaterThanOrEqual(sent - 5 - 4); // the burst, and at most a second of refill
    await waitFor(() => ingest.ledger.stats().accepted === sent - dropped, { what: 'ingest to see every message that passed' });

    const other = await connectClient(url, 'gate-a2');
    await other.publishAsync('parking/v1/lot-a/gate-a2/counter', counterJson(1, 1, 2, 0), { qos: 1 });
    await other.endAsync();

    // The next reading that passes carries every car: counters are cumulative. A dropped message
    // is counted before its PUBACK, so after each ack ingest has taken or the broker dropped it.
    let seq = sent;
    const taken = () => ingest.ledger.stats().accepted + refused(broker)['rate-limited'];
    while (ingest.ledger.status('lot-a')?.occupied !== seq + 2 && seq < sent + 1000) {
      seq += 1;
      await flood.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, seq, seq, 0), { qos: 1 });
      await waitFor(() => taken() === seq + 1, { what: `reading ${seq} taken or dropped` });
    }
    expect(ingest.ledger.status('lot-a')?.occupied).toBe(seq + 2);
    await flood.endAsync();
  });
});

describe('connections per address', () => {
  it('the one over the cap is closed at accept and counted; closing one frees a slot; other addresses are not affected', async () => {
    const { broker, port, url } = await brokerWith('limits-conns', { maxConnectionsPerAddress: 3 }, { holdSensorsUntilSubscribed: false, connectTimeoutMs: 30_000 });
    const held = await Promise.all([rawSocket(port), rawSocket(port), rawSocket(port)]);
    for (const s of held) s.on('error', () => {});
    const { closedByBroker } = await exchange(port, [connectPacket('reader', passwordOf('reader'))]);
    expect(closedByBroker).toBe(true);
    expect(refused(broker)['too-many-connections']).toBe(1);
    expect(await connackFor(port, 'reader', passwordOf('reader'), '127.0.0.2')).toBe(0);
    const gone = new Promise((resolve) => held[0]!.once('close', resolve));
    held[0]!.destroy();
    await gone;
    await waitFor(async () => {
      const c = await connectClient(url, 'reader').catch(() => null);
      await c?.endAsync();
      return c !== null;
    }, { what: 'a free slot after a close' });
    for (const s of held) s.destroy();
  });
});

describe('/metrics', () => {
  it('shows every refusal kind of the broker, the new ones included, through its health topic', async () => {
    const { broker, port, url } = await brokerWith('limits-metrics', { login: { ...DEFAULT_BROKER_LIMITS.login, maxFailures: 1 } }, { holdSensorsUntilSubscribed: false });
    const { api, base } = await startApi(lots, url);
    stops.push(() => api.stop());
    expect(await connackFor(port, 'gate-a1', 'wrong')).toBe(4);
    expect(await connackFor(port, 'gate-a1', 'wrong')).toBe(4);
    await exchange(port, [Buffer.from([0x30, 0xff, 0xff, 0x7f])]);
    expect(refused(broker)).toMatchObject({ 'bad-credentials': 1, 'login-locked': 1, oversize: 1 });
    let text = '';
    await waitFor(async () => {
      text = await (await fetch(`${base}/metrics`)).text();
      // Both: a health message may go out between the lockout and the oversize refusal.
      return text.includes('manku_broker_refusals_total{broker="limits-metrics",kind="login-locked"} 1') && text.includes('manku_broker_refusals_total{broker="limits-metrics",kind="oversize"} 1');
    }, { what: 'login-locked and oversize in /metrics' });
    expect(text).toContain('manku_broker_refusals_total{broker="limits-metrics",kind="oversize"} 1');
    expect(text).toContain('manku_broker_refusals_total{broker="limits-metrics",kind="rate-limited"} 0');
    expect(text).toContain('manku_broker_refusals_total{broker="limits-metrics",kind="too-many-connections"} 0');
  });
});
