/**
 * Per-lot nudge settings in Chromium (issue 15 item 1): a page on another origin embeds widgets of
 * lots with and without a `nudge` block in the lots file. Real broker, ingest, API and nudge store.
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
import { hashPassword, type Broker } from '../../broker/index.js';
import { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedNudgeStore, createEmbeddedStore } from '../../storage/index.js';
import { launchChromium } from '../../testkit/chromium.js';
import { connectClient, counterJson, passwordOf, startApi, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';
import { axeViolations, waitForText } from '../support/widget-page.js';

let context: BrowserContext;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let apiBase: string;
let host: Server;
let hostBase: string;
/** The page served at each path of the host, by test. */
const bodies = new Map<string, string>();
const gates = new Map<string, MqttClient>();
const seq = new Map<string, number>();

/** Each lot has one gate; its counters only grow, so a lot emptying counts cars out. */
const counts = new Map<string, { in: number; out: number }>();
async function setOccupied(lotId: string, occupied: number) {
  const gate = `gate-${lotId.slice(-1)}1`;
  const c = counts.get(gate) ?? { in: 0, out: 0 };
  const now = c.in - c.out;
  if (occupied >= now) c.in += occupied - now;
  else c.out += now - occupied;
  counts.set(gate, c);
  seq.set(gate, (seq.get(gate) ?? 0) + 1);
  await gates.get(gate)!.publishAsync(`parking/v1/${lotId}/${gate}/counter`, counterJson(1, seq.get(gate)!, c.in, c.out), { qos: 1 });
  await waitForOccupied(ingest, lotId, occupied);
}

/** A page on the host's origin with these widgets; the nudge events and settings requests it makes. */
async function openPage(widgets: string) {
  const path = `/p${bodies.size}`;
  bodies.set(path, widgets);
  const page = await context.newPage();
  const events: Array<Record<string, string>> = [];
  const settingsRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/nudge-events')) events.push(JSON.parse(r.postData() ?? '{}'));
    if (r.url().endsWith('/nudge-settings')) settingsRequests.push(r.url());
  });
  await page.goto(`${hostBase}${path}`);
  return { page, events, settingsRequests };
}

/** The suggestion's text and href in the widget matching `selector`; null when none is shown. */
const suggestion = (page: Page, selector = 'manku-status') =>
  page.evaluate((sel) => {
    const a = document.querySelector(sel)?.shadowRoot?.querySelector('a.cta') as HTMLAnchorElement | null;
    return a ? { text: a.textContent, href: a.getAttribute('href') } : null;
  }, selector);

