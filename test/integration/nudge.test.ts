/**
 * Measuring the nudge on a real API (issue 15): events counted into hour buckets, stats with the
 * follow-up rate, refusals that store nothing, a flood capped per address, and nothing personal in
 * what is stored or logged. Both stores: the embedded JSON file and the real influxd.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { InfluxDB } from 'influx';
import { Validator } from '@seriousme/openapi-schema-validator';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import { createEmbeddedNudgeStore, createInfluxNudgeStore, NUDGE_FILE, NUDGE_MEASUREMENT, type NudgeStore } from '../../storage/index.js';
import { startApi, startBroker, testLots } from '../support/stack.js';

const UA = 'Mozilla/5.0 (NudgeTest; secret-agent-42)';
const ORIGIN = 'https://hospital.example.jp';
let lots: LotsFile;
let broker: Broker;
let url: string;
const apis: Api[] = [];
const logLines: string[] = [];
const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _e, cb) => (logLines.push(String(chunk)), cb()) }));

beforeAll(async () => {
  lots = await testLots();
  ({ broker, url } = await startBroker(lots));
});
afterAll(async () => {
  for (const a of apis) await a.stop();
  await broker?.stop();
});

async function apiWith(store: NudgeStore) {
  const { api, base } = await startApi(lots, url, undefined, { nudgeStore: store, logger, allowedOrigins: [ORIGIN, 'https://clinic.example.jp'], trustProxy: ['127.0.0.1'] });
  apis.push(api);
  const post = (body: unknown, headers: Record<string, string> = {}, lot = 'lot-a') =>
    fetch(`${base}/api/v1/lots/${lot}/nudge-events`, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA, cookie: 'session=abc123', 'x-forwarded-for': '203.0.113.7', ...headers },
    });
  const stats = async (query = 'step=1h') => (await fetch(`${base}/api/v1/lots/lot-a/nudge-stats?${query}`)).json() as Promise<any>;
  return { base, post, stats };
}

async function countsAndFollowRate(store: NudgeStore) {
  const { post, stats } = await apiWith(store);
  for (const e of [
    { event: 'shown', level: 'crowded' },
    { event: 'shown', level: 'crowded', arrival: 'full' },
    { event: 'shown', level: 'full' },
    { event: 'followed', level: 'crowded', arrival: 'full' },
  ]) expect((await post(e)).status).toBe(204);
  expect((await post({ event: 'shown', level: 'vacant', arrival: 'crowded' }, { origin: 'https://clinic.example.jp' })).status).toBe(204);
  const s = await stats();
  const hour = s.buckets.find((b: any) => b.shown > 0);
  expect(hour).toMatchObject({
    shown: 4,
    followed: 1,
    byLevel: { vacant: { shown: 1, followed: 0, followRate: 0 }, crowded: { shown: 2, followed: 1, followRate: 0.5 }, full: { shown: 1, followed: 0, followRate: 0 } },
  });
  const day = await stats('step=1d');
  expect(day.buckets.reduce((n: number, b: any) => n + b.shown, 0)).toBe(4);
  return s;
}

describe('nudge events and stats (embedded store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manku-nudge-'));
  const store = createEmbeddedNudgeStore({ dataDir: dir });

  it('counts shown and followed per hour and level, and gives the follow-up rate', async () => {
    await countsAndFollowRate(store);
  });

  it('stores counts only: no address, user agent, cookie or identifier in the file or the log', async () => {
    const stored = readFileSync(join(dir, NUDGE_FILE), 'utf8');
    const rows = JSON.parse(stored) as Array<Record<string, unknown>>;
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['arrival', 'count', 'event', 'hourMs', 'level', 'lotId', 'origin']);
    expect(rows.map((r) => r.origin).sort()).toEqual(['https://clinic.example.jp', ORIGIN, ORIGIN, ORIGIN, ORIGIN].sort());
    const everything = stored + logLines.join('');
    // the client's address (X-Forwarded-For from a trusted proxy), its user agent and cookie
    for (const secret of ['203.0.113.7', 'secret-agent', 'abc123', 'Mozilla']) expect(everything).not.toContain(secret);
  });

  it('refuses bad events with a 4xx that says what to fix, and counts nothing for them', async () => {
    const { post, stats, base } = await apiWith(createEmbeddedNudgeStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-nudge-bad-')) }));
    const bad = [
      [await post('not json'), 400],
      [await post({ event: 'clicked', level: 'full' }), 400],
      [await post({ event: 'shown', level: 'full', visitor: 'id-1' }), 400], // no room for an identifier
      [await post({ event: 'shown', level: 'unknown' }), 400],
      [await post('x'.repeat(300)), 413],
      [await post({ event: 'shown', level: 'full' }, { origin: 'https://evil.example' }), 403],
      [await post({ event: 'shown', level: 'full' }, {}, 'no-such-lot'), 404],
    ] as const;
    expect(bad.map(([r]) => r.status)).toEqual(bad.map(([, s]) => s));
    expect((await bad[1][0].json()).error.message).toMatch(/event/);
    // GPC / DNT: accepted quietly, not counted
    expect((await post({ event: 'shown', level: 'full' }, { 'sec-gpc': '1' })).status).toBe(204);
    expect((await post({ event: 'shown', level: 'full' }, { dnt: '1' })).status).toBe(204);
    expect((await stats()).buckets.every((b: any) => b.shown === 0 && b.followed === 0)).toBe(true);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/manku_nudge_events_rejected_total\{reason="bad_event"\} 4/);
    expect(metrics).toMatch(/manku_nudge_events_rejected_total\{reason="opted_out"\} 2/);
  });

  it('caps a flood of fake events from one address', async () => {
    const { post, stats, base } = await apiWith(createEmbeddedNudgeStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-nudge-flood-')) }));
    const statuses: number[] = [];
    const started = performance.now();
    for (let i = 0; i < 60; i++) statuses.push((await post({ event: 'followed', level: 'full' })).status);
    const accepted = statuses.filter((s) => s === 204).length;
    // a burst of 20, then 0.5 a second (however slow this machine made the loop)
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(20 + Math.ceil(((performance.now() - started) / 1000) * 0.5));
    expect(statuses.filter((s) => s === 429).length).toBe(60 - accepted);
    expect((await stats()).buckets.reduce((n: number, b: any) => n + b.followed, 0)).toBe(accepted);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/manku_nudge_events_total\{event="followed",level="full"\} \d+/);
  });

  it('is in a valid OpenAPI document', async () => {
    const { base } = await apiWith(store);
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as Record<string, any>;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(doc.paths['/api/v1/lots/{lotId}/nudge-events'].post).toBeDefined();
    expect(doc.paths['/api/v1/lots/{lotId}/nudge-stats'].get).toBeDefined();
  });

  it('GET /nudge-stats names bad parameters', async () => {
    const { stats } = await apiWith(store);
    expect(await stats('step=5m')).toMatchObject({ error: { code: 'bad_request', message: expect.stringMatching(/step/) } });
    expect(await stats('from=yesterday')).toMatchObject({ error: { code: 'bad_request', message: expect.stringMatching(/from/) } });
  });
});

describe('nudge counts in InfluxDB', () => {
  it('counts, sums across flushes, and stores only counts with lot, event, level, arrival and origin', async () => {
    const db = `manku_nudge_${Date.now()}`;
    const influxUrl = `${inject('influxUrl')}/${db}`;
    const admin = new InfluxDB(influxUrl);
    await admin.createDatabase(db);
    await countsAndFollowRate(createInfluxNudgeStore({ url: influxUrl }));
    const keys = await admin.query(`SHOW TAG KEYS FROM "${NUDGE_MEASUREMENT}"`);
    expect(keys.map((k: any) => k.tagKey).sort()).toEqual(['arrival', 'event', 'level', 'lot', 'origin']);
    const fields = await admin.query(`SHOW FIELD KEYS FROM "${NUDGE_MEASUREMENT}"`);
    expect(fields.map((f: any) => f.fieldKey)).toEqual(['count']);
  });
});
