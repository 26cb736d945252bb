/**
 * The widget in a real headless Chromium (Debian's, driven by playwright-core; never a downloaded
 * browser), embedded by a page on another origin, fed by the real broker, ingest and API.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../testkit/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';
import { connectClient, counterJson, startApi, startBroker, startIngest, testLots } from '../support/stack.js';
import { axeViolations, waitForText, widgetText } from '../support/widget-page.js';

let lots: LotsFile;
let broker: Broker;
let url: string;
let ingest: Ingest;
let api: Api;
let apiBase: string;
let host: Server;
let hostBase: string;
let context: BrowserContext;
let page: Page;
let g1: MqttClient;
let g2: MqttClient;
const seq = [0, 0];
const totals: Array<[number, number]> = [
  [0, 0],
  [0, 0],
];
let heartbeats = true;
let heartbeatTimer: NodeJS.Timeout | null = null;

/** Gate i reports its totals (a pass, or a heartbeat with the same totals). */
async function gate(i: 0 | 1, inCount = totals[i]![0], outCount = totals[i]![1]) {
  seq[i]! += 1;
  totals[i] = [inCount, outCount];
  await [g1, g2][i]!.publishAsync(`parking/v1/lot-a/gate-a${i + 1}/counter`, counterJson(1, seq[i]!, inCount, outCount), { qos: 1 });
}

/** A site stylesheet that overrides everything a widget could inherit or match on its element. */
const HOSTILE_CSS = `* { color: #333; font-family: serif; }
body { font-size: 24px; line-height: 3; text-align: right; letter-spacing: 4px; word-spacing: 10px; text-transform: uppercase;
  font-style: italic; font-weight: 900; white-space: pre; text-indent: 3em; font-variant: small-caps; visibility: visible; direction: rtl; }`;
const THEME_CSS = 'manku-status { --manku-fg: #fff; --manku-bg: #000; --manku-font: monospace; --manku-font-size: 20px; }';
/** Pages on the hospital's origin that differ only in their stylesheet. */
const STYLED_PAGES: Record<string, string> = {
  '/plain': '',
  '/hostile': HOSTILE_CSS,
  '/themed': THEME_CSS,
  '/hostile-themed': `${HOSTILE_CSS}\n${THEME_CSS}`,
};
const TYPOGRAPHY = [
  'color', 'font-family', 'font-size', 'line-height', 'text-align', 'letter-spacing', 'word-spacing', 'text-transform',
  'font-style', 'font-weight', 'white-space', 'text-indent', 'font-variant-caps', 'direction',
] as const;

/** Computed typography of the parts inside the widget's shadow root, and the card's background. */
async function insideStyles(path: string) {
  const p = await context.newPage();
  try {
    await p.goto(`${hostBase}${path}`);
    await waitForText(p, /空き/);
    // At 混 or 満 the page's link becomes a button once the lot's nudge settings have come (a fetch
    // after the first status): compare pages only once it is there.
    await p.waitForFunction(() => {
      const root = document.querySelector('manku-status')!.shadowRoot!;
      return !/crowded|full/.test(root.querySelector('.card')?.className ?? '') || !!root.querySelector('.cta');
    }, undefined, { timeout: 10_000 });
    return await p.evaluate((props) => {
      const root = document.querySelector('manku-status')!.shadowRoot!;
      const parts = Object.fromEntries(
        ['.card', '.name', '.level', '.avail', '.time', '.cta', '.badge'].map((sel) => {
          const el = root.querySelector(sel); // .cta only while crowded or full
          const style = el && getComputedStyle(el);
          return [sel, style && Object.fromEntries(props.map((prop) => [prop, style.getPropertyValue(prop)]))];
        }),
      );
      return { parts, cardBackground: getComputedStyle(root.querySelector('.card')!).backgroundColor };
    }, [...TYPOGRAPHY]);
  } finally {
    await p.close();
  }
}

