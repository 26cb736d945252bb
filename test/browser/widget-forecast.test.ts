/**
 * The widget's trend arrow and arrival line in Chromium, from a real stack whose API trains the
 * lot's forecast from a real store's history. The history is six weeks of one shape every day (the
 * lot fills from 10 % to 90 % at 10:05 and to 100 % at 10:50, Asia/Tokyo), and the stack's clock
 * is 10:00 there: now 空, in 30 minutes 混, in 60 minutes 満. lot-b has no history: no forecast.
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
import { createEmbeddedStore, embeddedHistory, type EmbeddedStore } from '../../storage/index.js';
import { MEASUREMENT, type StorePoint } from '../../storage/points.js';
import { launchChromium } from '../../testkit/chromium.js';
import { waitFor } from '../../testkit/wait.js';
import { connectClient, counterJson, manualClock, startApi, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';
import { axeViolations, waitForText } from '../support/widget-page.js';

const T = Date.parse('2026-11-25T10:00:00+09:00'); // a Wednesday, no holiday
const clock = manualClock(T - 20 * 60_000);
let context: BrowserContext;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let apiBase: string;
let history: EmbeddedStore;
let host: Server;
let page: Page;
const gates: MqttClient[] = [];

/** Occupied (of 100) at a local time of day in minutes, every day. */
const shape = (minuteOfDay: number) => (minuteOfDay < 10 * 60 + 5 || minuteOfDay >= 18 * 60 ? 10 : minuteOfDay < 10 * 60 + 50 ? 90 : 100);

/** Six weeks before T, a point every 5 minutes, as ingest would have stored them. */
function historyPoints(): StorePoint[] {
  const points: StorePoint[] = [];
  const step = 5 * 60_000;
  for (let t = T - 42 * 86_400_000, seq = 1; t < T - step; t += step, seq++) {
    const occupied = shape(Math.floor(((t + 9 * 3_600_000) % 86_400_000) / 60_000));
    const level = occupied >= 95 ? 'full' : occupied >= 80 ? 'crowded' : 'vacant';
    points.push({ measurement: MEASUREMENT.occupancy, lotId: 'lot-a', timeMs: t, lotSeq: seq, occupied, occupiedRaw: occupied, capacity: 100, level, stale: false });
  }
  return points;
}

beforeAll(async () => {
  ({ context } = await launchChromium());
  const lots = await testLots({ capacity: 100, staleAfterS: 3600 });
  let url: string;
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-wf-live-')) }), clock, 'wf-ingest');
  history = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-wf-history-')) });
  await history.start();
  history.write(historyPoints());
  for (const id of ['gate-a1', 'gate-a2', 'gate-b1']) gates.push(await connectClient(url, id));
  const [a1, a2, b1] = gates as [MqttClient, MqttClient, MqttClient];
  // 20 minutes before T the lot is empty; at T 10 cars have come in: filling, 空 now.
  await a1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 0, 0), { qos: 1 });
  await a2.publishAsync('parking/v1/lot-a/gate-a2/counter', counterJson(1, 1, 0, 0), { qos: 1 });
  await waitFor(() => ingest.ledger.status('lot-a')?.stale === false, { what: 'lot-a reported by both gates' });
  clock.set(T);
  await a1.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 2, 10, 0), { qos: 1 });
  // lot-b (default stale window) is heard at T: heard 20 minutes before, it would rightly go stale.
  await b1.publishAsync('parking/v1/lot-b/gate-b1/counter', counterJson(1, 1, 3, 0), { qos: 1 });
  await waitForOccupied(ingest, 'lot-a', 10);
  await waitForOccupied(ingest, 'lot-b', 3);
  ({ api, base: apiBase } = await startApi(lots, url, clock, { history: embeddedHistory(history) }));
  host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Hospital</title>
<script src="${apiBase}/widget.js" async></script></head><body><main><h1>病院</h1>
<manku-status id="ja" lot="lot-a" link="https://bus.example.jp/"></manku-status>
<manku-status id="en" lot="lot-a" lang="en" link="https://bus.example.jp/"></manku-status>
<manku-status id="h60" lot="lot-a" arrival="60"></manku-status>
<manku-status id="h45" lot="lot-a" arrival="45"></manku-status>
<manku-status id="cold" lot="lot-b" link="https://bus.example.jp/"></manku-status></main></body></html>`);
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  page = await context.newPage();
  await page.goto(`http://127.0.0.1:${(host.address() as AddressInfo).port}/`);
});

afterAll(async () => {
  await context?.close();
  host?.close();
  for (const g of gates) g.end(true);
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
  await history?.stop();
});

const trendName = (selector: string) =>
  page.evaluate((sel) => {
    const arrow = document.querySelector(sel)!.shadowRoot!.querySelector('.trend');
    return arrow && { role: arrow.getAttribute('role'), name: arrow.getAttribute('aria-label'), text: arrow.textContent };
  }, selector);

describe('<manku-status> with a forecast, in Chromium', () => {
  it('shows the level at arrival from the live forecast and suggests the bus for 混 at arrival while 空 now', async () => {
    // The bus link waits for the lot's nudge settings (a fetch), which can come after the live status.
    const text = await waitForText(page, /30分後.*バスで行く/, '#ja', 30_000);
    expect(text).toMatch(/空.*空車.*空き 90台 \/ 100台.*30分後：混雑の見込み.*バスで行く/);
    // the same forecast the API serves for the lot
    const served = (await (await fetch(`${apiBase}/api/v1/lots/lot-a`)).json()) as { forecast?: { points: Array<{ inMin: number; level: string }> } };
    expect(served.forecast?.points.map((p) => [p.inMin, p.level])).toEqual([[30, 'crowded'], [60, 'full']]);
  });

  it('shows the time of the update in the lot\'s zone, without Intl', async () => {
    expect(await waitForText(page, /更新/, '#ja')).toMatch(/更新 10:00/);
  });

  it('English, and another arrival time (arrival="60")', async () => {
    expect(await waitForText(page, /In 30 min.*Go by bus/, '#en')).toMatch(/In 30 min: likely crowded.*Go by bus/);
    expect(await waitForText(page, /60分後/, '#h60')).toMatch(/60分後：満車の見込み/);
  });

  it('hides the line when the forecast has no point for the arrival time, or the lot has no forecast', async () => {
    expect(await waitForText(page, /空き 90台/, '#h45')).not.toMatch(/分後/);
    const cold = await waitForText(page, /空き 97台/, '#cold');
    expect(cold).not.toMatch(/分後|バスで行く/); // 空 now, nothing known about arrival: no nudge
    expect(cold).toMatch(/更新 10:00/);
  });

  it('shows the trend as an arrow with an accessible name', async () => {
    await waitForText(page, /↗/, '#ja');
    expect(await trendName('#ja')).toEqual({ role: 'img', name: '増加中', text: '↗' });
    expect(await trendName('#en')).toEqual({ role: 'img', name: 'Filling up', text: '↗' });
  });

  it('passes an axe-core scan with the arrival line and trend', async () => {
    expect(await axeViolations(page)).toEqual([]);
  });
});
