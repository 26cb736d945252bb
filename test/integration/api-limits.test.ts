/**
 * The API's abuse limits on a real server (HTTP on port 0): per-address REST rate limit, WebSocket
 * upgrades per second per address and in all, slow-header timeouts; clients on other loopback
 * addresses (127.0.0.2, 127.0.0.3) stand for other people.
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import { startApi, startBroker, testLots } from '../support/stack.js';

let broker: Broker;
let api: Api;
let base: string;
let port: number;
/** A second API with short slow-client timeouts (its rate limits off). */
let slowApi: Api;
let slowPort: number;

beforeAll(async () => {
  const lots = await testLots();
  let url: string;
  ({ broker, url } = await startBroker(lots));
  ({ api, base } = await startApi(lots, url, undefined, {
    trustProxy: ['127.0.0.3'],
    rateLimit: { perSecond: 0.1, burst: 5, maxAddresses: 100 },
    upgradeLimits: { perSecond: 0.01, burst: 5, perAddressPerSecond: 0.01, burstPerAddress: 3 },
  }));
  port = Number(new URL(base).port);
  let slowBase: string;
  ({ api: slowApi, base: slowBase } = await startApi(lots, url, undefined, { headersTimeoutMs: 500, requestTimeoutMs: 500 }));
  slowPort = Number(new URL(slowBase).port);
});
afterAll(async () => {
  await slowApi?.stop();
  await api?.stop();
  await broker?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  reused: boolean;
}

/** GET from a given local address (another client), optionally through a keep-alive agent. */
function get(path: string, { from = '127.0.0.1', headers = {}, agent, to = port }: { from?: string; headers?: Record<string, string>; agent?: Agent; to?: number } = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: to, path, localAddress: agent ? undefined : from, headers, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket upgrade from a given local address: 'open' or the refusal's status, Retry-After and code. */
function upgrade(from: string) {
  return new Promise<{ open: WebSocket } | { status: number; retryAfter: string | undefined; code: string }>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`, { localAddress: from });
    ws.once('open', () => resolve({ open: ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], code: JSON.parse(body).error.code }));
    });
    ws.once('error', reject);
  });
}

const metric = async (name: string, to = port) => {
  const text = await (await fetch(`http://127.0.0.1:${to}/metrics`)).text();
  return Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
};

describe('REST rate limit per address', () => {
  it('answers 429 with Retry-After past the burst, leaves other addresses alone, and counts it', async () => {
    const before = await metric('manku_api_rate_limited_total{kind="http"}');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get('/api/v1/lots', { from: '127.0.0.1' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await get('/api/v1/lots/lot-a', { from: '127.0.0.1' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('10');
    expect(JSON.parse(limited.body)).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/0\.1 requests a second/) } });

    expect((await get('/api/v1/lots', { from: '127.0.0.2' })).status).toBe(200);
    expect((await get('/healthz', { from: '127.0.0.1' })).status).toBe(200);
    expect(await metric('manku_api_rate_limited_total{kind="http"}')).toBe(before + 3);
  });

  it('counts per X-Forwarded-For client behind a trusted proxy, and ignores the header from anyone else', async () => {
    const viaProxy = (client: string) => get('/api/v1/lots', { from: '127.0.0.3', headers: { 'x-forwarded-for': `198.51.100.1, ${client}` } });
    for (let i = 0; i < 5; i++) expect((await viaProxy('203.0.113.1')).status).toBe(200);
    expect((await viaProxy('203.0.113.1')).status).toBe(429);
    expect((await viaProxy('203.0.113.2')).status).toBe(200);
    // 127.0.0.2 is no trusted proxy: its header is ignored, so it cannot pose as a fresh client
    // (one of its 5 was spent above).
    const spoofed = [];
    for (let i = 0; i < 6; i++) spoofed.push((await get('/api/v1/lots', { from: '127.0.0.2', headers: { 'x-forwarded-for': `203.0.113.${100 + i}` } })).status);
    expect(spoofed).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

describe('WebSocket upgrades per second', () => {
  it('caps upgrades per address, then for the whole server, with 429 and Retry-After, counted by kind', async () => {
    const open: WebSocket[] = [];
    const take = async (from: string) => {
      const r = await upgrade(from);
      if ('open' in r) open.push(r.open);
      return 'open' in r ? 'open' : r;
    };
    // A fresh address for the per-address burst of 3 (127.0.0.1 already spent REST budget, a separate table).
    expect([await take('127.0.0.4'), await take('127.0.0.4'), await take('127.0.0.4')]).toEqual(['open', 'open', 'open']);
    expect(await take('127.0.0.4')).toEqual({ status: 429, retryAfter: '100', code: 'too_many_upgrades' });
    // Another address is not held to the first one's limit, until the server's own burst (5) is spent.
    expect([await take('127.0.0.5'), await take('127.0.0.5')]).toEqual(['open', 'open']);
    expect(await take('127.0.0.6')).toEqual({ status: 429, retryAfter: '100', code: 'too_many_upgrades' });
    expect(await metric('manku_api_rate_limited_total{kind="ws_upgrade"}')).toBe(1);
    expect(await metric('manku_api_rate_limited_total{kind="ws_upgrade_global"}')).toBe(1);
    expect(await metric('manku_api_rate_limited_total{kind="ws_connections"}')).toBe(0);
    for (const ws of open) ws.terminate();
  });
});

describe('slow clients', () => {
  it('closes a connection whose headers trickle in (408), keeps idle keep-alive and WebSocket connections, and counts it', async () => {
    const before = await metric('manku_api_timeouts_total{kind="request"}', slowPort);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get('/healthz', { agent, to: slowPort })).reused).toBe(false);
    // A WebSocket opened now is older than the slow request below when that one is closed.
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const w = new WebSocket(`ws://127.0.0.1:${slowPort}/api/v1/live`);
      w.once('open', () => resolve(w)).once('error', reject);
    });

    const slow = connect({ host: '127.0.0.1', port: slowPort });
    let received = '';
    slow.setEncoding('utf8');
    slow.on('data', (d) => (received += d));
    const closed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
    slow.write('GET /api/v1/lots HTTP/1.1\r\nHost: manku\r\n');
    // One header line every 100 ms, never the blank line that ends them: bounded to 100 lines.
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent++ < 100 && !slow.destroyed) slow.write(`X-Slow-${sent}: a\r\n`);
    }, 100);
    await closed;
    clearInterval(trickle);
    expect(sent).toBeLessThan(100);
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(received).toContain('"code":"request_timeout"');
    expect(await metric('manku_api_timeouts_total{kind="request"}', slowPort)).toBeGreaterThan(before);

    // Both older connections outlived the timeout that closed the slow one.
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const answer = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send(JSON.stringify({ type: 'subscribe', lots: ['lot-a'] }));
    expect(JSON.parse(await answer)).toMatchObject({ type: 'status', status: { lotId: 'lot-a' } });
    ws.terminate();
    const again = await get('/healthz', { agent, to: slowPort });
    expect(again).toMatchObject({ status: 200, reused: true });
    agent.destroy();
  });

  it('closes a connection that sends nothing at all', async () => {
    const idle = connect({ host: '127.0.0.1', port: slowPort });
    let received = '';
    idle.setEncoding('utf8');
    idle.on('data', (d) => (received += d));
    await new Promise<void>((resolve) => idle.once('close', () => resolve()));
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });
});
