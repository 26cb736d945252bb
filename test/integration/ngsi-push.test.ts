/**
 * The NGSI push through the real wiring (broker -> ingest -> retained status -> push) into a local
 * HTTP receiver standing in for the city's broker. Every captured request is validated against the
 * standard's own request schema (ETSI NGSI-LD OAS for upsert, FIWARE NGSI v2 for op/update), and
 * the push's health reaches the API's /metrics and /readyz.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { Clock, LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createPush, type Push, type Target } from '../../push/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';
import { ngsiLots, receiver } from '../support/ngsi.js';
import { connectClient, manualClock, passwordOf, quietLogger, startApi, startBroker, startIngest, waitForOccupied } from '../support/stack.js';
import { errorsOf, etsiNgsiLd, fiwareNgsiV2, OAS_JSON_LD } from '../support/standards.js';

const etsi = etsiNgsiLd();
const fiware = fiwareNgsiV2();
const ldUpsertBody = etsi.at(`/paths/~1entityOperations~1upsert/post/requestBody/content/${OAS_JSON_LD.replace('/', '~1')}/schema`);
const v2Update = fiware.doc.paths['/v2/op/update'].post;
const v2UpdateBody = fiware.at(`/paths/~1v2~1op~1update/post/parameters/${v2Update.parameters.findIndex((p: { in: string }) => p.in === 'body')}/schema`);
const v2RequiredHeaders = v2Update.parameters.filter((p: { in: string; required: boolean }) => p.in === 'header' && p.required).map((p: { name: string }) => p.name.toLowerCase());

let lots: LotsFile;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let base: string;
let url: string;
let gate: MqttClient;
const pushes: Push[] = [];

/** Moves lot-a to `occupied` with one counter message, and waits until ingest has it. */
let seq = 0;
let counted = { in: 0, out: 0 };
async function setOccupied(occupied: number) {
  const now = counted.in - counted.out;
  counted = occupied >= now ? { ...counted, in: counted.in + occupied - now } : { ...counted, out: counted.out + now - occupied };
  seq += 1;
  await gate.publishAsync('parking/v1/lot-a/gate-a1/counter', JSON.stringify({ boot: 1, seq, ts: Date.now(), ...counted }), { qos: 1 });
  await waitForOccupied(ingest, 'lot-a', occupied);
}

async function startPush(target: Target, clientId: string, clock?: Clock) {
  const push = createPush({ lots, target, mqttUrl: url, username: 'push', password: passwordOf('push'), clientId, logger: quietLogger(), healthIntervalMs: 100, minRetryMs: 50, maxRetryMs: 400, timeoutMs: 2000, ...(clock ? { clock } : {}) });
  pushes.push(push);
  await push.start();
  return push;
}

const occupiedOf = (entity: any) => entity.occupiedSpotNumber?.value;

beforeAll(async () => {
  lots = await ngsiLots();
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-ngsi-push-')) }));
  ({ api, base } = await startApi(lots, url));
  gate = await connectClient(url, 'gate-a1');
});
afterAll(async () => {
  for (const p of pushes) await p.stop();
  await gate.endAsync();
  await api.stop();
  await ingest.stop();
  await broker.stop();
});

describe('NGSI-LD upsert', () => {
  it('each change of the lot arrives once, in order, as a valid upsert with the tenant; lots without a location are not sent', async () => {
    const city = await receiver();
    await startPush({ url: city.url, flavor: 'ld', tenant: 'aizuwakamatsu', token: 'city-token' }, 'push-ld');
    await waitFor(() => city.requests.length >= 1, { what: 'the first upsert (the lot as it is now)' });
    const latencies: number[] = [];
    for (const occupied of [1, 2, 3, 4]) {
      const sentAt = Date.now();
      await setOccupied(occupied);
      await waitFor(() => city.requests.some((r) => r.body.some((e: any) => occupiedOf(e) === occupied)), { what: `occupied ${occupied} at the receiver` });
      latencies.push(city.requests.at(-1)!.atMs - sentAt);
    }
    const seen = city.requests.flatMap((r) => r.body.map(occupiedOf)).filter((n) => n !== undefined);
    expect(seen).toEqual([1, 2, 3, 4]);
    for (const r of city.requests) {
      expect(r.path).toBe('/ngsi-ld/v1/entityOperations/upsert');
      expect(r.headers).toMatchObject({ 'content-type': 'application/ld+json', 'ngsild-tenant': 'aizuwakamatsu', authorization: 'Bearer city-token' });
      expect(ldUpsertBody(r.body), errorsOf(ldUpsertBody).join('\n')).toBe(true);
      expect(r.body.map((e: { id: string }) => e.id)).toEqual(['urn:ngsi-ld:OffStreetParking:lot-a']);
    }
    console.info(`NGSI-LD push: publish -> receiver, per change: ${latencies.join(', ')} ms`);
    await city.close();
  });

  it('the OAS request schema is no rubber stamp', () => {
    expect(ldUpsertBody([{ type: 'OffStreetParking' }])).toBe(false);
  });
});

