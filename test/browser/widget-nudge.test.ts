/**
 * The nudge measured in Chromium (issue 15): a page on another origin embeds the widget; the lot
 * goes 混 ⇒ exactly one `shown`; a click on the suggestion ⇒ one `followed` and the navigation
 * still happens; measure="off" and Global Privacy Control ⇒ nothing sent. Real broker, ingest, API
 * and nudge store.
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
import type { Broker } from '../../broker/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedNudgeStore, createEmbeddedStore } from '../../storage/index.js';
import { launchChromium } from '../../testkit/chromium.js';
import { connectClient, counterJson, startApi, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';
import { waitForText } from '../support/widget-page.js';

let context: BrowserContext;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let apiBase: string;
let host: Server;
let hostBase: string;
const gates: MqttClient[] = [];
const seq = [0, 0];

async function setOccupied(occupied: number) {
  for (const i of [0, 1] as const) {
    seq[i]! += 1;
    await gates[i]!.publishAsync(`parking/v1/lot-a/gate-a${i + 1}/counter`, counterJson(1, seq[i]!, i === 0 ? occupied : 0, 0), { qos: 1 });
  }
  await waitForOccupied(ingest, 'lot-a', occupied);
}

/** A page on the host's origin, and the nudge events it sends (requests seen by the browser). */
async function openPage(path: string, init?: () => void): Promise<{ page: Page; events: Array<Record<string, string>> }> {
  const page = await context.newPage();
  const events: Array<Record<string, string>> = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/nudge-events')) events.push(JSON.parse(r.postData() ?? '{}'));
  });
  if (init) await page.addInitScript(init);
  await page.goto(`${hostBase}${path}`);
  return { page, events };
}

const stats = async () => {
  const s = (await (await fetch(`${apiBase}/api/v1/lots/lot-a/nudge-stats?step=1d`)).json()) as { buckets: Array<{ shown: number; followed: number }> };
  return { shown: s.buckets.reduce((n, b) => n + b.shown, 0), followed: s.buckets.reduce((n, b) => n + b.followed, 0) };
};

beforeAll(async () => {
  ({ context } = await launchChromium());
  const lots = await testLots({ capacity: 100, staleAfterS: 3600 });
  let url: string;
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-wn-')) }), undefined, 'wn-ingest');
  const nudgeStore = createEmbeddedNudgeStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-wn-nudge-')) });
  ({ api, base: apiBase } = await startApi(lots, url, undefined, { nudgeStore }));
  for (const id of ['gate-a1', 'gate-a2']) gates.push(await connectClient(url, id));
  await setOccupied(5);
  host = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (req.url === '/bus') return void res.end('<!doctype html><title>Bus</title><h1>On-demand bus</h1>');
    const measure = req.url === '/off' ? ' measure="off"' : '';
    res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Hospital</title>
<script src="${apiBase}/widget.js" async></script></head><body>
<manku-status lot="lot-a" link="${hostBase}/bus"${measure}></manku-status></body></html>`);
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

describe('the nudge measured from a page on another origin', () => {
  it('sends nothing while the lot is 空 and no suggestion is shown', async () => {
    const { page, events } = await openPage('/');
    await waitForText(page, /空車/);
    expect(events).toEqual([]);
    await page.close();
  });

  it('the lot goes 混: exactly one shown, however often the widget renders; a click: one followed, and the navigation happens', async () => {
    const { page, events } = await openPage('/');
    await waitForText(page, /空車/);
    await setOccupied(85);
    await waitForText(page, /混雑.*バスで行く/);
    await setOccupied(86); // more renders at the same level
    await waitForText(page, /空き 14台/);
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(1);
    expect(events).toEqual([{ event: 'shown', level: 'crowded' }]);
    await page.locator('manku-status').locator('a.cta').click();
    await page.waitForURL(`${hostBase}/bus`);
    expect(events.map((e) => e.event)).toEqual(['shown', 'followed']);
    await expect.poll(stats, { timeout: 60_000 }).toEqual({ shown: 1, followed: 1 });
    await page.close();
  });

  it('measure="off" sends nothing', async () => {
    const { page, events } = await openPage('/off');
    await waitForText(page, /混雑.*バスで行く/);
    await page.locator('manku-status').locator('a.cta').click();
    await page.waitForURL(`${hostBase}/bus`);
    expect(events).toEqual([]);
    await page.close();
  });

  it('Global Privacy Control (and Do Not Track) send nothing', async () => {
    for (const init of [
      () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
      () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }),
    ]) {
      const { page, events } = await openPage('/', init);
      await waitForText(page, /混雑.*バスで行く/);
      await page.locator('manku-status').locator('a.cta').click();
      await page.waitForURL(`${hostBase}/bus`);
      expect(events).toEqual([]);
      await page.close();
    }
    expect(await stats()).toEqual({ shown: 1, followed: 1 });
  });
});
