/**
 * Fresh loads of a page in Chromium, traced over CDP with Lighthouse's trace categories, each
 * broken down as bootup-time would (tasks.ts); optionally a CPU profile of more loads, to see which
 * functions (and which browser APIs they call) the script's own time goes to. Cheaper than a
 * Lighthouse run, so a change can be measured over many loads.
 */
import type { BrowserContext } from 'playwright-core';
import { widgetBreakdown, type WidgetBreakdown } from './tasks.js';

/** Lighthouse 12's default trace categories (core/gather/gatherers/trace.js) without screenshots. */
const CATEGORIES = [
  '-*',
  'disabled-by-default-lighthouse',
  'loading',
  'v8',
  'v8.execute',
  'blink.user_timing',
  'blink.console',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.stack',
  'disabled-by-default-devtools.timeline.frame',
  'latencyInfo',
];

/** After the first painted status, the page is left to run this long (sockets, timers) before the trace ends. */
const SETTLE_MS = 1500;

async function openAndSettle(context: BrowserContext, url: string, during: (cdp: Awaited<ReturnType<BrowserContext['newCDPSession']>>) => Promise<void>) {
  const page = await context.newPage();
  // Start on the same site, so the traced navigation stays in one renderer and has its navigationStart.
  await page.goto(new URL('/api/v1/lots', url).href);
  const cdp = await context.newCDPSession(page);
  await during(cdp);
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('manku:first-status-paint').length > 0, undefined, { timeout: 15_000 });
  await page.waitForTimeout(SETTLE_MS);
  return { page, cdp };
}

export async function traceLoads(context: BrowserContext, url: string, loads: number): Promise<WidgetBreakdown[]> {
  const out: WidgetBreakdown[] = [];
  for (let i = 0; i < loads; i++) {
    const events: unknown[] = [];
    const { page, cdp } = await openAndSettle(context, url, async (cdp) => {
      cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
      await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: CATEGORIES } });
    });
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await complete;
    await page.close();
    out.push(widgetBreakdown(events));
  }
  return out;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/**
 * Self time (ms, summed over the loads) per widget.js function, and per browser function called
 * from widget.js code ("fetch < x"), from a CPU profile sampled every `intervalUs`.
 */
export async function profileLoads(context: BrowserContext, url: string, loads: number, intervalUs = 100): Promise<Array<{ fn: string; ms: number }>> {
  const self = new Map<string, number>();
  for (let i = 0; i < loads; i++) {
    const { page, cdp } = await openAndSettle(context, url, async (cdp) => {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
      await cdp.send('Profiler.start');
    });
    const { profile } = await cdp.send('Profiler.stop');
    await page.close();
    const nodes = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n as ProfileNode]));
    const parent = new Map<number, number>();
    for (const n of nodes.values()) for (const c of n.children ?? []) parent.set(c, n.id);
    const name = (n: ProfileNode) => `${n.callFrame.functionName || '(top level)'}@${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let s = 0; s < samples.length; s++) {
      const node = nodes.get(samples[s]!)!;
      // The nearest widget.js frame at or above the sample: its own code, or the API it called.
      let at: ProfileNode | undefined = node;
      while (at && !at.callFrame.url.includes('/widget.js')) at = nodes.get(parent.get(at.id) ?? -1);
      if (!at) continue;
      const key = at === node ? name(at) : `${node.callFrame.functionName || node.callFrame.url || '(native)'} < ${name(at)}`;
      self.set(key, (self.get(key) ?? 0) + (deltas[s + 1] ?? 0) / 1000);
    }
  }
  return [...self].map(([fn, ms]) => ({ fn, ms: Math.round((ms / loads) * 100) / 100 })).sort((a, b) => b.ms - a.ms);
}
