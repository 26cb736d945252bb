/**
 * Authentication, ACL and protocol abuse against a real aedes broker with real mqtt.js clients
 * and raw sockets; ingest runs beside it to prove counts never move.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { connectClient, counterJson, passwordOf, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';
import { connectPacket, rawSocket as rawSocketTo, sendAndWaitClose as sendAndWaitCloseTo } from '../support/raw-mqtt.js';
import { waitFor } from '../../testkit/wait.js';

let lots: LotsFile;
let broker: Broker;
let url: string;
let port: number;
let ingest: Ingest;
let seq = 0;
let total = 0;

beforeAll(async () => {
  lots = await testLots({ capacity: 1000 });
  ({ broker, url, port } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-broker-')) }));
});

afterAll(async () => {
  await ingest?.stop();
  await broker?.stop();
});

/** One more car through gate-a1, and proof that the broker and ingest still work. */
async function stillCounting() {
  const client = await connectClient(url, 'gate-a1');
  seq += 1;
  total += 1;
  await client.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, seq, total, 0), { qos: 1 });
  await client.endAsync();
  await waitForOccupied(ingest, 'lot-a', total);
}

function refusedWith(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error('connected, expected a refusal');
    },
    (err: Error & { code?: number }) => err.code,
  );
}

/** SUBACK return codes for one filter (subscribeAsync would reject on 0x80). */
function subackCode(client: import('mqtt').MqttClient, filter: string, qos: 0 | 1 = 1): Promise<number | undefined> {
  return new Promise((resolve, reject) =>
    client.subscribe(filter, { qos }, (err, granted) => {
      const suback = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted;
      if (suback) resolve(suback[0]);
      else if (err) reject(err);
      else resolve(granted?.[0]?.qos);
    }),
  );
}

type Refusals = ReturnType<Broker['stats']>['refused'];

/** Runs `act` and checks that the broker's refusal counts moved by exactly `delta`. */
async function refusals(delta: Partial<Refusals>, act: () => Promise<unknown>) {
  const before = broker.stats().refused;
  await act();
  const want = { ...before };
  for (const [k, n] of Object.entries(delta) as Array<[keyof Refusals, number]>) want[k] += n;
  await waitFor(() => JSON.stringify(broker.stats().refused) === JSON.stringify(want), { what: `refusals ${JSON.stringify(delta)}` }).catch(() => {}); // the expect shows the difference
  expect(broker.stats().refused).toEqual(want);
}

function closed(client: { once(e: 'close', f: () => void): unknown }) {
  return new Promise<void>((resolve) => client.once('close', resolve));
}

describe('authentication', () => {
  it('refuses anonymous connections (CONNACK 5)', async () => {
    expect(await refusedWith(connectClient(url, '', ''))).toBe(5);
    const anonymous = refusedWith(
      import('mqtt').then(({ default: mqtt }) => {
        const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
        return new Promise((resolve, reject) => c.once('connect', resolve).once('error', reject)).finally(() => c.end(true));
      }),
    );
    expect(await anonymous).toBe(5);
  });

  it('refuses a wrong password and an unknown user (CONNACK 4)', async () => {
    expect(await refusedWith(connectClient(url, 'gate-a1', 'wrong'))).toBe(4);
    expect(await refusedWith(connectClient(url, 'nobody', 'pw-nobody'))).toBe(4);
    expect(await refusedWith(connectClient(url, 'gate-a1', passwordOf('gate-a2')))).toBe(4);
  });

  it('refuses MQTT 5 clients (aedes speaks 3.1.1), counted as a protocol error', async () => {
    await refusals({ 'protocol-error': 1 }, () =>
      expect(connectClient(url, 'gate-a1', passwordOf('gate-a1'), { protocolVersion: 5 })).rejects.toBeTruthy(),
    );
    await stillCounting();
  });
});

