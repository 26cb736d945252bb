/**
 * Drill: the lot driven to 満, `clients` ws clients and one real widget in Chromium watching it,
 * then the API (`manku api`, its own process) SIGKILLed and started again on the same port. Every
 * client must reconnect and resubscribe by itself, and none may ever be shown 空 (or 混) while
 * the truth is 満. After the restart one car leaves (still 満): every client must show that count,
 * which proves it is live again.
 */
import type { Page } from 'playwright-core';
import { launchChromium } from '../chromium.js';
import { startManku, type MankuProcess } from '../manku-process.js';
import { freePort, waitFor } from '../wait.js';
import { createGates } from './gates.js';
import { createLiveClients } from './live-clients.js';
import { createSite } from './site.js';

export interface ApiRestartOptions {
  dir: string;
  clients: number;
  seed: number;
  /** Capacity of the one lot (2 gates). */
  capacity?: number;
  log?: (line: string) => void;
}

/** Wraps the page's WebSocket so the drill can count the widget's connections. */
const COUNT_SOCKETS = `(() => {
  const Native = window.WebSocket;
  window.__opens = 0;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); this.addEventListener('open', () => (window.__opens += 1)); }
  };
})();`;

/** Records every level the widget's card shows (its class), with the time. */
const RECORD_LEVELS = `(() => {
  const root = document.querySelector('manku-status').shadowRoot;
  window.__levels = [];
  const note = () => {
    const card = root.querySelector('.card');
    const level = card && ['vacant', 'crowded', 'full', 'unknown'].find((l) => card.classList.contains(l));
    const text = root.querySelector('.avail')?.textContent ?? '';
    const last = window.__levels.at(-1);
    if (level && (!last || last.level !== level || last.text !== text)) window.__levels.push({ at: Date.now(), level, text });
  };
  new MutationObserver(note).observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  note();
})();`;

type WidgetLevel = { at: number; level: string; text: string };
const widgetState = (page: Page) =>
  page.evaluate(() => ({ opens: (window as unknown as { __opens: number }).__opens, levels: (window as unknown as { __levels: WidgetLevel[] }).__levels }));

export async function apiRestartDrill(o: ApiRestartOptions) {
  const log = o.log ?? (() => {});
  const capacity = o.capacity ?? 20;
  const site = await createSite(o.dir, { lots: 1, gatesPerLot: 2, capacity });
  const lotId = site.lotIds[0]!;
  const port = await freePort();
  const env = { ...site.env, PORT: String(port), WS_MAX_CLIENTS_PER_ADDRESS: '0' }; // every drill client is 127.0.0.1
  const base = `http://127.0.0.1:${port}`;
  const procs: MankuProcess[] = [];
  const start = (role: 'broker' | 'ingest' | 'api') => {
    const p = startManku(role, env);
    procs.push(p);
    return p;
  };
  // started together: ingest and the API retry until the broker listens
  const broker = start('broker');
  let api = start('api');
  await Promise.all([broker.ready(), start('ingest').ready(), api.ready()]).catch(async (err: unknown) => {
    for (const p of procs) await p.kill('SIGKILL');
    throw err;
  });
  const gates = createGates({ url: site.mqttUrl, sensors: site.sensors, seed: o.seed, capacity, fill: 1 });
  const clients = createLiveClients({ wsUrl: `${base.replace('http', 'ws')}/api/v1/live`, lotId, count: o.clients, seed: o.seed });
  const { context } = await launchChromium('manku-drill-chromium-');
  let heartbeat: NodeJS.Timeout | undefined;
  const restStatus = async () => (await (await fetch(`${base}/api/v1/lots/${lotId}`)).json()) as { level: string; occupied: number };
  try {
    await gates.start();
    while (gates.truth(lotId) < capacity) gates.step();
    await waitFor(async () => (await restStatus()).occupied === capacity, { timeoutMs: 30_000, what: 'the lot to be full' });
    heartbeat = setInterval(() => gates.heartbeatAll(), 1000); // the gates stay fresh; the truth stays 満
    clients.open();
    const page = await context.newPage();
    await page.addInitScript(COUNT_SOCKETS);
    await page.goto(`${base}/embed/${lotId}`);
    await waitFor(async () => (await page.evaluate(() => document.querySelector('manku-status')?.shadowRoot?.querySelector('.card.full') != null)), {
      timeoutMs: 30_000,
      what: 'the widget to show 満',
    });
    await page.evaluate(RECORD_LEVELS);
    await waitFor(() => clients.seen.every((s) => s.some((x) => x.level === 'full')), { timeoutMs: 60_000, what: `all ${o.clients} clients to show 満` });

    const killedAt = Date.now();
    await api.kill('SIGKILL');
    api = start('api');
    await api.ready();
    const restartMs = Date.now() - killedAt;
    // one car leaves: still 満 (95 % of capacity), and a count every client must come to show
    const leaveAt = Date.now();
    gates.step();
    const expected = gates.truth(lotId);
    await waitFor(() => clients.seen.every((s) => s.some((x) => x.at >= leaveAt && x.occupied === expected)), {
      timeoutMs: 60_000,
      what: `all ${o.clients} ws clients to show ${expected} after the restart`,
    });
    // the widget polls REST while its socket is down, and reconnects with backoff (up to 30 s)
    await waitFor(async () => {
      const w = await widgetState(page);
      return w.opens >= 2 && w.levels.some((l) => l.at >= leaveAt && l.text.includes(String(capacity - expected)));
    }, { timeoutMs: 90_000, intervalMs: 100, what: 'the widget to reconnect and show the count after the restart' });
    const widgetBackMs = Date.now() - killedAt;
    const widget = await widgetState(page);
    const afterKill = clients.seen.map((s) => s.filter((x) => x.at >= killedAt));
    const firstBack = afterKill.map((s) => s[0]!.at - killedAt).sort((a, b) => a - b);
    const levels = (list: Array<{ level: string }>) => Object.fromEntries(['vacant', 'crowded', 'full', 'unknown'].map((l) => [l, list.filter((x) => x.level === l).length]));
    const result = {
      clients: o.clients,
      capacity,
      truthOccupied: expected,
      apiRestartMs: restartMs,
      /** Kill until each ws client had a status again (the snapshot on resubscribe). */
      wsBackMs: { p50: firstBack[Math.floor(firstBack.length / 2)]!, max: firstBack.at(-1)! },
      wsReconnects: clients.opens.reduce((a, n) => a + n - 1, 0),
      /** Every status every ws client received, over the whole drill, by level. */
      wsLevelsSeen: levels(clients.seen.flat()),
      widget: { socketOpens: widget.opens, backMs: widgetBackMs, levelsSeen: levels(widget.levels), shownAfterMs: widget.levels.filter((l) => l.at >= killedAt).map((l) => ({ afterMs: l.at - killedAt, level: l.level, text: l.text })) },
    };
    const wrong = result.wsLevelsSeen.vacant! + result.wsLevelsSeen.crowded! + result.widget.levelsSeen.vacant! + result.widget.levelsSeen.crowded!;
    log(
      `API restart: listening again after ${restartMs} ms; ${o.clients} ws clients back after p50 ${result.wsBackMs.p50} ms, max ${result.wsBackMs.max} ms; ` +
        `widget sockets opened ${widget.opens}; statuses shown 空 or 混 while the truth was 満: ${wrong}`,
    );
    return { ...result, shownNotFullWhileFull: wrong };
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    clients.close();
    await context.close().catch(() => {});
    await gates.stop();
    for (const p of procs.reverse()) await p.kill('SIGKILL');
  }
}
