/**
 * deploy/prometheus and deploy/grafana against a real running manku (`manku all` as a process,
 * writing to the run's influxd, with the NGSI push to a stand-in city broker): every metric name
 * the alert rules and the dashboard use is on its /metrics; every InfluxQL query of the dashboard,
 * with Grafana's macros substituted, returns the points manku wrote; the dashboard's PromQL parses.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startManku, type MankuProcess } from '../../testkit/manku-process.js';
import { waitFor } from '../../testkit/wait.js';
import { REPO_ROOT } from '../support/docs.js';
import { receiver } from '../support/ngsi.js';
import { counterJson } from '../support/stack.js';

const run = promisify(execFile);
const TOKEN = 'deploy-test-admin-token';
const LOT = 'demo-hospital';

/** Metric names defined by work not merged here yet; checked once the code defines them. */
const PENDING = {
  manku_gate_online: 'expected from issue 13 item 2 (per-gate state, helper ops)',
  manku_ingest_partition_up: 'expected from issue 9 item 3 (INGEST_PARTITION, helper scale)',
} as const;

interface Target { refId: string; query?: string; expr?: string; rawQuery?: boolean }
interface Panel { title: string; type: string; targets?: Target[] }
const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/manku-dashboard.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: Array<{ name: string; query: string }> };
};
const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
const influxQueries = targets.filter((t) => t.query !== undefined);
const promExprs = targets.filter((t) => t.expr !== undefined);
const ruleExprs = (parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/manku-rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups
  .flatMap((g) => g.rules.map((r) => r.expr));

/** manku_* names in PromQL; a histogram's _bucket/_sum/_count are series of their own on /metrics. */
const namesIn = (exprs: string[]) => [...new Set(exprs.flatMap((e) => e.match(/\bmanku_[a-z0-9_]+/g) ?? []))].sort();

/** Defined in the source (api/, ingest/, ...), i.e. merged: then its absence from /metrics is a failure. */
function definedInCode(name: string): boolean {
  return ['api/metrics.ts', 'api/gate-metrics.ts', 'api/partition-metrics.ts'].some((f) => {
    try {
      return readFileSync(join(REPO_ROOT, f), 'utf8').includes(`'${name}'`);
    } catch {
      return false;
    }
  });
}

/** What Grafana sends for the macros: the last 6 hours, 1-minute buckets, every lot ("All"). */
function substitute(query: string, nowMs: number): string {
  return query
    .replaceAll('$timeFilter', `time >= ${nowMs - 6 * 3600_000}ms and time <= ${nowMs + 60_000}ms`)
    .replaceAll('$__interval', '1m')
    .replaceAll('$lot', `(${LOT.replace(/-/g, '\\-')})`);
}

let manku: MankuProcess;
let city: Awaited<ReturnType<typeof receiver>>;
let api: string;
let influx: { url: string; db: string };
let metrics = '';

async function influxQuery(q: string): Promise<Array<{ series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>; error?: string }>> {
  const res = await fetch(`${influx.url}/query?db=${encodeURIComponent(influx.db)}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: Array<{ series?: []; error?: string }>; error?: string };
  if (!res.ok || body.error) throw new Error(`InfluxDB refused ${q}: ${body.error ?? res.status}`);
  return body.results;
}

beforeAll(async () => {
  city = await receiver();
  const base = inject('influxUrl');
  influx = { url: base, db: `manku_deploy_${Date.now()}` };
  manku = startManku('all', {
    MQTT_PORT: '0',
    PORT: '0',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'manku-deploy-')),
    INFLUX_URL: `${base}/${influx.db}`,
    NGSI_PUSH_URL: city.url,
    ADMIN_TOKEN: TOKEN,
    HTTP_RATE_LIMIT_PER_S: '0',
  });
  await manku.ready(120_000);
  api = String(manku.field('API listening', 'url'));
  const port = Number(manku.field('MQTT broker listening', 'port'));
  // Both gates report (the lot gets a level), then a few cars, then a calibration: every measurement has points.
  for (const [gate, readings] of [['demo-gate-1', [[1, 5, 0], [2, 9, 1]]], ['demo-gate-2', [[1, 0, 2], [2, 1, 3]]]] as const) {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: gate, password: 'demo', protocolVersion: 4, reconnectPeriod: 0 });
    for (const [seq, inCount, outCount] of readings) await client.publishAsync(`parking/v1/${LOT}/${gate}/counter`, counterJson(1, seq, inCount, outCount), { qos: 1 });
    await client.endAsync();
  }
  await waitFor(async () => ((await (await fetch(`${api}/api/v1/lots/${LOT}`)).json()) as { occupied: number }).occupied === 6, { timeoutMs: 30_000, what: 'the readings counted' });
  const calibrated = await fetch(`${api}/api/v1/lots/${LOT}/calibration`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ occupied: 4 }),
  });
  expect(calibrated.status).toBe(200);
  await waitFor(async () => ((await influxQuery('SELECT count("occupied") FROM "lot_calibration"'))[0]?.series?.length ?? 0) > 0, { timeoutMs: 30_000, what: 'the calibration stored in InfluxDB' });
  // The push reports its health every 5 s; the metrics carry it once it has.
  await waitFor(async () => (metrics = await (await fetch(`${api}/metrics`)).text()).includes('manku_ngsi_push_up{'), { timeoutMs: 30_000, what: 'the push in /metrics' });
}, 240_000);

afterAll(async () => {
  await manku?.kill('SIGTERM');
  await city?.close();
});

describe('alert rules and dashboard against a running manku', () => {
  it('every metric the alert rules and the dashboard use is on /metrics (names not merged yet are listed as pending)', () => {
    // A metric registered in the process has its # TYPE line even before it has a sample (e.g.
    // manku_ingest_partition_up while no ingest is partitioned); a histogram's series add suffixes.
    const types = [...metrics.matchAll(/^# TYPE (manku_[a-z0-9_]+) (\w+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
    const onScrape = new Set(types.flatMap(({ name, type }) => (type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => name + s) : [name])));
    const used = namesIn([...ruleExprs, ...promExprs.map((t) => t.expr!)]);
    expect(used).toEqual(expect.arrayContaining(['manku_lot_stale', 'manku_ingest_up', 'manku_store_buffered_points', 'manku_ngsi_push_requests_total', 'manku_ws_fanout_seconds_bucket']));
    const missing = used.filter((name) => !onScrape.has(name));
    const pendingNotMerged = missing.filter((name) => name in PENDING && !definedInCode(name));
    expect(missing.filter((name) => !pendingNotMerged.includes(name)), 'used by deploy/ but not on /metrics').toEqual([]);
    if (pendingNotMerged.length > 0) console.info(`not checked yet: ${pendingNotMerged.map((n) => `${n} (${PENDING[n as keyof typeof PENDING]})`).join(', ')}`);
  });

  it('every InfluxQL query of the dashboard, with Grafana macros substituted, returns the points manku wrote', async () => {
    expect(influxQueries.length).toBeGreaterThanOrEqual(5);
    const now = Date.now();
    for (const t of influxQueries) {
      expect(t.rawQuery, t.panel).toBe(true);
      const [result] = await influxQuery(substitute(t.query!, now));
      const values = (result?.series ?? []).flatMap((s) => s.values.flatMap((row) => row.slice(1)));
      expect(values.filter((v) => v !== null && v !== 0).length, `${t.panel}: ${t.query}`).toBeGreaterThan(0);
    }
    const lotVariable = dashboard.templating.list.find((v) => v.name === 'lot')!;
    const [tags] = await influxQuery(lotVariable.query);
    expect(tags?.series?.[0]?.values).toContainEqual(['lot', LOT]);
  });

  it('the dashboard queries change with the data: another lot gets no rows (the check can fail)', async () => {
    const q = substitute(influxQueries[0]!.query!, Date.now()).replace(`(${LOT.replace(/-/g, '\\-')})`, 'no\\-such\\-lot');
    const [result] = await influxQuery(q);
    expect(result?.series ?? []).toEqual([]);
  });

  it("every PromQL expression of the dashboard parses (promtool check rules on them as recording rules)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-dash-'));
    const rules = promExprs.map((t, i) => ({ record: `manku:dashboard_${i}`, expr: t.expr!.replaceAll('$__rate_interval', '5m') }));
    writeFileSync(join(dir, 'dashboard.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const { stdout } = await run('promtool', ['check', 'rules', join(dir, 'dashboard.yml')]);
    expect(stdout).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
  });
});
