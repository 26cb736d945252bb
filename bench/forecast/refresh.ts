/**
 * How much a forecast refresh of many lots holds up the API's event loop (issue 11: training runs
 * on the API's loop; the models yield between lots). The real model scheduler
 * (api/forecast-models.ts) trains `lots` lots, each on 91 days of 15-minute history served from
 * memory by a HistorySource (so the figure is the forecaster's and the scheduler's, not a store's),
 * while a 10 ms ticker and perf_hooks' event-loop delay histogram watch the loop.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createForecastModels } from '../../api/forecast-models.js';
import { LotConfig, type HistoryPoint } from '../../core/index.js';
import type { HistorySource } from '../../storage/index.js';
import { occupancyWeeks } from '../../testkit/occupancy-weeks.js';

export interface RefreshBenchOptions {
  lots: number;
  /** Distinct histories (lot i gets history i mod seeds), to bound the memory the bench holds. */
  seeds: number;
}

const STEP_MS = 15 * 60_000;
const CAPACITY = 400;
/** A valid scrypt hash (the demo lot's); no sensor connects in this bench. */
const DEMO_HASH = 'scrypt$16384$8$1$hwCa51+d3BMTatpoC+yPvw==$od7ZgGKcpSRrcPDNamRKUwe6WF+f+5eppQmzxOAwJRo=';
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

function storedHistories(seeds: number, toMs: number): HistoryPoint[][] {
  return Array.from({ length: seeds }, (_, seed) =>
    occupancyWeeks({ timeZone: 'Asia/Tokyo', holidays: 'JP', from: new Date(toMs - 91 * 86_400_000).toISOString().slice(0, 10), days: 91, stepMin: 15, capacity: CAPACITY, seed: seed + 1 })
      .filter((s) => s.timeMs + STEP_MS <= toMs)
      .map((s) => ({ t: new Date(s.timeMs - STEP_MS + 1).toISOString(), occupied: s.occupied, available: CAPACITY - s.occupied, level: 'vacant' as const })),
  );
}

export async function refreshBench(o: RefreshBenchOptions) {
  const nowMs = Date.parse('2026-11-26T00:00:00Z');
  const histories = storedHistories(o.seeds, nowMs);
  const index = new Map<string, number>();
  const lots = Array.from({ length: o.lots }, (_, i) => {
    index.set(`lot-${i}`, i % o.seeds);
    return LotConfig.parse({ id: `lot-${i}`, name: { ja: `駐車場 ${i}`, en: `Lot ${i}` }, capacity: CAPACITY, timeZone: 'Asia/Tokyo', sensors: [{ id: `gate-${i}`, passwordHash: DEMO_HASH }] });
  });
  const history: HistorySource = { kind: 'embedded', history: async (lotId) => histories[index.get(lotId)!]! };
  const models = createForecastModels({ lots, history, clock: { now: () => nowMs } });

  const idle = await tickerGaps(3000); // the same ticker with nothing to do: what the shared machine alone costs
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let maxGapMs = 0;
  const gaps: number[] = [];
  const ticker = setInterval(() => {
    const t = performance.now();
    gaps.push(t - last);
    maxGapMs = Math.max(maxGapMs, t - last);
    last = t;
  }, 10);
  delay.enable();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await models.refreshAll();
  const wallMs = performance.now() - t0;
  const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
  delay.disable();
  clearInterval(ticker);
  const stats = models.stats();
  if (stats.ready !== o.lots) throw new Error(`expected ${o.lots} ready models, got ${JSON.stringify(stats)}`);
  gaps.sort((a, b) => a - b);
  const result = {
    lots: o.lots,
    readingsPerLot: histories[0]!.length,
    wallS: round(wallMs / 1000, 2),
    cpuMsPerLot: round(cpuMs / o.lots),
    loopDelayMs: { p50: round(delay.percentile(50) / 1e6), p99: round(delay.percentile(99) / 1e6), max: round(delay.max / 1e6) },
    tickerGapMs: { p50: round(gaps[gaps.length >> 1] ?? NaN), p99: round(gaps[Math.floor(gaps.length * 0.99)] ?? NaN), max: round(maxGapMs) },
    idleTickerGapMs: idle,
  };
  console.log(
    `refresh of ${o.lots} lots (91 days of 15-min history each, from memory): ${result.wallS} s wall, ${result.cpuMsPerLot} ms CPU per lot; ` +
      `event-loop delay p50 ${result.loopDelayMs.p50} ms, p99 ${result.loopDelayMs.p99} ms, max ${result.loopDelayMs.max} ms; 10 ms ticker gaps p99 ${result.tickerGapMs.p99} ms, max ${result.tickerGapMs.max} ms ` +
      `(idle, no refresh: p99 ${idle.p99} ms, max ${idle.max} ms)`,
  );
  return result;
}

/** Gaps between the ticks of a 10 ms interval over `ms`, with nothing else running. */
async function tickerGaps(ms: number) {
  const gaps: number[] = [];
  let last = performance.now();
  const ticker = setInterval(() => {
    const t = performance.now();
    gaps.push(t - last);
    last = t;
  }, 10);
  await new Promise((resolve) => setTimeout(resolve, ms));
  clearInterval(ticker);
  gaps.sort((a, b) => a - b);
  return { p50: round(gaps[gaps.length >> 1] ?? NaN), p99: round(gaps[Math.floor(gaps.length * 0.99)] ?? NaN), max: round(gaps.at(-1) ?? NaN) };
}