beforeAll(async () => {
  ({ context } = await launchChromium()); // first: a missing Chromium fails before anything starts
  lots = await testLots({ capacity: 100, staleAfterS: 3 });
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-widget-')) }), undefined, 'widget-ingest');
  ({ api, base: apiBase } = await startApi(lots, url));
  g1 = await connectClient(url, 'gate-a1');
  g2 = await connectClient(url, 'gate-a2');
  await gate(0, 5);
  await gate(1, 0);
  // The lot's stale window is 3 s here: the gates heartbeat every second, as firmware does every minute.
  heartbeatTimer = setInterval(() => {
    if (heartbeats) void gate(0).then(() => gate(1));
  }, 1000);
  // a page on another origin that embeds the widget, as the hospital's site would
  host = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    const styled = STYLED_PAGES[req.url ?? ''];
    if (styled !== undefined) {
      res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Styled</title><style>${styled}</style>
<script src="${apiBase}/widget.js" async></script></head><body><manku-status lot="lot-a" link="https://bus.example.jp/"></manku-status></body></html>`);
      return;
    }
    if (req.url === '/iframe') {
      res.end(`<!doctype html><html lang="en"><title>iframe</title><iframe src="${apiBase}/embed/lot-a?lang=en" title="Car park" width="320" height="160"></iframe>`);
      return;
    }
    res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Hospital</title>
<script src="${apiBase}/widget.js" async></script></head><body><main><h1>病院</h1>
<manku-status id="ja" lot="lot-a" link="https://bus.example.jp/"></manku-status>
<manku-status id="en" lot="lot-a" lang="en"></manku-status></main></body></html>`);
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  hostBase = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  page = await context.newPage();
  await page.goto(hostBase);
});

afterAll(async () => {
  if (heartbeatTimer) clearInterval(heartbeatTimer);
  await context?.close();
  host?.close();
  g1?.end(true);
  g2?.end(true);
  await api?.stop();
  await ingest?.stop();
  await broker?.stop();
});

