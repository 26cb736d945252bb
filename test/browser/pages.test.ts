/**
 * The API's own pages and the widget under Content-Security-Policy, in Debian's Chromium: our
 * pages (/, /embed/{lotId}, /docs/overview; /docs itself in docs.test.ts) under the policy the API sends, and a hospital page with its own
 * strict policy that allows only the API's origin.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import { launchChromium } from '../../testkit/chromium.js';
import { waitFor } from '../../testkit/wait.js';
import type { Broker } from '../../broker/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { connectClient, counterJson, startApi, startBroker, startIngest, testLots } from '../support/stack.js';

let broker: Broker;
let ingest: Ingest;
let api: Api;
let apiBase: string;
let host: Server;
let hostBase: string;
let context: BrowserContext;
let gates: MqttClient[] = [];

/** What a page reported: CSP violations (from the event and from the console) and other console errors. */
interface Reports {
  violations: string[];
  errors: string[];
}

/** Opens `url` with listeners in place before any script of the page runs. */
async function open(url: string, { withoutConstructableSheets = false } = {}): Promise<{ page: Page; reports: Reports; csp: string }> {
  const page = await context.newPage();
  const reports: Reports = { violations: [], errors: [] };
  await page.exposeFunction('reportViolation', (v: string) => reports.violations.push(v));
  await page.addInitScript((strip) => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
      true,
    );
    // Browsers without constructable stylesheets (Safari before 16.4) get the widget's <style> fallback.
    if (strip) delete (ShadowRoot.prototype as { adoptedStyleSheets?: unknown }).adoptedStyleSheets;
  }, withoutConstructableSheets);
  page.on('console', (m) => {
    if (m.type() === 'error') reports.errors.push(`${m.text()} (${m.location().url})`);
  });
  const res = await page.goto(url);
  expect(res!.status()).toBe(200);
  return { page, reports, csp: res!.headers()['content-security-policy'] ?? '' };
}

/** The status text of every widget on the page, once each shows one. */
async function widgetTexts(page: Page, count: number): Promise<string[]> {
  let texts: string[] = [];
  await waitFor(
    async () => {
      texts = await page.evaluate(() =>
        [...document.querySelectorAll('manku-status')].map((el) => el.shadowRoot?.querySelector('.level')?.textContent ?? ''),
      );
      return texts.length === count && texts.every((t) => /空車|混雑|満車|情報なし|Vacant|Crowded|Full|No information/.test(t));
    },
    { timeoutMs: 15_000, what: `${count} widget(s) showing a status` },
  );
  return texts;
}

/** The widget's stylesheet applied: the card is a flex box with its border radius. */
const styled = (page: Page) =>
  page.evaluate(() => {
    const card = document.querySelector('manku-status')!.shadowRoot!.querySelector('.card')!;
    return getComputedStyle(card).display;
  });

beforeAll(async () => {
  ({ context } = await launchChromium());
  const lots = await testLots({ capacity: 100 });
  let url: string;
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-csp-')) }), undefined, 'csp-ingest');
  ({ api, base: apiBase } = await startApi(lots, url));
  // lot-a shows a level once both its gates have reported
  gates = [await connectClient(url, 'gate-a1'), await connectClient(url, 'gate-a2')];
  await gates[0]!.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 30, 0), { qos: 1 });
  await gates[1]!.publishAsync('parking/v1/lot-a/gate-a2/counter', counterJson(1, 1, 0, 0), { qos: 1 });
  const apiUrl = new URL(apiBase);
  // the hospital's page: its own strict policy, allowing the API's origin for the script and the connection
  const policy = [
    "default-src 'none'",
    `script-src ${apiUrl.origin}`,
    `connect-src ${apiUrl.origin} ws://${apiUrl.host}`,
    "style-src 'self'",
    "base-uri 'none'",
  ].join('; ');
  host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('content-security-policy', policy);
    res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Hospital</title>
<script src="${apiBase}/widget.js" async></script></head><body><manku-status lot="lot-a"></manku-status></body></html>`);
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  hostBase = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await context?.close();
  host?.close();
  for (const g of gates) g.end(true);
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
});

describe('pages under Content-Security-Policy', () => {
  it('/ has a policy, reports no violation and its widgets show the status', async () => {
    const { page, reports, csp } = await open(`${apiBase}/`);
    expect(csp).toMatch(/default-src 'none'/);
    expect(await widgetTexts(page, 2)).toContain('空車');
    expect(await styled(page)).toBe('flex');
    expect(reports).toEqual({ violations: [], errors: [] });
    await page.close();
  });

  it('/embed/{lotId} reports no violation and its widget shows the status', async () => {
    const { page, reports, csp } = await open(`${apiBase}/embed/lot-a?lang=en`);
    expect(csp).toMatch(/default-src 'none'/);
    expect(await widgetTexts(page, 1)).toEqual(['Vacant']);
    expect(await styled(page)).toBe('flex');
    expect(reports).toEqual({ violations: [], errors: [] });
    await page.close();
  });

  it("/embed/{lotId} also works where the widget falls back to a <style> element (the policy carries its hash)", async () => {
    const { page, reports } = await open(`${apiBase}/embed/lot-a`, { withoutConstructableSheets: true });
    expect(await widgetTexts(page, 1)).toEqual(['空車']);
    expect(await page.evaluate(() => document.querySelector('manku-status')!.shadowRoot!.querySelector('style') !== null)).toBe(true);
    expect(await styled(page)).toBe('flex');
    expect(reports).toEqual({ violations: [], errors: [] });
    await page.close();
  });

  it('/docs/overview reports no violation and is styled', async () => {
    const { page, reports, csp } = await open(`${apiBase}/docs/overview`);
    expect(csp).toMatch(/default-src 'none'/);
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('table')!).borderCollapse)).toBe('collapse');
    expect(reports).toEqual({ violations: [], errors: [] });
    await page.close();
  });

  it('a hospital page whose policy allows only the API origin (no inline styles) shows the styled widget', async () => {
    const { page, reports } = await open(hostBase);
    expect(await widgetTexts(page, 1)).toEqual(['空車']);
    expect(await styled(page)).toBe('flex');
    expect(reports).toEqual({ violations: [], errors: [] });
    await page.close();
  });

  it('the listeners do see a violation (the test can fail)', async () => {
    const { page, reports } = await open(`${apiBase}/docs/overview`);
    await page.evaluate(() => {
      const s = document.createElement('style');
      s.textContent = 'body{color:red}';
      document.head.append(s);
    });
    await waitFor(() => reports.violations.length > 0, { what: 'a reported violation' });
    expect(reports.violations[0]).toMatch(/style-src/);
    await page.close();
  });
});
