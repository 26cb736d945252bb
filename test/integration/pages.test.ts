/** /widget.js, /embed/{lotId} and the landing page, over HTTP. */
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

  it('/embed/{lotId} may be framed anywhere by default; FRAME_ANCESTORS restricts it', async () => {
    const open = await api();
    const res = await fetch(`${open}/embed/lot-a?lang=en`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy') ?? '').not.toMatch(/frame-ancestors/);
    expect(await res.text()).toMatch(/<manku-status lot="lot-a" lang="en">/);
    const strict = await api({ frameAncestors: 'https://hospital.example.jp' });
    const res2 = await fetch(`${strict}/embed/lot-a`);
    expect(res2.headers.get('content-security-policy')).toBe('frame-ancestors https://hospital.example.jp');
    expect((await fetch(`${open}/embed/no-such-lot`)).status).toBe(404);
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
