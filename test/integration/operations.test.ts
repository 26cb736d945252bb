/**
 * Calibration (auth, validation, broadcast, persistence), readiness (including InfluxDB down),
 * Prometheus metrics and the OpenAPI document, through the real wiring.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore, createInfluxStore } from '../../storage/index.js';
import { startInfluxd } from '../../testkit/influxd.js';
import { nodeArgs } from '../../testkit/entry-points.js';
import { waitFor } from '../../testkit/wait.js';
import { connectClient, counterJson, liveClient, startApi, startBroker, startIngest, testLots } from '../support/stack.js';
import { BROKER_REFUSAL_KINDS } from '../../protocol/index.js';

const TOKEN = 'test-admin-token-0123456789';
const run = promisify(execFile);
let lots: LotsFile;
let broker: Broker;
let url: string;
let port: number;
let dataDir: string;
let ingest: Ingest;
let api: Api;
let base: string;

beforeAll(async () => {
  lots = await testLots({ capacity: 100 });
  ({ broker, url, port } = await startBroker(lots));
  dataDir = mkdtempSync(join(tmpdir(), 'manku-ops-'));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir }), undefined, 'ops-ingest', { healthIntervalMs: 100 });
  ({ api, base } = await startApi(lots, url, undefined, { adminToken: TOKEN, calibrationTimeoutMs: 1000 }));
});
afterAll(async () => {
  await api.stop();
  await ingest?.stop();
  await broker.stop();
});

const calibrate = (lotId: string, body: unknown, auth: string | null = `Bearer ${TOKEN}`, target = base) =>
  fetch(`${target}/api/v1/lots/${lotId}/calibration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('calibration', () => {
  it('is disabled without ADMIN_TOKEN, saying how to enable it', async () => {
    const bare = await startApi(lots, url);
    const res = await calibrate('lot-a', { occupied: 3 }, `Bearer ${TOKEN}`, bare.base);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toMatch(/ADMIN_TOKEN/);
    await bare.api.stop();
  });

  it('401 without or with a wrong token', async () => {
    const none = await calibrate('lot-a', { occupied: 3 }, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await calibrate('lot-a', { occupied: 3 }, 'Bearer nope')).status).toBe(401);
    expect((await calibrate('lot-a', { occupied: 3 }, TOKEN)).status).toBe(401);
  });

  it.each([
    [{ occupied: 101 }, /0 to the capacity, 100/],
    [{ occupied: -1 }, /occupied/],
    [{ occupied: 2.5 }, /occupied/],
    [{}, /occupied/],
    [{ occupied: 3, extra: true }, /extra/],
    ['{"occupied":', /./],
  ])('400 for %j', async (body, message) => {
    const res = await calibrate('lot-a', body);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(message);
  });

  it('404 for an unknown lot', async () => {
    expect((await calibrate('no-lot', { occupied: 1 })).status).toBe(404);
  });

  it('sets the count, is broadcast to live clients, and survives an ingest restart', async () => {
    const g1 = await connectClient(url, 'gate-a1');
    const g2 = await connectClient(url, 'gate-a2');
    await g1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 10, 0), { qos: 1 });
    await g2.publishAsync('parking/v1/lot-a/gate-a2/counter', counterJson(1, 1, 0, 0), { qos: 1 });
    await waitFor(() => ingest.ledger.status('lot-a')?.occupied === 10);
    const live = await liveClient(`${base.replace('http', 'ws')}/api/v1/live?lots=lot-a`);
    await live.next((m) => m.status?.occupied === 10, 'the snapshot');

    const res = await calibrate('lot-a', { occupied: 42 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ lotId: 'lot-a', occupied: 42, previous: 10 });
    expect((await live.next((m) => m.status?.occupied === 42, 'the broadcast')).status).toMatchObject({ lotId: 'lot-a', stale: false });

    await g1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 2, 11, 0), { qos: 1 });
    await waitFor(() => ingest.ledger.status('lot-a')?.occupied === 43);
    await ingest.stop();
    ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir }), undefined, 'ops-ingest', { healthIntervalMs: 100 });
    expect(ingest.ledger.status('lot-a')?.occupied).toBe(43);
    live.close();
    g1.end(true);
    g2.end(true);
  });

  it('504 when no ingest confirms, and the command never lands later', async () => {
    const before = ingest.ledger.status('lot-a')!.occupied;
    await ingest.stop();
    try {
      const res = await calibrate('lot-a', { occupied: before === 5 ? 6 : 5 });
      expect(res.status).toBe(504);
      expect((await errorOf(res)).message).toMatch(/ingest.*not applied/);
    } finally {
      // The command waited in ingest's persistent session; ingest takes it on return and refuses it.
      ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir }), undefined, 'ops-ingest', { healthIntervalMs: 100 });
    }
    await waitFor(() => ingest.stats().calibrationsExpired === 1, { what: 'the queued command to be refused as expired' });
    expect(ingest.ledger.status('lot-a')?.occupied).toBe(before);
    expect(ingest.stats().calibrations).toBe(0);
  });
});

describe('sensor reset', () => {
  const reset = (lotId: string, sensorId: string, auth: string | null = `Bearer ${TOKEN}`) =>
    fetch(`${base}/api/v1/lots/${lotId}/sensors/${sensorId}/reset`, { method: 'POST', headers: auth ? { authorization: auth } : {} });

  it('is admin-only and names what is unknown', async () => {
    expect((await reset('lot-a', 'gate-a2', null)).status).toBe(401);
    expect(await errorOf(await reset('lot-a', 'gate-b1'))).toMatchObject({ code: 'sensor_not_found' });
    expect(await errorOf(await reset('no-lot', 'gate-a2'))).toMatchObject({ code: 'lot_not_found' });
    expect(await errorOf(await reset('lot-a', 'Gate!'))).toMatchObject({ code: 'bad_sensor_id', message: expect.stringMatching(/sensorId/) });
  });

  it('unlocks a sensor stuck on a bogus boot, through the API and through `manku reset-sensor`', async () => {
    const g2 = await connectClient(url, 'gate-a2');
    const topic = 'parking/v1/lot-a/gate-a2/counter';
    await g2.publishAsync(topic, counterJson(4294967295, 1, 0, 0), { qos: 1 });
    await g2.publishAsync(topic, counterJson(5, 1, 2, 0), { qos: 1 });
    await waitFor(() => ingest.stats().outcomes['old-boot'] >= 1, { what: 'the real boot to be ignored' });
    const before = ingest.ledger.status('lot-a')!.occupied;
    const res = await reset('lot-a', 'gate-a2');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ lotId: 'lot-a', sensorId: 'gate-a2', previous: { boot: 4294967295, seq: 1, in: 0, out: 0 } });
    await g2.publishAsync(topic, counterJson(5, 2, 3, 0), { qos: 1 });
    await waitFor(() => ingest.stats().outcomes.baseline === 1, { what: 'the next reading to be the baseline' });
    await g2.publishAsync(topic, counterJson(5, 3, 4, 0), { qos: 1 });
    await waitFor(() => ingest.ledger.status('lot-a')?.occupied === before + 1, { what: 'counting again' });

    const cli = await run(process.execPath, nodeArgs('manku', ['reset-sensor', 'lot-a', 'gate-a2']), {
      env: { ...process.env, ADMIN_TOKEN: TOKEN, API_URL: base },
    });
    expect(JSON.parse(cli.stdout)).toEqual({ lotId: 'lot-a', sensorId: 'gate-a2', previous: { boot: 5, seq: 3, in: 4, out: 0 } });
    expect(ingest.stats().sensorResets).toBe(2);
    const wrong = run(process.execPath, nodeArgs('manku', ['reset-sensor', 'lot-a', 'gate-zz']), { env: { ...process.env, ADMIN_TOKEN: TOKEN, API_URL: base } });
    await expect(wrong).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/404.*no sensor "gate-zz"/) });
    g2.end(true);
  }, 90_000); // it starts the CLI as a process: slow on a loaded 2-core machine
});

describe('metrics', () => {
  it('exposes counters from ingest, live clients and lots in Prometheus text format', async () => {
    const g1 = await connectClient(url, 'gate-a1');
    await g1.publishAsync('parking/v1/lot-a/gate-a1/counter', 'garbage', { qos: 1 });
    g1.end(true);
    const live = await liveClient(`${base.replace('http', 'ws')}/api/v1/live?lots=lot-a`);
    let text = '';
    await waitFor(async () => {
      const res = await fetch(`${base}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      text = await res.text();
      return text.includes('manku_messages_rejected_total{ingest="ops-ingest",reason="json"} 1');
    }, { what: 'the rejection in /metrics' });
    expect(text).toMatch(/# TYPE manku_messages_rejected_total counter/);
    expect(text).toMatch(/manku_readings_total\{ingest="ops-ingest",outcome="duplicate"\} \d+/);
    expect(text).toMatch(/manku_store_buffered_points\{ingest="ops-ingest",store="embedded"\} 0/);
    expect(text).toMatch(/manku_sensors_online\{lot="lot-a"\} \d/);
    expect(text).toMatch(/manku_ws_clients 1\b/);
    expect(text).toMatch(/manku_ws_fanout_seconds_bucket/);
    expect(text).toMatch(/manku_process_resident_memory_bytes/);
    live.close();
  });

  it('with METRICS_TOKEN set, /metrics wants it as a bearer token (401 with the usual error body otherwise)', async () => {
    const METRICS = 'test-metrics-token-0123456789';
    const guarded = await startApi(lots, url, undefined, { metricsToken: METRICS });
    try {
      for (const auth of [null, 'Bearer wrong-token-0123456789', `Basic ${METRICS}`, TOKEN]) {
        const res = await fetch(`${guarded.base}/metrics`, { headers: auth ? { authorization: auth } : {} });
        expect(res.status, String(auth)).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
        expect(await errorOf(res)).toEqual({ code: 'unauthorized', message: expect.stringMatching(/METRICS_TOKEN/) });
      }
      const ok = await fetch(`${guarded.base}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/# TYPE manku_ws_clients gauge/);
      expect((await fetch(`${guarded.base}/healthz`)).status).toBe(200); // only /metrics is guarded
    } finally {
      await guarded.api.stop();
    }
  });
});

describe('broker refusals in /metrics', () => {
  const KINDS = [...BROKER_REFUSAL_KINDS];

  async function refusals(): Promise<Record<string, number>> {
    const text = await (await fetch(`${base}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^manku_broker_refusals_total\{broker="manku-broker",kind="([a-z-]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
    return out;
  }

  /** Does `act`, then waits until exactly `kind` has moved by one, and nothing else has. */
  async function movesOnly(kind: string, act: () => Promise<unknown>) {
    const before = await refusals();
    await act();
    const want = { ...before, [kind]: (before[kind] ?? 0) + 1 };
    let now: Record<string, number> = {};
    await waitFor(async () => (now = await refusals())[kind] === want[kind], { what: `manku_broker_refusals_total{kind="${kind}"} to move` });
    expect(now).toEqual(want);
  }

  /** A raw TCP connection that sends `bytes` (or nothing) and waits for the broker to close it. */
  async function rawUntilClosed(bytes: Buffer | null) {
    const s = tcpConnect(port, '127.0.0.1');
    s.on('error', () => {});
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    if (bytes) s.write(bytes);
    await closed;
  }

  it('lists every kind, at zero until something is refused', async () => {
    await waitFor(async () => Object.keys(await refusals()).length === KINDS.length, { what: 'the broker health in /metrics' });
    expect(Object.keys(await refusals()).sort()).toEqual([...KINDS].sort());
  });

  it('an oversize publish moves kind="oversize"', async () => {
    const g1 = await connectClient(url, 'gate-a1');
    await movesOnly('oversize', async () => {
      const gone = new Promise<void>((resolve) => g1.once('close', () => resolve()));
      g1.publish('parking/v1/lot-a/gate-a1/counter', 'x'.repeat(2000), { qos: 1 });
      await gone;
    });
    g1.end(true);
  });

  it('a bad password moves kind="bad-credentials"; no credentials moves kind="anonymous"', async () => {
    await movesOnly('bad-credentials', () => connectClient(url, 'gate-a1', 'wrong').catch(() => {}));
    await movesOnly('anonymous', () => connectClient(url, '', '').catch(() => {}));
  });

  it('a denied publish moves kind="publish-denied"', async () => {
    const reader = await connectClient(url, 'reader');
    await movesOnly('publish-denied', async () => {
      const gone = new Promise<void>((resolve) => reader.once('close', () => resolve()));
      reader.publish('parking/v1/lot-a/status', '{}', { qos: 1 });
      await gone;
    });
    reader.end(true);
  });

  it('a denied subscribe moves kind="subscribe-denied"', async () => {
    const reader = await connectClient(url, 'reader');
    await movesOnly('subscribe-denied', () => new Promise((resolve) => reader.subscribe('parking/v1/+/+/counter', { qos: 1 }, resolve)));
    reader.end(true);
  });

  it('garbage on a raw TCP connection moves kind="protocol-error"; silence until the connect timeout moves kind="connect-timeout"', async () => {
    await movesOnly('protocol-error', () => rawUntilClosed(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
    await movesOnly('connect-timeout', () => rawUntilClosed(null)); // connectTimeoutMs is 2 s in tests
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3 document covering every route and the live messages', async () => {
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as Record<string, any>;
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.0/);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/live',
      '/api/v1/lots',
      '/api/v1/lots.geojson',
      '/api/v1/lots/{lotId}',
      '/api/v1/lots/{lotId}/calibration',
      '/api/v1/lots/{lotId}/forecast',
      '/api/v1/lots/{lotId}/gates',
      '/api/v1/lots/{lotId}/history',
      '/api/v1/lots/{lotId}/nudge-settings',
      '/api/v1/lots/{lotId}/sensors/{sensorId}/reset',
      '/healthz',
      '/ngsi-ld/v1/entities',
      '/ngsi-ld/v1/entities/{entityId}',
      '/readyz',
    ]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['LotStatus', 'LiveClientMessage', 'LiveServerMessage', 'History', 'Error']));
  });
});

