/**
 * The operators' console (/ops, issue 13 item 3) in Debian's Chromium, against the real broker,
 * ingest and API: a silent gate turns red within its stale window; a calibration through the form
 * changes the count everywhere (REST, live, the console); keyboard path; axe; CSP; the token.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore, embeddedHistory } from '../../storage/index.js';
import { launchChromium } from '../../testkit/chromium.js';
import { waitFor } from '../../testkit/wait.js';
import { axeViolationsUnderCsp, watchProblems } from '../support/page-checks.js';
import { connectClient, counterJson, liveClient, startApi, startBroker, startIngest, testLots } from '../support/stack.js';

const TOKEN = 'test-admin-token-console-01';
const STALE_S = 3;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let base: string;
let context: BrowserContext;
let page: Page;
const gates: Record<string, MqttClient> = {};
const seq: Record<string, number> = { 'gate-a1': 1, 'gate-a2': 1, 'gate-b1': 1 };
let heartbeat: NodeJS.Timeout | null = null;
let problems: string[] = [];

const beat = (id: string, lot: string) => gates[id]!.publishAsync(`parking/v1/${lot}/${id}/counter`, counterJson(1, seq[id]!++, 0, 0), { qos: 1 });

beforeAll(async () => {
  ({ context } = await launchChromium());
  const lots = await testLots({ staleAfterS: STALE_S, capacity: 50 });
  let url: string;
  ({ broker, url } = await startBroker(lots));
  const store = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-console-')) });
  ingest = await startIngest(lots, url, store, undefined, 'console-ingest', { gateIntervalMs: 200 });
  ({ api, base } = await startApi(lots, url, undefined, { adminToken: TOKEN, history: embeddedHistory(store) }));
  for (const id of ['gate-a1', 'gate-a2', 'gate-b1']) gates[id] = await connectClient(url, id);
  await beat('gate-a2', 'lot-a');
  // gate-a1 and gate-b1 keep talking (bounded: stopped in afterAll); gate-a2 only when a test says so
  heartbeat = setInterval(() => void beat('gate-a1', 'lot-a').then(() => beat('gate-b1', 'lot-b')).catch(() => {}), 500);
  page = await context.newPage();
  problems = await watchProblems(page);
});

afterAll(async () => {
  if (heartbeat) clearInterval(heartbeat);
  await context?.close();
  for (const g of Object.values(gates)) g.end(true);
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
});

const rowClass = (lot: string, gate: string) => page.evaluate(([l, g]) => document.querySelector(`[data-lot="${l}"] tr[data-gate="${g}"]`)?.className ?? null, [lot, gate]);
const text = (selector: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector);

async function signIn(remember = false) {
  await page.fill('#token', TOKEN);
  if (remember) await page.check('#remember');
  await page.click('#use-token');
  await waitFor(async () => (await rowClass('lot-b', 'gate-b1')) !== null, { timeoutMs: 10_000, what: 'the gates of lot-b shown' });
}

describe('/ops', () => {
  it('is a page that holds no secret, under the same kind of CSP as the other pages', async () => {
    const res = await page.goto(`${base}/ops?lang=en`);
    expect(res!.status()).toBe(200);
    const csp = res!.headers()['content-security-policy']!;
    expect(csp).toMatch(/default-src 'none'; script-src 'self'; style-src 'sha256-/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(await res!.text()).not.toContain(TOKEN);
    await waitFor(async () => (await text('#lots')).includes('Lot B'), { what: 'the lots listed' });
    expect(await text('#lots')).toMatch(/Sign in to see the gates/);
  });

  it('shows every lot live and, once a token is pasted, its gates (kept in memory only unless asked)', async () => {
    await signIn();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await waitFor(async () => (await text('.conn')) === 'Live', { what: 'the live socket open' });
    expect(await text('[data-lot="lot-b"] .level')).toMatch(/空 Vacant/);
    expect(await rowClass('lot-b', 'gate-b1')).toBe('online');
  });

  it('a silent gate turns red within its stale window, listed first', async () => {
    await beat('gate-a2', 'lot-a');
    const heardAt = Date.now();
    await waitFor(async () => (await rowClass('lot-a', 'gate-a2')) === 'online', { timeoutMs: 5000, what: 'gate-a2 online' });
    await waitFor(async () => (await rowClass('lot-a', 'gate-a2')) === 'silent', { timeoutMs: STALE_S * 1000 + 3000, intervalMs: 50, what: 'gate-a2 red' });
    const after = Date.now() - heardAt;
    expect(after).toBeGreaterThanOrEqual(STALE_S * 1000); // not before its window was over
    const row = await page.evaluate(() => {
      const tr = document.querySelector('[data-lot="lot-a"] tbody tr')!;
      const cell = tr.querySelector('td.state')!;
      return { gate: tr.getAttribute('data-gate'), text: cell.textContent, color: getComputedStyle(cell).color, background: getComputedStyle(cell).backgroundColor };
    });
    expect(row).toEqual({ gate: 'gate-a2', text: 'Silent', color: 'rgb(139, 0, 22)', background: 'rgb(253, 232, 234)' });
    expect(await rowClass('lot-a', 'gate-a1')).toBe('online');
  });

  it('a calibration through the form asks for confirmation, shows the result and changes the count everywhere', async () => {
    const live = await liveClient(`${base.replace('http', 'ws')}/api/v1/live?lots=lot-b`);
    await page.selectOption('#cal-lot', 'lot-b');
    await page.fill('#cal-occupied', '17');
    await page.click('#cal-submit');
    expect(await page.isVisible('#cal-confirm-box')).toBe(true);
    expect(await text('#cal-question')).toBe('Set Lot B to 17 vehicles? (now 0)');
    expect(ingest.ledger.status('lot-b')!.occupied).toBe(0); // nothing happens before the confirmation
    await page.click('#cal-confirm');
    await waitFor(async () => /set to 17/.test(await text('#cal-result')), { timeoutMs: 10_000, what: 'the calibration result' });
    expect(await text('#cal-result')).toBe('Lot B set to 17 (raw count just before: 0).');
    const rest = (await (await fetch(`${base}/api/v1/lots/lot-b`)).json()) as { occupied: number };
    expect(rest.occupied).toBe(17);
    await live.next((m) => m.type === 'status' && m.status.occupied === 17, 'live status with 17');
    live.close();
    await waitFor(async () => (await text('[data-lot="lot-b"] .occupied')) === '17 of 100 occupied', { what: 'the console showing 17' });
  });

  it('the form works from the keyboard alone, and refuses a count over the capacity', async () => {
    await page.focus('#lang');
    let hops = 0;
    while ((await page.evaluate(() => document.activeElement?.id)) !== 'cal-lot' && hops++ < 40) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cal-lot');
    await page.keyboard.press('ArrowUp'); // from Lot B (the last test's) to Lot A
    expect(await page.evaluate(() => (document.activeElement as HTMLSelectElement).value)).toBe('lot-a');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cal-occupied');
    await page.keyboard.type('999');
    await page.keyboard.press('Enter');
    expect(await text('#cal-result')).toBe('Enter a whole number from 0 to 50.');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cal-confirm');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // Cancel
    expect(await text('#cal-result')).toBe('Calibration cancelled.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cal-occupied');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter'); // Set it
    await waitFor(async () => /set to 5/.test(await text('#cal-result')), { timeoutMs: 10_000, what: 'lot-a set to 5' });
    expect(ingest.ledger.status('lot-a')!.occupied).toBe(5);
  });

  it('draws today against the typical day with uPlot, bundled (no other origin)', async () => {
    await waitFor(async () => (await page.locator('#chart canvas').count()) > 0, { what: 'the chart drawn' });
    expect(await text('.legend')).toMatch(/Today.*Typical \w+day \(last 4 weeks\)/);
    expect(await text('#chart-summary')).toMatch(/^Now \d+; typical at this time/);
    expect(await text('#nudge-summary')).toBe('This API does not measure suggestions.'); // no nudge store here: no request that can only 404
    const origins = await page.evaluate(() => [...new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).origin))]);
    expect(origins).toEqual([new URL(base).origin]);
  });

  it.each(['en', 'ja'])('passes axe-core with no violations (%s)', async (lang) => {
    if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.click('#lang');
    await waitFor(async () => (await rowClass('lot-b', 'gate-b1')) !== null, { what: 'gates shown' });
    const violations = await axeViolationsUnderCsp(page);
    expect(violations).toEqual([]);
  });

  it('speaks Japanese', async () => {
    if ((await page.evaluate(() => document.documentElement.lang)) !== 'ja') await page.click('#lang');
    expect(await text('#lots-h')).toBe('駐車場');
    expect(await text('[data-lot="lot-a"] tr[data-gate="gate-a2"] td.state')).toBe('無応答');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('lang');
  });

  it('keeps the token for the tab only when asked, and reported no CSP violation nor error', async () => {
    await page.reload();
    await waitFor(async () => (await page.locator('#token').count()) === 1, { what: 'signed out after a reload' });
    await signIn(true);
    expect(await page.evaluate(() => sessionStorage.getItem('manku-ops-token'))).toBe(TOKEN);
    await page.reload();
    await waitFor(async () => (await rowClass('lot-b', 'gate-b1')) !== null, { what: 'still signed in after a reload' });
    await page.click('#sign-out');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
  });
});
