/** The HTTP app through app.request(), as hono tests it: no sockets, no broker. */
import { describe, expect, it } from 'vitest';
import { createApp, createStatusFeed } from '../../api/index.js';
import { oneLot } from '../support/fixtures.js';

const lots = oneLot();
const feed = createStatusFeed({ lots });
const TOKEN = 'app-admin-token-0123456789';
const app = createApp({ feed, adminToken: TOKEN, metricsToken: 'metrics-token-0123456789', sensorsOf: () => ['g1'] });
const json = async (res: Response) => (await res.json()) as Record<string, any>;

describe('the HTTP app', () => {
  it('serves lots, and errors in one envelope', async () => {
    expect(await json(await app.request('/api/v1/lots/lot-a'))).toMatchObject({ lotId: 'lot-a', level: 'unknown', stale: true });
    expect(await json(await app.request('/api/v1/lots/nope'))).toEqual({ error: { code: 'lot_not_found', message: expect.stringMatching(/GET \/api\/v1\/lots/) } });
    expect(await json(await app.request('/api/v1/lots/NOPE'))).toMatchObject({ error: { code: 'bad_lot_id' } });
    expect(await json(await app.request('/nowhere'))).toMatchObject({ error: { code: 'not_found' } });
    expect((await app.request('/api/v1/live')).status).toBe(426);
  });

  it('puts admin auth before validation, and 503 without a way to reach ingest', async () => {
    const post = (path: string, auth?: string, body = '{"occupied":1}') =>
      app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body });
    expect((await post('/api/v1/lots/lot-a/calibration', undefined, 'not json')).status).toBe(401);
    expect((await post('/api/v1/lots/lot-a/calibration', `Bearer ${TOKEN}`, 'not json')).status).toBe(400);
    expect(await json(await post('/api/v1/lots/lot-a/calibration', `Bearer ${TOKEN}`))).toMatchObject({ error: { code: 'calibration_unavailable' } });
    expect(await json(await post('/api/v1/lots/lot-a/sensors/g2/reset', `Bearer ${TOKEN}`))).toMatchObject({ error: { code: 'sensor_not_found' } });
    const off = createApp({ feed });
    expect((await off.request('/api/v1/lots/lot-a/calibration', { method: 'POST' })).status).toBe(403);
  });

  it('protects /metrics with its own token', async () => {
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    const ok = await app.request('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/manku_lot_stale\{lot="lot-a"\} 1/);
  });
});
