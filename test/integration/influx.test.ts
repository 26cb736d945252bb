/**
 * Ingest with a real influxd: points land with integer fields, a restart restores from InfluxDB,
 * and InfluxDB stopped mid-stream loses no point once it is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createInfluxStore, type OccupancyStore, type StorePoint } from '../../storage/index.js';
import { startInfluxd, type Influxd } from '../../testkit/influxd.js';
import { connectClient, counterJson, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';
import { waitFor } from '../../testkit/wait.js';

let lots: LotsFile;
let broker: Broker;
let url: string;
const running: Ingest[] = [];
const clients: MqttClient[] = [];
const topicA1 = 'parking/v1/lot-a/gate-a1/counter';
const topicA2 = 'parking/v1/lot-a/gate-a2/counter';

beforeAll(async () => {
  lots = await testLots({ capacity: 1000 });
  ({ broker, url } = await startBroker(lots));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  for (const i of running.splice(0)) await i.stop();
});
afterAll(async () => {
  await broker.stop();
});

const dbName = () => `manku_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;

async function startWithInflux(influxUrl: string, clientId: string) {
  const store = createInfluxStore({ url: influxUrl, flushIntervalMs: 20, requestTimeoutMs: 2000, stopTimeoutMs: 5000 });
  const ingest = await startIngest(lots, url, store, undefined, clientId);
  running.push(ingest);
  return { ingest, store };
}

async function sensors() {
  const g1 = await connectClient(url, 'gate-a1');
  const g2 = await connectClient(url, 'gate-a2');
  clients.push(g1, g2);
  return { g1, g2 };
}

function client(base: string, database: string) {
  return new InfluxDB(`${base}/${database}`);
}

describe('InfluxDB store', () => {
  it('writes readings and occupancy with integer fields, timestamped with event time', async () => {
    const base = inject('influxUrl');
    const db = dbName();
    const { ingest, store } = await startWithInflux(`${base}/${db}`, 'influx-e2e');
    const { g1, g2 } = await sensors();
    const t0 = Date.now() - 10_000;
    await g2.publishAsync(topicA2, counterJson(1, 1, 0, 0, t0), { qos: 1 });
    for (let seq = 1; seq <= 20; seq++) await g1.publishAsync(topicA1, counterJson(1, seq, seq + 4, 0, t0 + seq), { qos: 1 });
    await waitForOccupied(ingest, 'lot-a', 24);
    await waitFor(() => store.stats().written >= 21 && store.stats().buffered === 0, { what: 'points written' });
    const influx = client(base, db);
    const readings = await influx.query<{ time: Date; in: number; occupied_raw: number }>(
      `SELECT "in", "occupied_raw" FROM "sensor_reading" WHERE "sensor" = 'gate-a1' ORDER BY time ASC`,
    );
    expect(readings.length).toBe(20);
    expect(readings[0]?.time.getTime()).toBe(t0 + 1);
    expect(readings.at(-1)).toMatchObject({ in: 24, occupied_raw: 24 });
    const fields = await influx.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM "sensor_reading"');
    expect(Object.fromEntries(fields.map((f) => [f.fieldKey, f.fieldType]))).toMatchObject({ in: 'integer', out: 'integer', seq: 'integer', boot: 'integer' });
    // count-only changes reach the history within a second (coalesced per lot)
    await waitFor(
      async () => {
        const occupancy = await influx.query<{ occupied: number }>(`SELECT last("occupied") AS occupied FROM "lot_occupancy" WHERE "lot" = 'lot-a'`);
        return occupancy[0]?.occupied === 24;
      },
      { what: 'the last occupancy point in InfluxDB' },
    );
  });

  it('a restart restores from InfluxDB: nothing lost, nothing counted twice', async () => {
    const base = inject('influxUrl');
    const db = dbName();
    const first = await startWithInflux(`${base}/${db}`, 'influx-restart');
    const { g1, g2 } = await sensors();
    await g1.publishAsync(topicA1, counterJson(3, 10, 40, 5), { qos: 1 });
    await g2.publishAsync(topicA2, counterJson(1, 5, 7, 2), { qos: 1 });
    await waitForOccupied(first.ingest, 'lot-a', 40);
    await first.ingest.stop();
    running.splice(running.indexOf(first.ingest), 1);

    const second = await startWithInflux(`${base}/${db}`, 'influx-restart');
    expect(second.ingest.ledger.status('lot-a')).toMatchObject({ occupied: 40, stale: false });
    await g1.publishAsync(topicA1, counterJson(3, 10, 40, 5), { qos: 1 }); // redelivered: duplicate
    await g1.publishAsync(topicA1, counterJson(3, 11, 41, 5), { qos: 1 });
    await waitForOccupied(second.ingest, 'lot-a', 41);
    expect(second.ingest.ledger.stats().outcomes.duplicate).toBe(1);
  });
});

describe('sensor reset', () => {
  it('is stored and survives a restart: the next reading becomes the reference, the count does not jump', async () => {
    const db = `${inject('influxUrl')}/${dbName()}`;
    const first = await startWithInflux(db, 'influx-reset-1');
    const { g1, g2 } = await sensors();
    await g2.publishAsync(topicA2, counterJson(1, 1, 0, 0), { qos: 1 });
    await g1.publishAsync(topicA1, counterJson(4294967295, 1, 5, 0), { qos: 1 }); // a bogus boot, still within 32 bits
    await waitForOccupied(first.ingest, 'lot-a', 5);
    await g1.publishAsync(topicA1, counterJson(2, 1, 3, 0), { qos: 1 });
    await waitFor(() => first.ingest.ledger.stats().outcomes['old-boot'] === 1, { what: 'the real boot to be ignored' });
    const answer = first.ingest.commands.run('lot-a', { requestId: 'reset-1', resetSensor: 'gate-a1', expiresAt: Date.now() + 5000 });
    expect(answer).toEqual({ requestId: 'reset-1', ok: true, sensorId: 'gate-a1', previous: { boot: 4294967295, seq: 1, in: 5, out: 0 } });
    await first.ingest.stop();

    const second = await startWithInflux(db, 'influx-reset-2');
    // Restored as reset, and not as heard from: a restart must not make the sensor look fresh.
    expect(second.ingest.ledger.lot('lot-a')!.snapshot().sensors['gate-a1']).toMatchObject({ rebaseline: true, lastSeenMs: 0 });
    await g1.publishAsync(topicA1, counterJson(2, 2, 4, 0), { qos: 1 });
    await waitFor(() => second.ingest.ledger.stats().outcomes.baseline === 1, { what: 'the baseline reading' });
    expect(second.ingest.ledger.status('lot-a')?.occupied).toBe(5);
    await g1.publishAsync(topicA1, counterJson(2, 3, 6, 0), { qos: 1 });
    await waitForOccupied(second.ingest, 'lot-a', 7);
  });
});

describe('InfluxDB point identity', () => {
  const started: OccupancyStore[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.stop();
  });

  async function openStore() {
    const base = inject('influxUrl');
    const db = dbName();
    const store = createInfluxStore({ url: `${base}/${db}`, flushIntervalMs: 20, requestTimeoutMs: 2000 });
    await store.start();
    started.push(store);
    return { store, influx: client(base, db) };
  }

  const countOf = async (influx: InfluxDB, measurement: string) => {
    const rows = await influx.query<{ n: number }>(`SELECT count("lot_seq") AS n FROM "${measurement}"`);
    return rows[0]?.n ?? 0;
  };

  it('keeps every state-changing reading that shares one sensor ts: 100 readings, 100 points', async () => {
    const base = inject('influxUrl');
    const db = dbName();
    const { ingest, store } = await startWithInflux(`${base}/${db}`, 'influx-same-ts');
    const { g1 } = await sensors();
    const ts = Date.now() - 5000;
    for (let seq = 1; seq <= 100; seq++) await g1.publishAsync(topicA1, counterJson(1, seq, seq, 0, ts), { qos: 1 });
    await waitForOccupied(ingest, 'lot-a', 100);
    await ingest.stop(); // flushes the history writer and the store
    running.splice(running.indexOf(ingest), 1);
    const influx = client(base, db);
    expect(await countOf(influx, 'sensor_reading')).toBe(100);
    // manku_store_written_points_total comes from here: it counts what InfluxDB holds.
    const stored = (await countOf(influx, 'sensor_reading')) + (await countOf(influx, 'lot_occupancy'));
    expect(store.stats().written).toBe(stored);
    // Still readable at ms precision, in lot_seq order, all at the sensor's ts.
    const rows = await influx.query<{ time: Date; seq: number }>(`SELECT "seq" FROM "sensor_reading" ORDER BY time ASC`, { precision: 'ms' });
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.time.getTime()))).toEqual(new Set([ts]));
  });

  it('writing the very same point twice stores one point and counts one', async () => {
    const { store, influx } = await openStore();
    const point: StorePoint = {
      measurement: 'sensor_reading', lotId: 'lot-a', sensorId: 'gate-a1', timeMs: Date.now(), lotSeq: 7,
      boot: 1, seq: 3, in: 4, out: 1, outcome: 'applied', occupiedRaw: 3, skewMs: 0,
    };
    store.write([point]);
    await store.flush();
    store.write([point]);
    await store.flush();
    expect(await countOf(influx, 'sensor_reading')).toBe(1);
    expect(store.stats().written).toBe(1);
    // Restore reads the time back at ms precision: the event time, not the ns timestamp.
    const restored = await store.restore(['lot-a']);
    expect(restored.get('lot-a')?.sensors['gate-a1']).toEqual({ boot: 1, seq: 3, in: 4, out: 1, lastSeenMs: point.timeMs });
  });

  it('occupancy and calibration points written within one millisecond stay distinct', async () => {
    const { store, influx } = await openStore();
    const timeMs = Date.now();
    const occupancy = (lotSeq: number, occupied: number): StorePoint => ({
      measurement: 'lot_occupancy', lotId: 'lot-a', timeMs, lotSeq, occupied, occupiedRaw: occupied, capacity: 10, level: 'vacant', stale: false,
    });
    const calibration = (lotSeq: number, occupied: number): StorePoint => ({
      measurement: 'lot_calibration', lotId: 'lot-a', timeMs, lotSeq, requestId: `r${lotSeq}`, occupied, previousRaw: 0, occupiedRaw: occupied,
    });
    store.write([occupancy(1, 1), calibration(2, 5), occupancy(3, 5), calibration(4, 2), occupancy(5, 2)]);
    await store.flush();
    expect(await countOf(influx, 'lot_occupancy')).toBe(3);
    expect(await countOf(influx, 'lot_calibration')).toBe(2);
    expect(store.stats().written).toBe(5);
    // The restored state is the point with the highest lot_seq, its time read back in ms.
    const restored = await store.restore(['lot-a']);
    expect(restored.get('lot-a')).toMatchObject({ occupiedRaw: 2, lastSeq: 5 });
  });

  it('restores the count from readings and calibrations, not from a history point written after later readings', async () => {
    const { store } = await openStore();
    const timeMs = Date.now();
    const reading = (lotSeq: number, seq: number, occupiedRaw: number): StorePoint => ({
      measurement: 'sensor_reading', lotId: 'lot-a', sensorId: 'gate-a1', timeMs: timeMs + seq, lotSeq, boot: 1, seq, in: seq, out: 0, outcome: 'applied', occupiedRaw, skewMs: 0,
    });
    const occupancy = (lotSeq: number, occupiedRaw: number): StorePoint => ({
      measurement: 'lot_occupancy', lotId: 'lot-a', timeMs: timeMs + 1, lotSeq, occupied: occupiedRaw, occupiedRaw, capacity: 100, level: 'vacant', stale: false,
    });
    // The history writer's point holds the count of reading 1 and is written after reading 2.
    store.write([reading(1, 1, 30), reading(2, 2, 31), occupancy(3, 30)]);
    await store.flush();
    expect((await store.restore(['lot-a'])).get('lot-a')).toMatchObject({ occupiedRaw: 31, lastSeq: 3, sensors: { 'gate-a1': expect.objectContaining({ seq: 2, in: 2 }) } });
    store.write([{ measurement: 'lot_calibration', lotId: 'lot-a', timeMs: timeMs + 3, lotSeq: 4, requestId: 'r4', occupied: 20, previousRaw: 31, occupiedRaw: 20 }, occupancy(5, 25)]);
    await store.flush();
    expect((await store.restore(['lot-a'])).get('lot-a')).toMatchObject({ occupiedRaw: 20, lastSeq: 5 });
  });
  it('restores the level last shown (not a stale one) for the hysteresis', async () => {
    const { store } = await openStore();
    const timeMs = Date.now();
    const shown = (lotSeq: number, level: 'vacant' | 'crowded' | 'full' | 'unknown'): StorePoint => ({
      measurement: 'lot_occupancy', lotId: 'lot-a', timeMs: timeMs + lotSeq, lotSeq, occupied: 92, occupiedRaw: 92, capacity: 100, level, stale: level === 'unknown',
    });
    store.write([shown(1, 'crowded'), shown(2, 'full'), shown(3, 'unknown')]);
    await store.flush();
    expect((await store.restore(['lot-a'])).get('lot-a')).toMatchObject({ level: 'full', lastSeq: 3 });
  });
});

describe('InfluxDB outage', () => {
  let influxd: Influxd;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'manku-influxd-outage-'));
    influxd = await startInfluxd(dir);
  });
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('live status is unaffected while InfluxDB is down; every point is written, in order, when it is back', async () => {
    const db = dbName();
    const { ingest, store } = await startWithInflux(`${influxd.url}/${db}`, 'influx-outage');
    const { g1, g2 } = await sensors();
    const t0 = Date.now() - 60_000;
    await g2.publishAsync(topicA2, counterJson(1, 1, 0, 0, t0), { qos: 1 });
    let seq = 0;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        seq += 1;
        await g1.publishAsync(topicA1, counterJson(1, seq, seq, 0, t0 + seq), { qos: 1 });
      }
    };
    await send(30);
    await waitFor(() => store.stats().buffered === 0 && store.stats().written >= 31, { what: 'the first points written' });

    await influxd.stop();
    await send(40);
    await waitForOccupied(ingest, 'lot-a', 70); // live count moves on without the store
    await waitFor(() => store.stats().lastError !== null, { what: 'a failed write' });
    expect(store.stats().buffered).toBeGreaterThanOrEqual(40);

    await influxd.start();
    await waitFor(() => store.stats().buffered === 0, { timeoutMs: 20_000, what: 'the buffer to drain after InfluxDB is back' });
    expect(store.stats()).toMatchObject({ dropped: 0, lastError: null });
    const rows = await client(influxd.url, db).query<{ seq: number }>(`SELECT "seq" FROM "sensor_reading" WHERE "sensor" = 'gate-a1' ORDER BY time ASC`);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
  });
});
