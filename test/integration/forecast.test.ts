/**
 * Forecast at arrival, end to end on real parts: `manku import-history` loads generated weeks into
 * InfluxDB (bad files rejected whole, re-import idempotent), the API trains each lot's model from
 * that store, and `/forecast`, `GET /lots/{lotId}` and the live WebSocket serve it. Lots: a JP
 * holiday lot and its twin without holidays (same history), a Europe/London lot across the end of
 * summer time, a cold lot with 5 days. The API's clock is Monday 2026-11-23 09:00 UTC: 18:00 on a
 * Japanese holiday (勤労感謝の日), 09:00 on a London weekday.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Api } from '../../api/index.js';
import { importHistoryCommand } from '../../bin/import-history.js';
import type { Broker } from '../../broker/index.js';
import { LotsFile, type HolidayCalendar } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore, createInfluxHistory, createInfluxStore } from '../../storage/index.js';
import { nodeArgs } from '../../testkit/entry-points.js';
import { occupancyWeeks, typicalShare } from '../../testkit/occupancy-weeks.js';
import { freePort, waitFor } from '../../testkit/wait.js';
import { hashPassword } from '../../broker/index.js';
import { connectClient, counterJson, liveClient, manualClock, passwordOf, startApi, startBroker, startIngest } from '../support/stack.js';

const run = promisify(execFile);
const T = Date.parse('2026-11-23T09:00:00Z');
const clock = manualClock(T);
const dir = mkdtempSync(join(tmpdir(), 'manku-forecast-'));
const lotsPath = join(dir, 'lots.json');
const csvPath = join(dir, 'history.csv');
let lots: LotsFile;
let influxUrl: string;
let broker: Broker;
let url: string;
let ingest: Ingest;
let api: Api;
let base: string;

const LOTS = [
  { id: 'jp-lot', timeZone: 'Asia/Tokyo', capacity: 200, holidays: 'JP' as HolidayCalendar, seed: 1 },
  { id: 'plain-lot', timeZone: 'Asia/Tokyo', capacity: 200, holidays: 'none' as HolidayCalendar, seed: 1 },
  { id: 'london-lot', timeZone: 'Europe/London', capacity: 100, holidays: 'none' as HolidayCalendar, seed: 2 },
  { id: 'cold-lot', timeZone: 'Asia/Tokyo', capacity: 50, holidays: 'JP' as HolidayCalendar, seed: 3 },
];

/** The weeks a lot's history holds: the JP lots' history is that of a car park closed-ish on JP holidays (both have it). */
function historyOf(lot: (typeof LOTS)[number]) {
  const days = lot.id === 'cold-lot' ? 5 : 42;
  const from = lot.id === 'cold-lot' ? '2026-11-18' : '2026-10-12';
  const holidays: HolidayCalendar = lot.timeZone === 'Asia/Tokyo' ? 'JP' : 'none';
  return occupancyWeeks({ timeZone: lot.timeZone, holidays, from, days: days + 1, stepMin: 15, capacity: lot.capacity, seed: lot.seed }).filter((s) => s.timeMs < T);
}

const csvOf = (rows: string[]) => ['lot,time,occupied,capacity', ...rows].join('\n') + '\n';

async function get(path: string) {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  const hash = (u: string) => hashPassword(passwordOf(u), { N: 1024 });
  lots = LotsFile.parse({
    lots: await Promise.all(
      LOTS.map(async (l) => ({
        id: l.id,
        name: { ja: l.id, en: l.id },
        capacity: l.capacity,
        timeZone: l.timeZone,
        holidays: l.holidays,
        staleAfterS: 3600,
        sensors: [{ id: `${l.id}-gate`, passwordHash: await hash(`${l.id}-gate`) }],
      })),
    ),
    accounts: [
      { username: 'api', role: 'api', passwordHash: await hash('api') },
      { username: 'ingest', role: 'ingest', passwordHash: await hash('ingest') },
    ],
  });
  writeFileSync(lotsPath, JSON.stringify(lots));
  const rows = LOTS.flatMap((l) => historyOf(l).map((s) => `${l.id},${new Date(s.timeMs).toISOString()},${s.occupied},${l.capacity}`));
  writeFileSync(csvPath, csvOf(rows));
  influxUrl = `${inject('influxUrl')}/manku_forecast_${Date.now()}`;
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
});