describe('ACL', () => {
  it('a sensor publishing to another lot\'s topic is disconnected and nothing is counted', async () => {
    const before = broker.stats().refused['publish-denied'] ?? 0;
    const client = await connectClient(url, 'gate-a1');
    const gone = closed(client);
    client.publish('parking/v1/lot-b/gate-a1/counter', counterJson(1, 1, 50, 0), { qos: 1 });
    await gone;
    client.end(true);
    expect(broker.stats().refused['publish-denied']).toBe(before + 1);
    expect(ingest.ledger.status('lot-b')?.occupied).toBe(0);
    await stillCounting();
  });

  it('a sensor may not publish as another sensor of its own lot', async () => {
    const client = await connectClient(url, 'gate-a1');
    const gone = closed(client);
    client.publish('parking/v1/lot-a/gate-a2/counter', counterJson(1, 1, 50, 0), { qos: 1 });
    await gone;
    client.end(true);
    await stillCounting();
  });

  it('sensors may not subscribe (SUBACK 0x80), and the connection stays up', async () => {
    const client = await connectClient(url, 'gate-a1');
    expect(await subackCode(client, 'parking/v1/lot-a/status')).toBe(128);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('readers subscribe to status but not to counters or $SYS, and may not publish', async () => {
    const reader = await connectClient(url, 'reader');
    expect(await subackCode(reader, 'parking/v1/+/status')).toBe(1);
    expect(await subackCode(reader, 'parking/v1/+/+/counter')).toBe(128);
    expect(await subackCode(reader, '#', 0)).toBe(128);
    expect(await subackCode(reader, '$SYS/#', 0)).toBe(128);
    const gone = closed(reader);
    reader.publish('parking/v1/lot-a/status', '{}', { qos: 1 });
    await gone;
    reader.end(true);
  });

  it('the retained status a reader receives is the real one', async () => {
    await stillCounting();
    const reader = await connectClient(url, 'reader');
    const seen: Array<Record<string, unknown>> = [];
    reader.on('message', (topic, payload) => topic.endsWith('lot-a/status') && seen.push(JSON.parse(payload.toString())));
    await reader.subscribeAsync('parking/v1/lot-a/status', { qos: 1 });
    // The retained copy may be one publish behind; the current one follows at once.
    await waitFor(() => seen.some((s) => s.occupied === total), { what: 'a status with the current count' });
    expect(seen.at(-1)).toMatchObject({ lotId: 'lot-a', name: { en: 'Lot A' }, capacity: 1000, occupied: total });
    await reader.endAsync();
  });

  it('nobody may publish to $SYS', async () => {
    const client = await connectClient(url, 'gate-a1');
    const gone = closed(client);
    client.publish('$SYS/fake/heartbeat', 'x', { qos: 1 });
    await gone;
    client.end(true);
    await stillCounting();
  });

  it('ingest\'s account may not publish counter messages', async () => {
    const client = await connectClient(url, 'ingest', passwordOf('ingest'), { clientId: 'ingest-impostor' });
    const gone = closed(client);
    client.publish('parking/v1/lot-a/gate-a1/counter', counterJson(9, 1, 50, 0), { qos: 1 });
    await gone;
    client.end(true);
    await stillCounting();
  });

  it('an oversize counter payload (> 512 B) is refused at the broker and changes nothing', async () => {
    const before = broker.stats().refused.oversize ?? 0;
    const client = await connectClient(url, 'gate-a1');
    const gone = closed(client);
    const big = JSON.stringify({ boot: 1, seq: 1000, ts: Date.now(), in: 900, out: 0, pad: 'x'.repeat(600) });
    client.publish('parking/v1/lot-a/gate-a1/counter', big, { qos: 1 });
    await gone;
    client.end(true);
    expect(broker.stats().refused.oversize).toBe(before + 1);
    await stillCounting();
  });
});

describe('raw malformed MQTT', () => {
  const rawSocket = () => rawSocketTo(port);
  const sendAndWaitClose = (...chunks: Uint8Array[]) => sendAndWaitCloseTo(port, ...chunks);

  it('garbage bytes: the connection is closed and counted as a protocol error, the broker stays up', async () => {
    await refusals({ 'protocol-error': 2 }, async () => {
      await sendAndWaitClose(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      await sendAndWaitClose(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x00]));
    });
    await stillCounting();
  });

  it('PUBLISH before CONNECT is refused', async () => {
    const publish = mqttPacket.generate({
      cmd: 'publish',
      topic: 'parking/v1/lot-a/gate-a1/counter',
      payload: counterJson(1, 999, 999, 0),
      qos: 0,
      dup: false,
      retain: false,
    });
    await refusals({ 'protocol-error': 1 }, () => sendAndWaitClose(publish));
    await stillCounting();
  });

  it('a malformed CONNECT (bad protocol name) is refused', async () => {
    const bad = Buffer.from(connectPacket('gate-a1', passwordOf('gate-a1')));
    bad.write('XXXX', 4, 'latin1'); // protocol name "MQTT" -> "XXXX"
    await refusals({ 'protocol-error': 1 }, () => sendAndWaitClose(bad));
    await stillCounting();
  });

  it('a truncated packet that claims a huge length is refused from its header (oversize), and is harmless', async () => {
    await refusals({ oversize: 1 }, async () => {
      const s = await rawSocket();
      s.on('error', () => {});
      s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x04]));
      s.destroy();
      await stillCounting();
    });
  });

  it('a connection that never sends CONNECT is closed after the connect timeout, and counted', async () => {
    await refusals({ 'connect-timeout': 1 }, async () => {
      const s = await rawSocket();
      const ended = new Promise<void>((resolve) => s.once('close', () => resolve()));
      s.on('error', () => {});
      await ended; // connectTimeoutMs is 2 s in tests; the test timeout bounds the wait
    });
  });

  it('a publish with too many topic levels, or with invalid UTF-8 in its topic, closes only that client', async () => {
    const deep = mqttPacket.generate({
      cmd: 'publish',
      topic: `parking/v1/lot-a/gate-a1/counter${'/x'.repeat(120)}`,
      payload: '{}',
      qos: 1,
      messageId: 1,
      dup: false,
      retain: false,
    });
    // PUBLISH, qos 0, topic length 2 with bytes 0xc3 0x28 (invalid UTF-8), no payload
    const badUtf8 = Buffer.from([0x30, 0x04, 0x00, 0x02, 0xc3, 0x28]);
    await refusals({ 'protocol-error': 1 }, () => sendAndWaitClose(connectPacket('gate-a1', passwordOf('gate-a1')), deep));
    // The parser lets the bytes through as a topic that is not the sensor's own: the ACL refuses it.
    await refusals({ 'publish-denied': 1 }, () => sendAndWaitClose(connectPacket('gate-a1', passwordOf('gate-a1')), badUtf8));
    await stillCounting();
  });

  it('a valid raw CONNECT + garbage JSON PUBLISH is rejected by ingest, counted, and changes nothing', async () => {
    const before = ingest.ledger.stats().rejected.json;
    const s = await rawSocket();
    s.on('error', () => {});
    const acks: Buffer[] = [];
    s.on('data', (d) => acks.push(d));
    s.write(connectPacket('gate-a1', passwordOf('gate-a1')));
    s.write(
      mqttPacket.generate({ cmd: 'publish', topic: 'parking/v1/lot-a/gate-a1/counter', payload: '{"boot":1,', qos: 1, messageId: 7, dup: false, retain: false }),
    );
    await waitFor(() => ingest.ledger.stats().rejected.json === before + 1, { what: 'ingest to reject the payload' });
    s.destroy();
    await stillCounting();
  });
});

describe('no reading acknowledged before an ingest keeps it', () => {
  it('refuses sensors (CONNACK 3) until an ingest subscribed; then a persistent ingest offline still gets their readings', async () => {
    const own = await startBroker(lots);
    try {
      const refused = await refusedWith(connectClient(own.url, 'gate-a1'));
      expect(refused).toBe(3); // server unavailable: the sensor keeps its reading and retries
      expect(own.broker.stats().refused['ingest-not-ready']).toBe(1);
      const store = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-hold-')) });
      const early = await startIngest(lots, own.url, store, undefined, 'hold-ingest');
      await early.stop(); // its persistent session stays, so the broker queues for it
      const gate = await connectClient(own.url, 'gate-a1');
      await gate.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 3, 0), { qos: 1 });
      await gate.endAsync();
      const back = await startIngest(lots, own.url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-hold-')) }), undefined, 'hold-ingest');
      await waitForOccupied(back, 'lot-a', 3);
      await back.stop();
    } finally {
      await own.broker.stop();
    }
  });
});