describe('docs page', () => {
  it('GET /docs/overview lists every route for people, without external resources or script', async () => {
    const res = await fetch(`${base}/docs/overview`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    for (const path of ['/api/v1/lots/{lotId}/history', '/api/v1/live', '/readyz']) expect(html).toContain(path);
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/);
  });

  it('GET /docs is Swagger UI loaded from this server only (no CDN), with the overview linked', async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['/docs/overview', '/api/v1/openapi.json']));
    for (const asset of assets.filter((a) => a.startsWith('/docs/swagger-ui/') || a.startsWith('/docs/init.js'))) {
      const got = await fetch(`${base}${asset}`);
      expect(got.status, asset).toBe(200);
      expect(got.headers.get('cache-control'), asset).toMatch(/max-age=/);
    }
    const bundle = await fetch(`${base}/docs/swagger-ui/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(500_000);
    const again = await fetch(`${base}/docs/swagger-ui/swagger-ui-bundle.js`, { headers: { 'if-none-match': bundle.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${base}/docs/swagger-ui/package.json`)).status).toBe(404); // only the files /docs needs
  });
});

describe('HTTP hygiene', () => {
  it('CORS on public GET routes, security headers that still allow framing, a body limit', async () => {
    const res = await fetch(`${base}/api/v1/lots`, { headers: { origin: 'https://hospital.example.jp' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeNull();
    const big = await calibrate('lot-a', { occupied: 1, pad: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    const text = await fetch(`${base}/api/v1/lots/lot-a/calibration`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: '{"occupied":1}',
    });
    expect(text.status).toBe(415);
    expect(await errorOf(text)).toMatchObject({ code: 'unsupported_media_type', message: expect.stringMatching(/application\/json/) });
  });

  it('documents 413 and 415 for calibration in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as Record<string, any>;
    expect(Object.keys(doc.paths['/api/v1/lots/{lotId}/calibration'].post.responses)).toEqual(expect.arrayContaining(['413', '415', '504']));
  });
});

describe('readiness', () => {
  it('ready with a live ingest; not ready, with reasons, when none reports', async () => {
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, { what: 'ready' });
    const body = (await (await fetch(`${base}/readyz`)).json()) as Record<string, any>;
    expect(body).toMatchObject({ status: 'ready', broker: true, reasons: [] });
    expect(body.ingest[0]).toMatchObject({ clientId: 'ops-ingest', running: true, store: 'writing' });
    await ingest.stop();
    try {
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { reasons: string[] }).reasons.join()).toMatch(/no ingest/);
    } finally {
      ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir }), undefined, 'ops-ingest', { healthIntervalMs: 100 });
    }
  });

  it('stays ready while InfluxDB is down and points are buffered; not ready once the buffer overflows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-ready-influxd-'));
    const influxd = await startInfluxd(dir);
    const store = createInfluxStore({ url: `${influxd.url}/manku_ready`, maxBuffered: 6, flushIntervalMs: 10, requestTimeoutMs: 1000 });
    const influxIngest = await startIngest(lots, url, store, undefined, 'ready-influx', { healthIntervalMs: 100 });
    const g = await connectClient(url, 'gate-b1');
    const readyz = async () => {
      const res = await fetch(`${base}/readyz`);
      return { status: res.status, body: (await res.json()) as { reasons: string[]; ingest: Array<{ clientId: string; store?: string }> } };
    };
    const storeState = (b: Awaited<ReturnType<typeof readyz>>['body']) => b.ingest.find((i) => i.clientId === 'ready-influx')?.store;
    try {
      await influxd.stop();
      await g.publishAsync('parking/v1/lot-b/gate-b1/counter', counterJson(1, 1, 1, 0), { qos: 1 });
      await waitFor(async () => storeState((await readyz()).body) === 'buffering', { what: 'a buffering store' });
      expect((await readyz()).status).toBe(200);
      for (let s = 2; s <= 12; s++) await g.publishAsync('parking/v1/lot-b/gate-b1/counter', counterJson(1, s, s, 0), { qos: 1 });
      await waitFor(async () => (await readyz()).status === 503, { what: 'not ready' });
      expect((await readyz()).body.reasons.join()).toMatch(/ready-influx: store buffer full/);
      await influxd.start();
      await waitFor(async () => (await readyz()).status === 200, { timeoutMs: 15_000, what: 'ready again after InfluxDB is back' });
    } finally {
      g.end(true);
      await influxIngest.stop();
      await influxd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
