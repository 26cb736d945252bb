/**
 * Lighthouse (mobile preset: simulated slow 4G and 4× CPU throttling) on a page, in Debian's
 * Chromium (CHROME_PATH, never a downloaded browser): what widget.js costs the main thread, the
 * Performance score and what the page logged to the console.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM } from '../../testkit/chromium.js';
import { widgetBreakdown, type WidgetBreakdown } from './tasks.js';

export interface LighthouseRun {
  performance: number;
  /** bootup-time for widget.js: script evaluation, and parse + compile, in ms (throttled). */
  widgetScriptingMs: number;
  widgetParseMs: number;
  widgetTotalMs: number;
  /**
   * The same script work from the trace's thread CPU time (tdur) × 4, the multiplier Lighthouse
   * applies: wall-clock figures grow with whatever else the machine runs, CPU time much less.
   */
  widgetCpuMs: number;
  /** The run's trace broken down as bootup-time does (unthrottled ms: scripting × 4 = widgetScriptingMs). */
  widgetTasks: WidgetBreakdown;
  consoleErrors: string[];
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  tid: number;
  args?: { data?: { url?: string } };
}

const SCRIPT_EVENTS = new Set(['EvaluateScript', 'v8.compile', 'v8.compileModule', 'FunctionCall', 'v8.produceCache']);

/** CPU ms of widget.js's script events, outermost only (a FunctionCall inside an EvaluateScript is counted once). */
export function widgetCpuTime(events: TraceEvent[], multiplier: number, script = '/widget.js'): number {
  const mine = events
    .filter((e) => e.ph === 'X' && SCRIPT_EVENTS.has(e.name) && e.args?.data?.url?.includes(script))
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  let cpuUs = 0;
  const openUntil = new Map<number, number>(); // per thread: end of the outermost counted event
  for (const e of mine) {
    if (e.ts < (openUntil.get(e.tid) ?? -Infinity)) continue;
    openUntil.set(e.tid, e.ts + (e.dur ?? 0));
    cpuUs += e.tdur ?? e.dur ?? 0;
  }
  return (cpuUs / 1000) * multiplier;
}

interface BootupItem {
  url: string;
  total: number;
  scripting: number;
  scriptParseCompile: number;
}

/** `script`: the part of the URL that names the script to report (widget.js, or the bench's floor script). */
export async function runLighthouse(url: string, script = '/widget.js'): Promise<LighthouseRun> {
  const profile = mkdtempSync(join(tmpdir(), 'manku-lighthouse-'));
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH ?? CHROMIUM,
    userDataDir: profile,
    chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // bootup-time leaves out scripts under 50 ms by default: list the script whatever it costs.
    const config = { extends: 'lighthouse:default', audits: [{ path: 'bootup-time', options: { thresholdInMs: 0 } }] };
    const flags = { port: chrome.port, output: 'json' as const, logLevel: 'error' as const, onlyCategories: ['performance', 'best-practices'] };
    const result = await lighthouse(url, flags, config);
    const lhr = result!.lhr;
    const items = (lhr.audits['bootup-time']?.details as { items?: BootupItem[] } | undefined)?.items ?? [];
    const widget = items.find((i) => i.url.includes(script));
    const errors = (lhr.audits['errors-in-console']?.details as { items?: Array<{ description?: string; sourceLocation?: { url?: string } }> } | undefined)?.items ?? [];
    return {
      performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
      widgetScriptingMs: widget?.scripting ?? 0,
      widgetParseMs: widget?.scriptParseCompile ?? 0,
      widgetTotalMs: widget?.total ?? 0,
      widgetCpuMs: widgetCpuTime(result!.artifacts.Trace.traceEvents as unknown as TraceEvent[], lhr.configSettings.throttling.cpuSlowdownMultiplier ?? 4, script),
      widgetTasks: widgetBreakdown(result!.artifacts.Trace.traceEvents as unknown[], script),
      consoleErrors: errors.map((e) => `${e.description ?? ''} ${e.sourceLocation?.url ?? ''}`.trim()),
    };
  } finally {
    chrome.kill();
    rmSync(profile, { recursive: true, force: true });
  }
}