const countPoints = async (lotId: string) => {
  const influx = new InfluxDB(influxUrl);
  const rows = (await influx.query(`SELECT count("occupied") AS n FROM "lot_occupancy" WHERE "lot" = '${lotId}'`)) as unknown as { n: number }[];
  return rows[0]?.n ?? 0;
};
const quiet = { out: () => {}, err: () => {} };

describe('manku import-history', () => {
  it('reports every bad row with its line number and imports nothing (the CLI exits 1)', { timeout: 120_000 }, async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      csvOf([
        'jp-lot,2026-11-20T00:00:00Z,10,200',
        'jp-lot,yesterday,10,200',
        'no-such-lot,2026-11-20T00:15:00Z,10,200',
        'jp-lot,2099-01-01T00:00:00Z,10,200',
        'jp-lot,2026-11-20T00:30:00Z,10',
      ]),
    );
    const dataDir = join(dir, 'bad-embedded');
    const result = await run(process.execPath, nodeArgs('manku', ['import-history', '--csv', bad, '--lots', lotsPath]), {
      env: { ...process.env, DATA_DIR: dataDir, INFLUX_URL: '' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/4 bad row\(s\).*nothing was imported/);
    expect(result.stderr).toMatch(/bad\.csv:3: time: .*ISO 8601/);
    expect(result.stderr).toMatch(/bad\.csv:4: lot "no-such-lot" is not in the lots file/);
    expect(result.stderr).toMatch(/bad\.csv:5: time 2099-01-01T00:00:00.000Z is in the future/);
    expect(result.stderr).toMatch(/bad\.csv:6: expected 4 columns/);
    expect(existsSync(join(dataDir, 'manku-state.json'))).toBe(false); // the good row 2 was not imported either
  });

  it('loads the file into InfluxDB; importing it again stores the same points, not twice', async () => {
    const env = { INFLUX_URL: influxUrl };
    const first = await importHistoryCommand(['--csv', csvPath, '--lots', lotsPath], env, quiet);
    expect(first).toMatchObject({ store: 'influx', duplicates: 0 });
    const n = await countPoints('jp-lot');
    expect(n).toBe(historyOf(LOTS[0]!).length + 1); // 15-minute rows, and one unknown mark an hour after the last
    await importHistoryCommand(['--csv', csvPath, '--lots', lotsPath], env, quiet);
    expect(await countPoints('jp-lot')).toBe(n);
  });

  it('loads the file into the embedded store (merged in time order), idempotently', async () => {
    const dataDir = join(dir, 'embedded');
    const small = join(dir, 'small.csv');
    // 08:00 and 08:30, then a 3-hour gap: marked unknown an hour after 08:30
    writeFileSync(small, csvOf(['jp-lot,2026-11-20T08:00:00+09:00,10,200', 'jp-lot,2026-11-20T08:30:00+09:00,20,200', 'jp-lot,2026-11-20T11:30:00+09:00,30,200']));
    for (let i = 0; i < 2; i++) await importHistoryCommand(['--csv', small, '--lots', lotsPath], { DATA_DIR: dataDir }, quiet);
    const store = createEmbeddedStore({ dataDir });
    await store.start();
    const h = store.history('jp-lot', Date.parse('2026-11-19T23:00:00Z'), Date.parse('2026-11-20T03:00:00Z'), 3_600_000);
    expect(h.map((p) => [p.occupied, p.level])).toEqual([
      [20, 'vacant'], // 23:00–00:00 UTC: the state at the end of the hour (08:30 JST)
      [20, 'unknown'], // 00:30 UTC: an hour after the last row, unknown
      [20, 'unknown'],
      [30, 'vacant'],
    ]);
    expect((await store.restore(['jp-lot'])).get('jp-lot')).toMatchObject({ occupiedRaw: 0, lastSeq: 0 }); // history only: no current state
    await store.stop();
  });
});

