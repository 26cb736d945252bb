/** /widget.js, /embed/{lotId} and the landing page, over HTTP. */
import { request } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import { startApi, startBroker, testLots } from '../support/stack.js';

let lots: LotsFile;
let broker: Broker;
let url: string;
const apis: Api[] = [];
afterAll(async () => {
  for (const a of apis) await a.stop();
  await broker.stop();
});
beforeAll(async () => {
  lots = await testLots();
  ({ broker, url } = await startBroker(lots));
});

async function api(extra = {}) {
  const { api: a, base } = await startApi(lots, url, undefined, extra);
  apis.push(a);
  return base;
}

/** A GET that shows the bytes as sent (fetch would ask for gzip and decompress on its own). */
function rawGet(target: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(target, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('compression and caching', () => {
  it('/widget.js arrives gzipped to a client that accepts gzip, and as is to one that does not', async () => {
    const base = await api();
    const plain = await rawGet(`${base}/widget.js`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toContain('manku-status');
    const zipped = await rawGet(`${base}/widget.js`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
  });

  it('/widget.js has an ETag, answers 304 to If-None-Match, and may be cached for minutes', async () => {
    const base = await api();
    const first = await rawGet(`${base}/widget.js`, { 'accept-encoding': 'gzip' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^(W\/)?"[^"]+"$/);
    expect(first.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(first.headers['cache-control']).toMatch(/stale-while-revalidate=\d+/);
    const again = await rawGet(`${base}/widget.js`, { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect((await rawGet(`${base}/widget.js`, { 'if-none-match': etag })).status).toBe(304); // same script, either encoding
    expect((await rawGet(`${base}/widget.js`, { 'if-none-match': '"something-else"' })).status).toBe(200);
  });

  it('pages, JSON and metrics are gzipped when the client accepts it, plain otherwise', async () => {
    const base = await api();
    for (const path of ['/', '/docs', '/api/v1/openapi.json', '/api/v1/lots', '/metrics']) {
      const plain = await rawGet(`${base}${path}`);
      expect(plain.status, path).toBe(200);
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      const zipped = await rawGet(`${base}${path}`, { 'accept-encoding': 'gzip' });
      expect(zipped.headers['content-encoding'], path).toBe('gzip');
      expect(gunzipSync(zipped.body).length, path).toBeGreaterThan(0);
    }
    const json = await rawGet(`${base}/api/v1/openapi.json`, { 'accept-encoding': 'gzip' });
    expect(JSON.parse(gunzipSync(json.body).toString()).openapi).toBe('3.0.3');
  });
});

describe('pages', () => {
  it('/widget.js is JavaScript any page may load, within the 8 KB gzip budget', async () => {
    const base = await api();
    const res = await fetch(`${base}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const js = Buffer.from(await res.arrayBuffer());
    expect(js.toString()).toContain('manku-status');
    expect(gzipSync(js, { level: 9 }).length).toBeLessThanOrEqual(8 * 1024);
    expect(gunzipSync(gzipSync(js)).equals(js)).toBe(true);
  });

  it('/favicon.ico answers 204 No Content, cached, instead of a 404 that browsers log as an error', async () => {
    const res = await fetch(`${await api()}/favicon.ico`);
    expect([res.status, (await res.arrayBuffer()).byteLength]).toEqual([204, 0]);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });

  it('/embed/{lotId} may be framed anywhere by default; FRAME_ANCESTORS restricts it', async () => {
    const open = await api();
    const res = await fetch(`${open}/embed/lot-a?lang=en`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toMatch(/; frame-ancestors \*$/);
    expect(await res.text()).toMatch(/<manku-status lot="lot-a" lang="en">/);
    const strict = await api({ frameAncestors: 'https://hospital.example.jp' });
    const res2 = await fetch(`${strict}/embed/lot-a`);
    expect(res2.headers.get('content-security-policy')).toMatch(/; frame-ancestors https:\/\/hospital\.example\.jp$/);
    expect((await fetch(`${open}/embed/no-such-lot`)).status).toBe(404);
  });

  it('/, /embed/{lotId} and /docs send a strict Content-Security-Policy: own script, hashed styles, own connections', async () => {
    const base = await api();
    const host = new URL(base).host;
    for (const path of ['/', '/embed/lot-a', '/docs']) {
      const csp = (await fetch(`${base}${path}`)).headers.get('content-security-policy') ?? '';
      const directives = Object.fromEntries(csp.split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
      expect(directives, path).toMatchObject({
        'default-src': "'none'",
        'script-src': "'self'",
        'connect-src': `'self' ws://${host} wss://${host}`,
        'base-uri': "'none'",
        'form-action': "'none'",
        'frame-ancestors': '*',
      });
      // /docs also loads Swagger UI's stylesheet from this server
      expect(directives['style-src'], path).toMatch(path === '/docs' ? /^'self' ('sha256-[A-Za-z0-9+/]+=*' ?)+$/ : /^('sha256-[A-Za-z0-9+/]+=*' ?)+$/);
      expect(csp, path).not.toMatch(/unsafe-inline|unsafe-eval/);
    }
  });

  it('sends no Strict-Transport-Security over plain HTTP', async () => {
    const base = await api();
    for (const path of ['/', '/widget.js', '/api/v1/lots', '/healthz']) {
      expect((await fetch(`${base}${path}`)).headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('/ lists every lot with its widget and a snippet to copy', async () => {
    const base = await api();
    const html = await (await fetch(`${base}/`)).text();
    for (const lot of ['lot-a', 'lot-b']) expect(html).toContain(`<manku-status lot="${lot}"></manku-status>`);
    // the snippet, HTML-escaped inside a <pre>
    const snippet = /<pre>([^<]*)<\/pre>/.exec(html)![1]!.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
    expect(snippet).toBe(`<script src="${base}/widget.js" async></script>\n<manku-status lot="lot-a"></manku-status>`);
    expect(html).toContain('/embed/lot-a');
  });
});
