/**
 * /docs in Debian's Chromium: Swagger UI, served by the API itself (no CDN), under the page's
 * Content-Security-Policy, calls GET /api/v1/lots on the same server through "Try it out".
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { launchChromium } from '../../testkit/chromium.js';
import { startApi, startBroker, startIngest, testLots } from '../support/stack.js';

let broker: Broker;
let ingest: Ingest;
let api: Api;
let base: string;
let context: BrowserContext;

beforeAll(async () => {
  ({ context } = await launchChromium('manku-docs-'));
  const lots = await testLots();
  let url: string;
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-docs-store-')) }), undefined, 'docs-ingest');
  ({ api, base } = await startApi(lots, url));
});

afterAll(async () => {
  await context?.close();
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
});

/** Opens /docs recording CSP violations, console errors and every URL the page asked for. */
async function openDocs(): Promise<{ page: Page; violations: string[]; errors: string[]; requests: string[] }> {
  const page = await context.newPage();
  const violations: string[] = [];
  const errors: string[] = [];
  const requests: string[] = [];
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`), true),
  );
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  // Chromium parses and runs a 1.7 MB bundle before DOMContentLoaded (deferred scripts): wait for
  // the response here and for the elements below. Measured with 7 test runs sharing the 2 cores
  // (load 31-37): 24 s to the response, 74 s more until Swagger UI had rendered the operations.
  const res = await page.goto(`${base}/docs`, { waitUntil: 'commit', timeout: 120_000 });
  expect(res!.status()).toBe(200);
  return { page, violations, errors, requests };
}

describe('/docs: Swagger UI', () => {
  it('"Try it out" on GET /api/v1/lots calls this server and shows the 200 response, with no CSP violation', async () => {
    const { page, violations, errors, requests } = await openDocs();
    const summary = page.locator('.opblock-summary', { has: page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/lots$/ }) }).first();
    await summary.waitFor({ timeout: 240_000 });
    await summary.click();
    const block = page.locator('.opblock.is-open').first();
    await block.locator('button.try-out__btn').click();
    await block.locator('button.execute').click();
    const status = block.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 120_000 });
    expect((await status.innerText()).trim()).toBe('200');
    const body = await block.locator('.live-responses-table tr.response .response-col_description .highlight-code pre').first().innerText();
    expect(JSON.parse(body)).toEqual({ lots: expect.arrayContaining([expect.objectContaining({ lotId: 'lot-a' }), expect.objectContaining({ lotId: 'lot-b' })]) });
    expect(requests.filter((u) => new URL(u).pathname === '/api/v1/lots')).toHaveLength(1);
    expect(requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'))).toEqual([]); // no CDN, no validator
    expect({ violations, errors }).toEqual({ violations: [], errors: [] });
    await page.close();
  }, 420_000);

  it('links the hand-made overview, which lists every route', async () => {
    const { page } = await openDocs();
    await page.locator('a[href="/docs/overview"]').first().click();
    await page.waitForURL(`${base}/docs/overview`);
    expect(await page.locator('table code', { hasText: '/api/v1/lots/{lotId}/history' }).count()).toBe(1);
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('table')!).borderCollapse)).toBe('collapse');
    await page.close();
  }, 120_000);
});
