/**
 * History from both stores through the same readings on a driven clock: the embedded store and
 * InfluxDB (GROUP BY time) must give the same points; the route validates its parameters.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import { HISTORY_STEPS, type LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import {
  createEmbeddedStore,
  createInfluxHistory,
  createInfluxStore,
  embeddedHistory,
  type EmbeddedStore,
  type OccupancyStore,
  type StorePoint,
} from '../../storage/index.js';
import { connectClient, counterJson, manualClock, startApi, startBroker, startIngest, testLots } from '../support/stack.js';
import { waitFor } from '../../testkit/wait.js';

const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const clock = manualClock(T0);
let lots: LotsFile;
let broker: Broker;
let url: string;
let embedded: EmbeddedStore;
let influxStore: ReturnType<typeof createInfluxStore>;
let influxUrl: string;
const ingests: Ingest[] = [];
const seen: StorePoint[][] = [[], []];
let api: Api;
let base: string;

beforeAll(async () => {
  lots = await testLots({ capacity: 100 });
  ({ broker, url } = await startBroker(lots));
  embedded = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-history-')) });
  influxUrl = `${inject('influxUrl')}/manku_history_${Date.now()}`;
  influxStore = createInfluxStore({ url: influxUrl, flushIntervalMs: 20 });
  // Two ingests (two sessions) see the same readings: one per store. Each store is watched so the
  // test knows when a history point has been handed over.
  const watched = (store: OccupancyStore, seen: StorePoint[]): OccupancyStore => ({
    ...store,
    kind: store.kind,
    description: store.description,
    write(points) {
      seen.push(...points);
      store.write(points);
    },
  });
  ingests.push(await startIngest(lots, url, watched(embedded, seen[0]!), clock, 'history-embedded'));
  ingests.push(await startIngest(lots, url, watched(influxStore, seen[1]!), clock, 'history-influx'));
  ({ api, base } = await startApi(lots, url, undefined, { history: embeddedHistory(embedded) }));

  const g1 = await connectClient(url, 'gate-a1');
  const g2 = await connectClient(url, 'gate-a2');
  let a2seq = 0;
  /** At `atMs`, gate-a2 sends a heartbeat (so the lot stays fresh) and gate-a1 its counts. */
  const step = async (atMs: number, seq: number, inCount: number, outCount: number) => {
    clock.set(atMs);
    await g2.publishAsync('parking/v1/lot-a/gate-a2/counter', counterJson(1, ++a2seq, 0, 0, atMs), { qos: 1 });
    await g1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, seq, inCount, outCount, atMs), { qos: 1 });
    const want = inCount - outCount;
    for (const [n, i] of ingests.entries()) {
      await waitFor(() => i.ledger.stats().outcomes.applied + i.ledger.stats().outcomes.reboot === 2 * a2seq, { what: `readings at ${atMs - T0} ms` });
      expect(i.ledger.status('lot-a')).toMatchObject({ occupied: want, stale: false });
      // the throttled status, and with it the history point, has gone out at this clock time
      await waitFor(() => seen[n]!.some((p) => p.measurement === 'lot_occupancy' && p.occupied === want && p.timeMs === atMs), {
        what: `the history point for ${want}`,
      });
    }
  };
  await step(T0 + 10_000, 1, 5, 0);
  await step(T0 + 70_000, 2, 7, 0);
  await step(T0 + 200_000, 3, 7, 3);
  g1.end(true);
  g2.end(true);
  await waitFor(() => influxStore.stats().buffered === 0 && influxStore.stats().written > 0, { what: 'InfluxDB writes' });
});

afterAll(async () => {
  await api.stop();
  for (const i of ingests) await i.stop();
  await broker.stop();
});

const expected = [
  { t: new Date(T0).toISOString(), occupied: 5, available: 95, level: 'vacant' },
  { t: new Date(T0 + 60_000).toISOString(), occupied: 7, available: 93, level: 'vacant' },
  { t: new Date(T0 + 120_000).toISOString(), occupied: 7, available: 93, level: 'vacant' },
  { t: new Date(T0 + 180_000).toISOString(), occupied: 4, available: 96, level: 'vacant' },
  { t: new Date(T0 + 240_000).toISOString(), occupied: 4, available: 96, level: 'vacant' },
];

describe('history', () => {
  it('the embedded store buckets state at the end of each step, carried forward', () => {
    expect(embedded.history('lot-a', T0, T0 + 300_000, HISTORY_STEPS['1m'])).toEqual(expected);
  });

  it('InfluxDB (GROUP BY time) gives the identical points', async () => {
    const influx = createInfluxHistory({ url: influxUrl });
    expect(await influx.history('lot-a', T0, T0 + 300_000, HISTORY_STEPS['1m'])).toEqual(expected);
    // a range that starts after the last change is seeded by the point before it
    expect(await influx.history('lot-a', T0 + 600_000, T0 + 720_000, HISTORY_STEPS['1m'])).toEqual(
      embedded.history('lot-a', T0 + 600_000, T0 + 720_000, HISTORY_STEPS['1m']),
    );
    expect(await influx.history('lot-a', T0, T0 + 3_600_000, HISTORY_STEPS['15m'])).toEqual(
      embedded.history('lot-a', T0, T0 + 3_600_000, HISTORY_STEPS['15m']),
    );
  });

  it('GET /api/v1/lots/{lotId}/history serves it', async () => {
    const q = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 300_000).toISOString()}&step=1m`;
    const res = await fetch(`${base}/api/v1/lots/lot-a/history?${q}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ lotId: 'lot-a', step: '1m', points: expected });
  });

  it.each([
    ['from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z', 'bad_range', /from .* must be before to/],
    ['from=2026-11-20T00:00:00Z&to=2026-11-25T00:00:00Z&step=1m', 'range_too_long', /step=1m .* 1500/],
    ['step=2h', 'bad_request', /step/],
    ['from=yesterday', 'bad_request', /from.*ISO 8601/],
  ])('400 for %s, naming the parameter', async (query, code, message) => {
    const res = await fetch(`${base}/api/v1/lots/lot-a/history?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });

  it('404 for an unknown lot; 503 with advice when this API has no history store', async () => {
    expect((await fetch(`${base}/api/v1/lots/nope/history`)).status).toBe(404);
    const bare = await startApi(lots, url);
    const res = await fetch(`${bare.base}/api/v1/lots/lot-a/history`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/INFLUX_URL/);
    await bare.api.stop();
  });
});