describe('<manku-status> in Chromium', () => {
  it('renders the current level from another origin, with a text label and spaces free', async () => {
    expect(new URL(hostBase).port).not.toBe(new URL(apiBase).port);
    const text = await waitForText(page, /空.*空車.*空き 95台 \/ 100台/, '#ja');
    expect(text).toMatch(/A 駐車場/);
    expect(text).toMatch(/更新 \d\d:\d\d/);
    expect(text).not.toMatch(/バスで行く/); // the nudge only when crowded or full
  });

  it('changes the glyph when a counter message arrives over MQTT, and shows the nudge', async () => {
    await gate(0, 90);
    // the suggestion also needs the lot's nudge settings (a fetch that may come after the status)
    await waitForText(page, /混.*混雑.*空き 10台.*バスで行く/, '#ja');
    const href = await page.evaluate(() => document.querySelector('#ja')!.shadowRoot!.querySelector('a')!.getAttribute('href'));
    expect(href).toBe('https://bus.example.jp/');
  });

  it('lang="en" renders English', async () => {
    await waitForText(page, /Crowded.*10 of 100 spaces free.*Updated \d\d:\d\d/, '#en');
  });

  it('several widgets on a page share one socket', async () => {
    expect(api.hub.stats().clients).toBe(1);
  });

  it('passes an axe-core scan with no serious or critical violations', async () => {
    expect(await axeViolations(page)).toEqual([]);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/widget.png', fullPage: true });
  });

  it('turns to 情報なし when a gate stops reporting, and back when it reports', async () => {
    heartbeats = false; // the gates fall silent; the lot's stale window is 3 s
    await waitForText(page, /—.*情報なし/, '#ja');
    const text = await widgetText(page, '#ja');
    expect(text).not.toMatch(/空き/); // no numbers presented as truth while unknown
    heartbeats = true;
    await waitForText(page, /混.*混雑/, '#ja');
  });

  it('reconnects after the API restarts and shows the new state', async () => {
    const port = Number(new URL(apiBase).port);
    await api.stop();
    ({ api } = await startApi(lots, url, undefined, { port }));
    await gate(0, 98);
    await gate(1, 0);
    await waitForText(page, /満.*満車.*空き 2台/, '#ja', 20_000);
    expect(api.hub.stats().clients).toBe(1);
  });

  it('an unknown lot whose id contains a known one marks only itself as not found', async () => {
    const p = await context.newPage();
    try {
      await p.goto(hostBase);
      await p.evaluate(() => {
        document.body.insertAdjacentHTML('beforeend', '<manku-status id="old" lot="lot-a-old" lang="en"></manku-status>');
      });
      await waitForText(p, /Car park not found/, '#old');
      // the server's error names lot-a-old; its text contains "lot-a", but the lot-a widgets carry on
      await waitForText(p, /満|混|空/, '#ja');
      expect(await p.evaluate(() => document.querySelector('#ja')!.shadowRoot!.textContent)).not.toMatch(/見つかりません/);
    } finally {
      await p.close();
    }
  });

  it('falls back to polling when the WebSocket cannot connect', async () => {
    // this API refuses the page's Origin for WebSockets; plain GETs (CORS) still work
    const { api: strict, base } = await startApi(lots, url, undefined, { allowedOrigins: ['https://only.example.jp'] });
    try {
      const p = await context.newPage();
      await p.goto(hostBase);
      await p.evaluate((b) => {
        document.body.insertAdjacentHTML('beforeend', `<manku-status id="polled" lot="lot-a" lang="en" api="${b}"></manku-status>`);
      }, base);
      await waitForText(p, /Full|Crowded/, '#polled');
      expect(strict.hub.stats().clients).toBe(0);
      await p.close();
    } finally {
      await strict.stop();
    }
  });

  it('shows 情報なし when its connection has been down longer than the stale window', async () => {
    const { api: doomed, base } = await startApi(lots, url);
    const p = await context.newPage();
    try {
      await p.goto(hostBase);
      await p.evaluate((b) => {
        document.body.insertAdjacentHTML('beforeend', `<manku-status id="cut" lot="lot-a" api="${b}" stale-after="2"></manku-status>`);
      }, base);
      await waitForText(p, /満車|混雑/, '#cut');
      await doomed.stop(); // no WebSocket, no polling answer: the last status ages past 2 s
      await waitForText(p, /—.*情報なし/, '#cut', 15_000);
    } finally {
      await p.close();
    }
  });

  it('the iframe embed works on another site', async () => {
    const p = await context.newPage();
    await p.goto(`${hostBase}/iframe`);
    const frame = p.frameLocator('iframe');
    await frame.locator('manku-status').waitFor();
    const deadline = Date.now() + 15_000;
    let text = '';
    while (Date.now() < deadline && !/Full/.test(text)) {
      text = await p.frames()[1]!.evaluate(() => document.querySelector('manku-status')?.shadowRoot?.querySelector('.card')?.textContent ?? '');
      await p.waitForTimeout(50);
    }
    expect(text).toMatch(/Full/);
    await p.close();
  });

  it("keeps its own typography and colours on a page whose CSS sets them on every element", async () => {
    const plain = await insideStyles('/plain');
    const hostile = await insideStyles('/hostile');
    expect(hostile).toEqual(plain);
    expect(plain.parts['.name']!['font-family']).toMatch(/system-ui/);
  });

  it('still takes the documented custom properties (--manku-fg, --manku-bg, --manku-font, --manku-font-size) under such CSS', async () => {
    const themed = await insideStyles('/themed');
    expect(themed.parts['.card']).toMatchObject({ color: 'rgb(255, 255, 255)', 'font-family': 'monospace', 'font-size': '20px' });
    expect(themed.cardBackground).toBe('rgb(0, 0, 0)');
    expect(await insideStyles('/hostile-themed')).toEqual(themed);
  });

  it('without a lot attribute says so, in the widget (in both languages) and in the console', async () => {
    const p = await context.newPage();
    const errors: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    try {
      await p.goto(hostBase);
      await p.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<manku-status id="nolot"></manku-status>'));
      const text = await waitForText(p, /lot/, '#nolot');
      expect(text).toMatch(/lot 属性/);
      expect(text).toMatch(/attribute "lot" is missing/);
      expect(text).not.toMatch(/読み込み中/);
      await waitFor(() => errors.some((e) => /<manku-status>.*"lot"/.test(e)), { what: 'a console error naming the lot attribute' });
      // setting it later makes the widget work
      await p.evaluate(() => document.querySelector('#nolot')!.setAttribute('lot', 'lot-a'));
      await waitForText(p, /空き/, '#nolot');
    } finally {
      await p.close();
    }
  });
});
