/**
 * `GET /api/v1/live` through the real wiring: sensor -> broker -> ingest -> retained status ->
 * API status feed -> WebSocket hub -> a real `ws` client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { LiveServerMessage } from '../../protocol/index.js';
import { connectClient, counterJson, liveClient, startApi, startBroker, startIngest, testLots } from '../support/stack.js';
import { waitFor } from '../../testkit/wait.js';

let lots: LotsFile;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let base: string;
let url: string;
let g1: MqttClient;
let seq = 0;
let inCount = 0;
const live = () => base.replace('http', 'ws') + '/api/v1/live';

beforeAll(async () => {
  lots = await testLots({ capacity: 100 });
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-live-')) }));
  ({ api, base } = await startApi(lots, url, undefined, { allowedOrigins: ['*'] }));
  g1 = await connectClient(url, 'gate-a1');
  const g2 = await connectClient(url, 'gate-a2');
  await g2.publishAsync('parking/v1/lot-a/gate-a2/counter', counterJson(1, 1, 0, 0), { qos: 1 });
  g2.end(true);
});
afterAll(async () => {
  g1.end(true);
  await api.stop();
  await ingest.stop();
  await broker.stop();
});

/** One more car into lot-a through gate-a1. */
async function carIn() {
  seq += 1;
  inCount += 1;
  await g1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, seq, inCount, 0), { qos: 1 });
  return inCount;
}

describe('live WebSocket', () => {
  it('subscribes by query and answers at once with the current status, then every change', async () => {
    await carIn();
    await waitFor(async () => ((await (await fetch(`${base}/api/v1/lots/lot-a`)).json()) as { occupied: number }).occupied === inCount);
    const c = await liveClient(`${live()}?lots=lot-a`);
    const first = await c.next();
    expect(LiveServerMessage.safeParse(first).success).toBe(true);
    expect(first).toMatchObject({ type: 'status', status: { lotId: 'lot-a', occupied: inCount, stale: false, level: 'vacant' } });
    const n = await carIn();
    expect(await c.next((m) => m.status?.occupied === n, `occupied ${n}`)).toMatchObject({ type: 'status', status: { lotId: 'lot-a' } });
    c.close();
  });

  it('subscribes and unsubscribes by message; a duplicate reading sends nothing', async () => {
    const c = await liveClient(live());
    c.send({ type: 'subscribe', lots: ['lot-a', 'lot-b'] });
    const snapshots = [await c.next(), await c.next()];
    expect(snapshots.map((m) => m.status.lotId).sort()).toEqual(['lot-a', 'lot-b']);
    expect(snapshots.find((m) => m.status.lotId === 'lot-b')?.status).toMatchObject({ level: 'unknown', stale: true });
    // a duplicate changes nothing, so the next frame is the following real change
    await g1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, seq, inCount, 0), { qos: 1 });
    const n = await carIn();
    expect((await c.next()).status.occupied).toBe(n);
    c.send({ type: 'unsubscribe', lots: ['lot-a'] });
    const barrier = async () => {
      // its answer follows whatever was sent before it (subscribing a lot already held sends nothing)
      c.send({ type: 'subscribe', lots: ['no-such-lot'] });
      await c.next((m) => m.code === 'unknown_lot');
    };
    await barrier();
    const before = c.messages.length;
    await carIn();
    await waitFor(() => ingest.ledger.status('lot-a')?.occupied === inCount);
    await barrier();
    expect(c.messages.slice(before).every((m) => m.status?.lotId !== 'lot-a')).toBe(true);
    c.close();
  });

  it('answers an unknown lot or a malformed message with an error, and the socket stays usable', async () => {
    const c = await liveClient(`${live()}?lots=no-such-lot`);
    expect(await c.next()).toEqual({ type: 'error', code: 'unknown_lot', message: expect.stringContaining('no-such-lot'), lots: ['no-such-lot'] });
    c.send('not json');
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad_message' });
    c.send({ type: 'subscribe', lots: 'lot-a' });
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad_message', message: expect.stringContaining('lots') });
    c.send({ type: 'dance' });
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad_message' });
    c.send({ type: 'subscribe', lots: ['lot-a'] });
    expect(await c.next()).toMatchObject({ type: 'status', status: { lotId: 'lot-a' } });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.close();
  });

  it('sends text frames (a browser would get a Blob for binary ones)', async () => {
    const ws = new WebSocket(`${live()}?lots=lot-a`);
    const [, isBinary] = await new Promise<[unknown, boolean]>((resolve) => ws.once('message', (d, b) => resolve([d, b])));
    expect(isBinary).toBe(false);
    ws.terminate();
  });

  it('closes a connection whose frame is over 4 KiB (1009)', async () => {
    const c = await liveClient(live());
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.send({ type: 'subscribe', lots: ['lot-a'], pad: 'x'.repeat(5000) });
    expect(await closed).toBe(1009);
  });

  it('a plain GET gets 426 with a message', async () => {
    const res = await fetch(`${base}/api/v1/live`);
    expect(res.status).toBe(426);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upgrade_required');
  });
});

describe('Origin check', () => {
  it('refuses a browser Origin not in ALLOWED_ORIGINS, accepts one that is, and lets clients without Origin through', async () => {
    const strict = await startApi(lots, url, undefined, { allowedOrigins: ['https://hospital.example.jp'] });
    const wsUrl = `${strict.base.replace('http', 'ws')}/api/v1/live?lots=lot-a`;
    await expect(liveClient(wsUrl, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    // A MaaS backend, wscat or the docs' Node example send no Origin: the check protects browsers only.
    const server = await liveClient(wsUrl);
    expect(await server.next()).toMatchObject({ type: 'status' });
    server.close();
    const ok = await liveClient(wsUrl, { origin: 'https://hospital.example.jp' });
    expect(await ok.next()).toMatchObject({ type: 'status' });
    ok.close();
    await strict.api.stop();
  });
});