describe('forecasts served from the imported history', () => {
  beforeAll(async () => {
    ({ broker, url } = await startBroker(lots));
    ingest = await startIngest(lots, url, createInfluxStore({ url: influxUrl, flushIntervalMs: 20 }), clock);
    ({ api, base } = await startApi(lots, url, clock, { history: createInfluxHistory({ url: influxUrl }), forecastColdRetryMs: 500 }));
    // Training runs in the API's event loop (one lot at a time): on this shared 2-core machine a lot
    // can take seconds, so the models are trained before the statuses are watched.
    await waitFor(async () => /manku_forecast_models\{state="ready"\} 3/.test(await (await fetch(`${base}/metrics`)).text()), { timeoutMs: 60_000, what: 'three models ready' });
    // Every lot's count now: the truth of its history at T.
    for (const l of LOTS) {
      const gate = await connectClient(url, `${l.id}-gate`);
      const now = historyOf(l).at(-1)!.occupied;
      await gate.publishAsync(`parking/v1/${l.id}/${l.id}-gate/counter`, counterJson(1, 1, now, 0, T), { qos: 1 });
      gate.end(true);
      let last: unknown;
      await waitFor(async () => ((last = await get(`/api/v1/lots/${l.id}`)) as Awaited<ReturnType<typeof get>>).body.occupied === now, { what: `${l.id} at ${now}`, timeoutMs: 10_000 }).catch((err) => {
        throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
      });
    }
  }, 120_000);

  it('GET /forecast gives points at 30 and 60 minutes with a band, a level and the basis', async () => {
    const { status, body } = await get('/api/v1/lots/london-lot/forecast');
    expect(status).toBe(200);
    expect(body).toMatchObject({ lotId: 'london-lot', issuedAt: new Date(T).toISOString(), basis: { method: 'manku' } });
    expect(body.points.map((p: any) => [p.inMin, p.at])).toEqual([
      [30, new Date(T + 30 * 60_000).toISOString()],
      [60, new Date(T + 60 * 60_000).toISOString()],
    ]);
    for (const p of body.points) {
      expect(p.low).toBeLessThanOrEqual(p.occupied);
      expect(p.high).toBeGreaterThanOrEqual(p.occupied);
      expect(p.available).toBe(100 - p.occupied);
      expect(['vacant', 'crowded', 'full']).toContain(p.level);
    }
    expect(Date.parse(body.basis.trainedFrom)).toBeLessThan(Date.parse(body.basis.trainedTo));
  });

  it('follows each lot\'s own history (no leak): London at 09:00 on a weekday fills, Tokyo at 18:00 on a holiday empties', async () => {
    const london = (await get('/api/v1/lots/london-lot/forecast?in=60m')).body;
    const jp = (await get('/api/v1/lots/jp-lot/forecast?in=60m')).body;
    const nowLondon = historyOf(LOTS[2]!).at(-1)!.occupied;
    const nowJp = historyOf(LOTS[0]!).at(-1)!.occupied;
    expect(london.points[0].occupied).toBeGreaterThan(nowLondon + 10);
    expect(jp.points[0].occupied).toBeLessThan(nowJp);
    // the truth an hour on, within the band's neighbourhood: London 10:00 on a weekday (local time, after the end of summer time)
    expect(Math.abs(london.points[0].occupied - typicalShare(10, 1) * 100)).toBeLessThan(12);
  });

  it('treats a Japanese holiday as a Sunday for a JP lot, and not for the same history without holidays', async () => {
    const truth = typicalShare(19, 0) * 200; // 19:00 on a Sunday-like day
    const jp = (await get('/api/v1/lots/jp-lot/forecast?in=60m')).body.points[0];
    const plain = (await get('/api/v1/lots/plain-lot/forecast?in=60m')).body.points[0];
    expect(Math.abs(jp.occupied - truth)).toBeLessThan(Math.abs(plain.occupied - truth));
  });

  it('?at= forecasts one time; bad parameters get a 400 naming them; 404 for an unknown lot', async () => {
    const at = new Date(T + 45 * 60_000).toISOString();
    const one = await get(`/api/v1/lots/london-lot/forecast?at=${at}`);
    expect(one.status).toBe(200);
    expect(one.body.points).toHaveLength(1);
    expect(one.body.points[0]).toMatchObject({ at, inMin: 45 });
    for (const [query, name] of [
      ['in=500m', /query in: .*1 to 180/],
      ['in=soon', /query in/],
      [`at=${new Date(T - 60_000).toISOString()}`, /query at: .*1 to 180 minutes from now/],
      [`in=30m&at=${at}`, /either in or at/],
    ] as const) {
      const res = await get(`/api/v1/lots/london-lot/forecast?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message).toMatch(name);
    }
    expect((await get('/api/v1/lots/nope/forecast')).status).toBe(404);
  });

  it('a lot with too little history gets 409 with the reason, and no forecast in its status', async () => {
    const res = await get('/api/v1/lots/cold-lot/forecast');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'no_forecast' }, reason: expect.stringMatching(/not enough history: \d days with data/) });
    expect((await get('/api/v1/lots/cold-lot')).body.forecast).toBeUndefined();
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/manku_forecast_models\{state="cold"\} 1/);
  });

  it('the live status and GET /lots/{lotId} carry the 30- and 60-minute forecast', async () => {
    const status = (await get('/api/v1/lots/jp-lot')).body;
    expect(status.forecast.points.map((p: any) => p.inMin)).toEqual([30, 60]);
    const live = await liveClient(`${base.replace('http', 'ws')}/api/v1/live?lots=jp-lot,cold-lot`);
    const jp = await live.next((m) => m.status?.lotId === 'jp-lot', 'jp-lot status');
    expect(jp.status.forecast).toEqual(status.forecast);
    const cold = await live.next((m) => m.status?.lotId === 'cold-lot', 'cold-lot status');
    expect(cold.status.forecast).toBeUndefined();
    live.close();
  });

  it('statuses carry the trend once 15 minutes of movement are known: filling, then steady', async () => {
    const gate = await connectClient(url, 'london-lot-gate');
    const now = historyOf(LOTS[2]!).at(-1)!.occupied;
    const live = await liveClient(`${base.replace('http', 'ws')}/api/v1/live?lots=london-lot`);
    await live.next((m) => m.status?.lotId === 'london-lot');
    clock.advance(16 * 60_000);
    await gate.publishAsync('parking/v1/london-lot/london-lot-gate/counter', counterJson(1, 2, now + 10, 0, clock.now()), { qos: 1 });
    const filling = await live.next((m) => m.status?.trend === 'filling', 'trend filling');
    expect(filling.status.occupied).toBe(now + 10);
    expect(filling.status.forecast.issuedAt).toBe(new Date(clock.now()).toISOString()); // forecast made again for the new count
    clock.advance(16 * 60_000);
    await gate.publishAsync('parking/v1/london-lot/london-lot-gate/counter', counterJson(1, 3, now + 10, 0, clock.now()), { qos: 1 });
    await live.next((m) => m.status?.trend === 'steady', 'trend steady');
    gate.end(true);
    live.close();
  });

  it('a cold lot gets its forecast as soon as history is imported into the running service, pushed live', async () => {
    const live = await liveClient(`${base.replace('http', 'ws')}/api/v1/live?lots=cold-lot`);
    expect((await live.next((m) => m.status?.lotId === 'cold-lot')).status.forecast).toBeUndefined();
    const more = join(dir, 'cold-more.csv');
    const lot = LOTS[3]!;
    const weeks = occupancyWeeks({ timeZone: lot.timeZone, holidays: 'JP', from: '2026-10-26', days: 24, stepMin: 15, capacity: lot.capacity, seed: 4 }).filter((s) => s.timeMs < Date.parse('2026-11-18T00:00:00+09:00'));
    writeFileSync(more, csvOf(weeks.map((s) => `cold-lot,${new Date(s.timeMs).toISOString()},${s.occupied},${lot.capacity}`)));
    await importHistoryCommand(['--csv', more, '--lots', lotsPath], { INFLUX_URL: influxUrl }, quiet);
    await waitFor(async () => /manku_forecast_models\{state="ready"\} 4/.test(await (await fetch(`${base}/metrics`)).text()), { timeoutMs: 30_000, what: 'the cold lot trained' });
    const pushed = await live.next((m) => m.status?.lotId === 'cold-lot' && m.status.forecast, 'cold-lot with a forecast');
    expect(pushed.status.forecast.points.length).toBeGreaterThan(0);
    expect((await get('/api/v1/lots/cold-lot/forecast')).status).toBe(200);
    live.close();
  });
});

describe('a history store that cannot be read', () => {
  it('counts refresh failures, keeps serving, and answers 409 with the reason', async () => {
    const down = `http://127.0.0.1:${await freePort()}/manku`;
    const other = await startApi(lots, url ?? (await startBroker(lots)).url, clock, { history: createInfluxHistory({ url: down, requestTimeoutMs: 500 }), forecastColdRetryMs: 200 });
    try {
      await waitFor(async () => /manku_forecast_refresh_failures_total [1-9]/.test(await (await fetch(`${other.base}/metrics`)).text()), { timeoutMs: 20_000, what: 'refresh failures counted' });
      const res = await fetch(`${other.base}/api/v1/lots/jp-lot/forecast`);
      expect(res.status).toBe(409);
      expect(((await res.json()) as { reason: string }).reason).toMatch(/being trained/);
      expect((await fetch(`${other.base}/api/v1/lots/jp-lot`)).status).toBe(200);
    } finally {
      await other.api.stop();
    }
  });
});