describe('NGSI v2 op/update', () => {
  it('a broker that answers 500 then 204: retried and delivered, with Fiware-Service and Fiware-ServicePath', async () => {
    const city = await receiver();
    city.answers.push(500);
    const push = await startPush({ url: city.url, flavor: 'v2', tenant: 'aizuwakamatsu', servicePath: '/parking' }, 'push-v2');
    await waitFor(() => push.stats().requests.delivered >= 1, { what: 'a delivery after the 500' });
    expect(push.stats().requests).toMatchObject({ failed: 1, rejected: 0 });
    expect(city.requests.length).toBe(2);
    expect(city.requests[1]!.body).toEqual(city.requests[0]!.body); // the same upsert, again
    await setOccupied(5);
    await waitFor(() => city.requests.some((r) => r.body.entities.some((e: any) => e.occupiedSpotNumber.value === 5)), { what: 'occupied 5 in NGSI v2' });
    for (const r of city.requests) {
      expect(r.path).toBe('/v2/op/update');
      expect(r.headers).toMatchObject({ 'fiware-service': 'aizuwakamatsu', 'fiware-servicepath': '/parking', 'content-type': 'application/json' });
      for (const h of v2RequiredHeaders) expect(r.headers, h).toHaveProperty(h);
      expect(v2UpdateBody(r.body), errorsOf(v2UpdateBody).join('\n')).toBe(true);
      expect(r.body.actionType).toBe('append');
      expect(r.body.entities.map((e: { id: string; type: string }) => [e.id, e.type])).toEqual([['lot-a', 'OffStreetParking']]);
    }
    const last = city.requests.at(-1)!.body.entities[0];
    expect(last.occupiedSpotNumber).toEqual({ type: 'Number', value: 5, metadata: { TimeInstant: { type: 'DateTime', value: expect.any(String) } } });
    expect(last.location.type).toBe('geo:json');
    await waitFor(async () => /manku_ngsi_push_requests_total\{push="push-v2",outcome="failed"\} 1/.test(await (await fetch(`${base}/metrics`)).text()), {
      what: 'the failed request in the API\'s /metrics',
    });
    await city.close();
  });

  it('a 4xx is dropped and counted, not retried', async () => {
    const city = await receiver();
    city.answers.push(400);
    const push = await startPush({ url: city.url, flavor: 'v2' }, 'push-v2-4xx');
    await waitFor(() => push.stats().requests.rejected === 1, { what: 'the 400 counted' });
    await setOccupied(6);
    await waitFor(() => push.stats().requests.delivered === 1, { what: 'the next change delivered' });
    expect(city.requests.map((r) => r.body.entities[0].occupiedSpotNumber.value)).toEqual([5, 6]);
    expect(push.stats().lastError).toBeNull();
    await city.close();
  });
});

describe('a city broker that is down', () => {
  it('holds at most one status per lot while down (degraded, not failed), and delivers the latest when it returns', async () => {
    const city = await receiver();
    await city.close(); // down from the start, on a port we know
    const push = await startPush({ url: city.url, flavor: 'ld' }, 'push-down');
    await waitFor(() => push.stats().requests.failed >= 1, { what: 'a failed request' });
    for (const occupied of [7, 8, 9, 10, 3]) {
      await setOccupied(occupied);
      expect(push.stats().pending).toBeLessThanOrEqual(1); // lots with a location: 1
    }
    await waitFor(() => push.stats().superseded >= 4, { what: 'older statuses superseded' });
    expect(push.stats()).toMatchObject({ state: expect.stringMatching(/retrying|sending/), requests: { delivered: 0 } });
    await waitFor(
      async () => {
        const res = await fetch(`${base}/readyz`);
        const body = await res.json();
        return res.status === 200 && body.status === 'degraded' && body.warnings.some((w: string) => w.includes('push-down'));
      },
      { what: '/readyz degraded (200) with a warning about push-down' },
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/manku_ngsi_push_pending\{push="push-down"\} [01]\n/); // 0 while a retry is in flight
    expect(metrics).toMatch(/manku_ngsi_push_up\{push="push-down"\} 1/);

    const back = await receiver(city.port);
    await waitFor(() => push.stats().requests.delivered >= 1, { timeoutMs: 10_000, what: 'delivery once the broker is back' });
    expect(back.requests.flatMap((r) => r.body.map(occupiedOf))).toEqual([3]); // only the latest, once
    expect(push.stats().pending).toBe(0);
    await back.close();
  });
});

describe('stale or unknown never looks current', () => {
  it('a lot that goes stale is pushed without its live attributes (NGSI-LD replaces the entity)', async () => {
    const city = await receiver();
    const clock = manualClock();
    await startPush({ url: city.url, flavor: 'ld' }, 'push-stale', clock);
    await waitFor(() => city.requests.some((r) => occupiedOf(r.body[0]) !== undefined), { what: 'the current lot' });
    clock.advance(180_000 + 15_000 + 1000); // the lot's staleAfterS and the feed's grace
    await waitFor(() => city.requests.length >= 2, { what: 'the stale lot pushed' });
    const stale = city.requests.at(-1)!.body[0];
    for (const name of ['availableSpotNumber', 'occupiedSpotNumber', 'occupancy', 'status', 'occupancyModified']) expect(stale, name).not.toHaveProperty(name);
    expect(stale.observationDateTime.value['@value']).toBe(city.requests[0]!.body[0].occupancyModified.value);
    expect(city.requests.at(-1)!.path).toBe('/ngsi-ld/v1/entityOperations/upsert'); // without options=update: a replace
    expect(ldUpsertBody(city.requests.at(-1)!.body), errorsOf(ldUpsertBody).join('\n')).toBe(true);
    await city.close();
  });
});
