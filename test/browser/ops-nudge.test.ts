/**
 * The console's nudge panel (issue 15 item 4) in Debian's Chromium, against the real broker, ingest,
 * API and nudge store: real events posted through the public endpoint on earlier days (the API's
 * clock is moved back while they are posted), then the panel must show what nudge-stats answers —
 * per day and level, the rate in words, beside the busy hours from the history; the empty state
 * for a lot without events; keyboard; axe in ja and en; CSP.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { Clock } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { startOfDayIn, zoneOffsetMs, type NudgeStats } from '../../protocol/index.js';
import { createEmbeddedNudgeStore, createEmbeddedStore, embeddedHistory } from '../../storage/index.js';
import { launchChromium } from '../../testkit/chromium.js';
import { waitFor } from '../../testkit/wait.js';
import { axeViolationsUnderCsp, watchProblems } from '../support/page-checks.js';
import { connectClient, counterJson, startApi, startBroker, startIngest, testLots, waitForOccupied } from '../support/stack.js';

const DAY = 86_400_000;
const TOKYO = 'Asia/Tokyo';
let broker: Broker;
let ingest: Ingest;
let api: Api;
let base: string;
let context: BrowserContext;
let page: Page;
let gate: MqttClient;
let problems: string[] = [];
/** The API's clock: real time, moved by `offset` while the test posts events "on" earlier days. */
let offset = 0;
const clock: Clock = { now: () => Date.now() + offset };

/** What the test posts: at noon (Tokyo) of a day `daysAgo` before today, so its UTC day is the same date. */
const POSTED = [
  { daysAgo: 3, crowded: { shown: 9, followed: 2 }, full: { shown: 4, followed: 1 } },
  { daysAgo: 1, crowded: { shown: 5, followed: 1 }, full: { shown: 2, followed: 0 } },
];

