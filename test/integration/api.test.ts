/** The REST API through the real wiring: broker -> ingest -> retained status -> API. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { LotStatus } from '../../protocol/index.js';
import { connectClient, counterJson, manualClock, startApi, startBroker, startIngest, testLots } from '../support/stack.js';
import { waitFor } from '../../testkit/wait.js';

let lots: LotsFile;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let base: string;
let url: string;
const apiClock = manualClock();

beforeAll(async () => {
  lots = await testLots({ capacity: 100, staleAfterS: 60 });
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-api-')) }));
  ({ api, base } = await startApi(lots, url, apiClock));
});
afterAll(async () => {
  await api.stop();
  await ingest.stop();
  await broker.stop();
});

const getJson = async (path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
};

describe('REST API', () => {
  it('GET /healthz', async () => {
    expect(await getJson('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('lists every lot from the lots file, unknown until data arrives', async () => {
    const { status, body } = await getJson('/api/v1/lots');
    expect(status).toBe(200);
    const list = body.lots as LotStatus[];
    expect(list.map((l) => l.lotId)).toEqual(['lot-a', 'lot-b']);
    for (const l of list) expect(LotStatus.safeParse(l).success).toBe(true);
    expect(list[1]).toMatchObject({ level: 'unknown', label: '—', stale: true });
  });

  it('serves a lot\'s live status after a sensor message', async () => {
    const g1 = await connectClient(url, 'gate-a1');
    const g2 = await connectClient(url, 'gate-a2');
    apiClock.set(Date.now());
    await g1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 90, 4), { qos: 1 });
    await g2.publishAsync('parking/v1/lot-a/gate-a2/counter', counterJson(1, 1, 0, 0), { qos: 1 });
    await waitFor(
      async () => {
        const { body } = await getJson('/api/v1/lots/lot-a');
        return body.occupied === 86 && body.stale === false;
      },
      // a bound, not a speed claim (latency is measured by `npm run bench -- live`): generous for a loaded machine
      { timeoutMs: 15_000, what: 'occupied 86, fresh, via the API' },
    );
    const { status, body } = await getJson('/api/v1/lots/lot-a');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      lotId: 'lot-a',
      name: { ja: 'A 駐車場', en: 'Lot A' },
      capacity: 100,
      occupied: 86,
      available: 14,
      occupancy: 0.86,
      level: 'crowded',
      label: '混',
      stale: false,
    });
    g1.end(true);
    g2.end(true);
  });

  it('serves unknown when the newest observation is older than the stale window (e.g. ingest died)', async () => {
    const observedAt = Date.parse(String((await getJson('/api/v1/lots/lot-a')).body.observedAt));
    apiClock.set(observedAt + 60_000 + 15_000); // staleAfterS 60 + 15 s grace: still fresh
    expect((await getJson('/api/v1/lots/lot-a')).body.stale).toBe(false);
    apiClock.advance(1);
    const { body } = await getJson('/api/v1/lots/lot-a');
    expect(body).toMatchObject({ level: 'unknown', label: '—', stale: true, occupied: 86 });
    apiClock.set(Date.now());
  });

  it('404 with a JSON error for an unknown lot, 400 for a malformed id, 404 for unknown routes', async () => {
    expect(await getJson('/api/v1/lots/no-such-lot')).toMatchObject({ status: 404, body: { error: { code: 'lot_not_found' } } });
    const bad = await getJson('/api/v1/lots/Bad_Id');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'bad_lot_id' } } });
    expect((bad.body.error as { message: string }).message).toMatch(/\[a-z0-9-\]|lower-case/);
    expect(await getJson('/api/v1/nothing')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});