beforeAll(async () => {
  ({ context } = await launchChromium());
  host = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    const widgets = bodies.get(req.url ?? '');
    if (widgets === undefined) return void res.end(`<!doctype html><html lang="en"><title>Elsewhere</title><h1>${req.url}</h1></html>`);
    res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Hospital</title>
<script src="${apiBase}/widget.js" async></script></head><body><main>${widgets}</main></body></html>`);
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  hostBase = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;

  const accounts = (await testLots()).accounts;
  const lot = async (id: string, name: string, nudge?: object) => ({
    id,
    name: { ja: `${name} 駐車場`, en: `Lot ${name}` },
    capacity: 100,
    staleAfterS: 3600,
    sensors: [{ id: `gate-${id.slice(-1)}1`, passwordHash: await hashPassword(passwordOf(`gate-${id.slice(-1)}1`), { N: 1024 }) }],
    ...(nudge ? { nudge } : {}),
  });
  const lots = LotsFile.parse({
    lots: [
      await lot('lot-a', 'A', {
        url: `${hostBase}/bus?from=widget`,
        label: { ja: '病院バスで行く', en: 'Hospital bus' },
        campaign: { param: 'coupon', value: 'hospital-2026' },
      }),
      await lot('lot-b', 'B', { url: `${hostBase}/bus`, label: { ja: '満車です：バスへ', en: 'Full: take the bus' }, when: { now: ['full'] } }),
      await lot('lot-c', 'C'),
    ],
    accounts,
  });
  let url: string;
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-wns-')) }), undefined, 'wns-ingest');
  const nudgeStore = createEmbeddedNudgeStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-wns-nudge-')) });
  ({ api, base: apiBase } = await startApi(lots, url, undefined, { nudgeStore }));
  for (const id of ['gate-a1', 'gate-b1', 'gate-c1']) gates.set(id, await connectClient(url, id));
  for (const lotId of ['lot-a', 'lot-b', 'lot-c']) await setOccupied(lotId, 85); // 混 (crowded from 80 %)
});

afterAll(async () => {
  await context?.close();
  host?.close();
  for (const g of gates.values()) g.end(true);
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
});

describe("the lot's nudge settings in the widget", () => {
  it("a lot with a nudge block at 混 shows its label, its link with the campaign, counts one shown; a click counts followed and navigates", async () => {
    const { page, events, settingsRequests } = await openPage('<manku-status id="one" lot="lot-a"></manku-status><manku-status id="two" lot="lot-a" lang="en"></manku-status>');
    await waitForText(page, /混雑.*病院バスで行く/, '#one');
    await waitForText(page, /Crowded.*Hospital bus/, '#two');
    const href = `${hostBase}/bus?from=widget&coupon=hospital-2026`;
    expect(await suggestion(page, '#one')).toEqual({ text: '病院バスで行く', href });
    expect(settingsRequests).toEqual([`${apiBase}/api/v1/lots/lot-a/nudge-settings`]); // once per page, for both widgets
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(2); // one per widget shown
    expect(events).toEqual([{ event: 'shown', level: 'crowded' }, { event: 'shown', level: 'crowded' }]);
    await page.locator('#one').locator('a.cta').click();
    await page.waitForURL(href);
    expect(events.map((e) => e.event)).toEqual(['shown', 'shown', 'followed']);
    await page.close();
  });

  it("passes axe with the lot's suggestion shown", async () => {
    const { page } = await openPage('<manku-status lot="lot-a"></manku-status>');
    await waitForText(page, /病院バスで行く/);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('when: {now: ["full"]} shows nothing at 混, the suggestion at 満, and nothing again back at 混', async () => {
    const { page } = await openPage('<manku-status lot="lot-b"></manku-status>');
    await waitForText(page, /混雑/);
    await setOccupied('lot-b', 97);
    await waitForText(page, /満車.*満車です：バスへ/);
    expect(await suggestion(page)).toEqual({ text: '満車です：バスへ', href: `${hostBase}/bus` });
    // The settings are in force now; the default rule would keep the suggestion at 混.
    await setOccupied('lot-b', 85);
    const text = await waitForText(page, /混雑/);
    expect(text).not.toMatch(/バス/);
    expect(await suggestion(page)).toBeNull();
    await page.close();
  });

  it('the link attribute overrides the link (without the campaign); link-label the label too', async () => {
    const { page } = await openPage(
      `<manku-status id="own" lot="lot-a" link="${hostBase}/own"></manku-status><manku-status id="labelled" lot="lot-a" link="${hostBase}/own" link-label="Our shuttle"></manku-status>`,
    );
    await waitForText(page, /病院バスで行く/, '#own');
    expect(await suggestion(page, '#own')).toEqual({ text: '病院バスで行く', href: `${hostBase}/own` });
    await waitForText(page, /Our shuttle/, '#labelled');
    expect(await suggestion(page, '#labelled')).toEqual({ text: 'Our shuttle', href: `${hostBase}/own` });
    await page.locator('#own').locator('a.cta').click();
    await page.waitForURL(`${hostBase}/own`);
    await page.close();
  });

  it("a keyboard user's focus stays on the suggestion while the live count changes under it", async () => {
    const { page } = await openPage('<manku-status lot="lot-a"></manku-status>');
    await waitForText(page, /空き 15台.*病院バスで行く/);
    await page.locator('manku-status').locator('a.cta').focus();
    const focused = () => page.evaluate(() => document.querySelector('manku-status')!.shadowRoot!.activeElement?.className ?? null);
    expect(await focused()).toBe('cta');
    await setOccupied('lot-a', 88); // still 混: the card updates in place
    await waitForText(page, /空き 12台/);
    expect(await focused()).toBe('cta');
    await setOccupied('lot-a', 85);
    await waitForText(page, /空き 15台/);
    expect(await focused()).toBe('cta');
    await page.close();
  });

  it("a lot without a nudge block shows no suggestion without a link attribute, and the page's link with one", async () => {
    const { page, settingsRequests } = await openPage(
      `<manku-status id="with-link" lot="lot-c" link="${hostBase}/own"></manku-status><manku-status id="bare" lot="lot-c"></manku-status>`,
    );
    // Both widgets wait for the same settings answer: once the linked one shows its button, the bare one has it too.
    await waitForText(page, /混雑.*バスで行く/, '#with-link');
    expect(await suggestion(page, '#with-link')).toEqual({ text: 'バスで行く', href: `${hostBase}/own` });
    expect(await waitForText(page, /混雑/, '#bare')).not.toMatch(/バス/);
    expect(await suggestion(page, '#bare')).toBeNull();
    expect(settingsRequests).toHaveLength(1);
    await page.close();
  });
});