async function post(lotId: string, body: object) {
  const res = await fetch(`${base}/api/v1/lots/${lotId}/nudge-events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
  expect(res.status).toBe(204);
}

beforeAll(async () => {
  ({ context } = await launchChromium());
  const lots = await testLots({ capacity: 10, staleAfterS: 3600 });
  let url: string;
  ({ broker, url } = await startBroker(lots));
  const store = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-ops-nudge-')) });
  ingest = await startIngest(lots, url, store, undefined, 'ops-nudge-ingest');
  const nudgeStore = createEmbeddedNudgeStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-ops-nudge-counts-')) });
  ({ api, base } = await startApi(lots, url, clock, { history: embeddedHistory(store), nudgeStore }));
  gate = await connectClient(url, 'gate-a1');
  await gate.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 5, 0), { qos: 1 });
  await waitForOccupied(ingest, 'lot-a', 5);

  const today = startOfDayIn(TOKYO, Date.now());
  for (const day of POSTED) {
    offset = today - day.daysAgo * DAY + 12 * 3_600_000 - Date.now(); // Tokyo has no DST: a day is 24 h
    for (const level of ['crowded', 'full'] as const) {
      for (const event of ['shown', 'followed'] as const) for (let i = 0; i < day[level][event]; i++) await post('lot-a', { event, level });
    }
  }
  offset = 0;
  // The console is bundled on its first request (10–25 s on the loaded shared cores): do it here, not in a test.
  expect((await fetch(`${base}/ops.js`)).status).toBe(200);

  page = await context.newPage();
  problems = await watchProblems(page);
});

afterAll(async () => {
  await context?.close();
  gate?.end(true);
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
});

const text = (selector: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector);
const summaryIs = (expected: string) => waitFor(async () => (await text('#nudge-summary')) === expected, { timeoutMs: 10_000, what: `the nudge summary "${expected}"` });

/** nudge-stats by (UTC) day over the last `days` days, straight from the API. */
async function statsByDay(days: number) {
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const from = new Date(startOfDayIn(TOKYO, Date.now()) - (days - 1) * DAY).toISOString();
  const res = await fetch(`${base}/api/v1/lots/lot-a/nudge-stats?step=1d&from=${from}&to=${to}`);
  expect(res.status).toBe(200);
  const s = (await res.json()) as NudgeStats;
  return { buckets: s.buckets, shown: s.buckets.reduce((n, b) => n + b.shown, 0), followed: s.buckets.reduce((n, b) => n + b.followed, 0) };
}

describe('the nudge panel in /ops', () => {
  it('counts what was posted, per day and level, as nudge-stats answers, with the rate in words', async () => {
    const api = await statsByDay(28);
    // What the test posted: 20 shown, 4 followed (the API counted every one).
    expect([api.shown, api.followed]).toEqual([20, 4]);
    await page.goto(`${base}/ops?lang=en`);
    await summaryIs(`Over 28 days: shown ${api.shown} times, bus chosen ${api.followed} times (${Math.round((100 * api.followed) / api.shown)} %)`);
    expect(await page.locator('#nudge-levels li').allTextContents()).toEqual(['Crowded: shown 14, chosen 3 (21 %)', 'Full: shown 6, chosen 1 (17 %)']);
    const days = await page.evaluate(() =>
      [...document.querySelectorAll('#nudge-day-table tbody tr')].map((tr) => ({
        day: tr.getAttribute('data-day'),
        cells: [...tr.querySelectorAll('td[data-level]')].map((td) => `${td.getAttribute('data-level')}.${td.getAttribute('data-kind')}=${td.textContent}`),
      })),
    );
    expect(days).toHaveLength(28);
    for (const b of api.buckets.filter((x) => x.shown + x.followed > 0)) {
      const row = days.find((d) => d.day === b.t.slice(0, 10));
      const l = b.byLevel;
      expect(row?.cells).toEqual([`crowded.shown=${l.crowded.shown}`, `crowded.followed=${l.crowded.followed}`, `full.shown=${l.full.shown}`, `full.followed=${l.full.followed}`]);
    }
    expect(days.filter((d) => d.cells.some((c) => !c.endsWith('=0'))).map((d) => d.day)).toEqual(api.buckets.filter((x) => x.shown > 0).map((x) => x.t.slice(0, 10)));
  });

  it("shows the lot's busy hours beside them: occupancy by hour of day from the history, suggestions at noon", async () => {
    const hours = await page.evaluate(() =>
      [...document.querySelectorAll('#nudge-hour-table tbody tr')].map((tr) => ({
        hour: Number(tr.getAttribute('data-hour')),
        occupancy: tr.querySelector('[data-kind="occupancy"]')!.textContent,
        shown: Number(tr.querySelector('[data-kind="shown"]')!.textContent),
        followed: Number(tr.querySelector('[data-kind="followed"]')!.textContent),
      })),
    );
    expect(hours).toHaveLength(24);
    expect(hours.filter((h) => h.shown || h.followed)).toEqual([expect.objectContaining({ hour: 12, shown: 20, followed: 4 })]);
    // The lot has held 5 of 10 since this test started: the hour now is 50 % full, as the history says.
    const nowMs = Date.now();
    const hist = (await (await fetch(`${base}/api/v1/lots/lot-a/history?step=1h&from=${new Date(nowMs - 3_600_000).toISOString()}&to=${new Date(nowMs).toISOString()}`)).json()) as { points: Array<{ occupied: number }> };
    expect(hist.points.at(-1)?.occupied).toBe(5);
    const hourNow = new Date(nowMs + zoneOffsetMs(TOKYO, nowMs)).getUTCHours();
    expect(hours[hourNow]!.occupancy).toBe('50 %');
    expect(await text('#nudge-peaks')).toMatch(/^Busiest hour \d\d:00 \(mean occupancy 50 %\); most suggestions shown at 12:00 \(20\)\.$/);
    expect(await page.locator('#nudge-daily canvas').count()).toBe(1);
    expect(await page.locator('#nudge-hourly canvas').count()).toBe(1);
    expect(await page.getAttribute('#nudge-daily', 'aria-label')).toContain('shown 20 times');
  });

  it('changes the period from the keyboard (7 days: the same events, all within it)', async () => {
    await page.focus('#nudge-days');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.getElementById('nudge-days') as HTMLSelectElement).value)).toBe('7');
    await summaryIs('Over 7 days: shown 20 times, bus chosen 4 times (20 %)');
    expect(await page.locator('#nudge-day-table tbody tr').count()).toBe(7);
  });

  it('says so, with a hint, for a lot without events', async () => {
    await page.selectOption('#nudge-lot', 'lot-b');
    await summaryIs('No suggestion has been shown for this lot in the last 7 days.');
    expect(await text('#nudge-hint')).toMatch(/measure="off".*Do Not Track \/ Global Privacy Control/);
    expect(await page.locator('#nudge-body canvas').count()).toBe(0);
  });

  it.each(['en', 'ja'])('passes axe-core with no violations (%s), the tables open', async (lang) => {
    if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.click('#lang');
    const total = lang === 'ja' ? '28日間で表示 20 回、バス選択 4 回（20 %）' : 'Over 28 days: shown 20 times, bus chosen 4 times (20 %)';
    await page.selectOption('#nudge-lot', 'lot-a');
    await page.selectOption('#nudge-days', '28');
    await summaryIs(total);
    await page.click('#nudge-tables summary');
    expect(await page.evaluate(() => (document.getElementById('nudge-tables') as HTMLDetailsElement).open)).toBe(true);
    const violations = await axeViolationsUnderCsp(page);
    expect(violations).toEqual([]);
  }, 60_000); // axe over the page with both tables open (~350 cells) took 21–24 s at load 30 on the 2 shared cores

  it('speaks Japanese, loads nothing from elsewhere, and reported no CSP violation nor error', async () => {
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');
    expect(await text('#nudge-h')).toBe('バス案内の効果');
    expect(await page.locator('#nudge-levels li').allTextContents()).toEqual(['混雑: 表示 14 回、選択 3 回（21 %）', '満車: 表示 6 回、選択 1 回（17 %）']);
    const origins = await page.evaluate(() => [...new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).origin))]);
    expect(origins).toEqual([new URL(base).origin]);
    expect(problems).toEqual([]);
  });
});
