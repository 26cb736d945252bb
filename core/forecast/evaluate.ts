/**
 * The evaluation protocol (`npm run forecast -- evaluate`, `npm run bench -- forecast`), pure:
 * the last `testDays` local days are the test period; at the start of each test day every lot's
 * model is trained on its data before that moment (as the service refreshes its models), then a
 * forecast is issued at every point of a regular `stepMin` grid of that day that has a current
 * value, for each horizon whose actual value is on the grid. Every method forecasts the same
 * pairs; a pair any method cannot forecast is left out for all. Errors are in percentage points
 * of capacity, of the occupancy rounded to whole vehicles as the service would serve it.
 */
import { FEATURES } from './features.js';
import { freshestPhase, gridOf, percentOf, valueAt, type Sample } from './grid.js';
import type { HolidayCalendar } from './holidays.js';
import { createLocalClock, localDay } from './local-clock.js';
import { DEFAULT_THRESHOLDS } from '../levels.js';
import { bandAt, modelWeights, predictPct, type Weights } from './forecast.js';
import { trainForecaster, type Model } from './train.js';

const DAY_MS = 86_400_000;

const fixed = (w: number[]): ((m: Model) => Weights) => {
  const all = Float64Array.from({ length: FEATURES }, (_, i) => w[i] ?? 0);
  return () => () => all;
};
/** Each method as weights of the same features (features.ts). */
export const METHODS = {
  manku: modelWeights,
  persistence: fixed([]),
  profile: fixed([0, 1]),
  deviation: fixed([0, 0, 1]),
  helsinki: fixed([1]),
} satisfies Record<string, (m: Model) => Weights>;
export type MethodName = keyof typeof METHODS;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

export interface LotSeries {
  lot: string;
  /** Sorted by time; each with its capacity. */
  samples: Sample[];
}

export interface EvaluateOptions {
  timeZone: string;
  holidays: HolidayCalendar;
  testDays: number;
  horizonsMin: number[];
  stepMin: number;
  /** Called with every evaluated pair (for inspection and tests). */
  onPair?: (pair: EvaluatedPair) => void;
}

export interface EvaluatedPair {
  lot: string;
  issuedAtMs: number;
  horizonMin: number;
  actualPct: number;
  /** Per method, the served forecast in percent of capacity. */
  predictedPct: Record<MethodName, number>;
}

export interface MethodResult {
  method: MethodName;
  horizonMin: number;
  maePct: number;
  n: number;
  /** manku only: the share of pairs (percent) whose actual value fell within the forecast's band. */
  bandCoveragePct?: number;
}

export interface Evaluation {
  results: MethodResult[];
  /** Minutes into each step where the grid times sit (freshestPhase). */
  phaseMin: number;
  testFrom: string;
  testTo: string;
  lots: number;
  /** Lot-days with no model (cold start), with the reason. */
  untrained: { lot: string; day: string; reason: string }[];
}

export function evaluate(series: readonly LotSeries[], o: EvaluateOptions): Evaluation {
  const clock = createLocalClock(o.timeZone);
  const lastMs = Math.max(...series.map((s) => s.samples.at(-1)?.timeMs ?? -Infinity));
  const lastDay = localDay(clock.localMs(lastMs));
  const testDays = Array.from({ length: o.testDays }, (_, i) => lastDay - o.testDays + 1 + i);
  const startOf = (day: number) => clock.utcMs(day * DAY_MS);
  const stepMs = o.stepMin * 60_000;
  const phaseMs = freshestPhase(series.map((s) => s.samples), stepMs);
  const sums = new Map<string, { abs: number; n: number }>();
  const covered = new Map<number, number>();
  const key = (m: string, h: number) => `${m}\u0000${h}`;
  const untrained: Evaluation['untrained'] = [];

  for (const { lot, samples } of series) {
    if (samples.length === 0) continue;
    const capacity = samples.at(-1)!.capacity ?? 1;
    const actual = gridOf(samples, stepMs, capacity, undefined, phaseMs);
    const valueOn = (t: number) => valueAt(actual, (t - phaseMs) / stepMs - actual.firstDay * actual.slotsPerDay);
    for (const day of testDays) {
      const from = startOf(day);
      const to = startOf(day + 1);
      const trained = trainForecaster(samples.slice(0, lowerBound(samples, from)), {
        timeZone: o.timeZone, holidays: o.holidays, capacity, thresholds: DEFAULT_THRESHOLDS, stepMin: o.stepMin, maxHorizonMin: Math.max(...o.horizonsMin), phaseMin: phaseMs / 60_000,
      });
      if (!trained.ok) {
        untrained.push({ lot, day: new Date(day * DAY_MS).toISOString().slice(0, 10), reason: trained.reason });
        continue;
      }
      const model = trained.model;
      const weights = METHOD_NAMES.map((m) => [m, METHODS[m](model)] as const);
      for (let t = Math.ceil((from - phaseMs) / stepMs) * stepMs + phaseMs; t < to; t += stepMs) {
        const y = valueOn(t);
        if (Number.isNaN(y)) continue;
        for (const h of o.horizonsMin) {
          const truth = valueOn(t + h * 60_000);
          if (Number.isNaN(truth)) continue;
          const predicted = weights.map(([m, w]) => [m, predictPct(model, w, t, y, (j) => valueOn(t - j * stepMs), h, true)] as const);
          if (predicted.some(([, p]) => typeof p === 'string')) continue;
          const served = {} as Record<MethodName, number>;
          for (const [m, p] of predicted) {
            served[m] = percentOf(Math.round(((p as number) / 100) * capacity), capacity);
            const acc = sums.get(key(m, h)) ?? { abs: 0, n: 0 };
            acc.abs += Math.abs(served[m] - truth);
            acc.n++;
            sums.set(key(m, h), acc);
          }
          const band = bandAt(model, h);
          const p = predicted.find(([m]) => m === 'manku')![1] as number;
          if (truth >= Math.max(0, p + band.lowPct) - 1e-9 && truth <= Math.min(100, p + band.highPct) + 1e-9) covered.set(h, (covered.get(h) ?? 0) + 1);
          o.onPair?.({ lot, issuedAtMs: t, horizonMin: h, actualPct: truth, predictedPct: served });
        }
      }
    }
  }

  const results: MethodResult[] = [];
  for (const method of METHOD_NAMES) {
    for (const h of o.horizonsMin) {
      const acc = sums.get(key(method, h)) ?? { abs: 0, n: 0 };
      const coverage = method === 'manku' && acc.n ? { bandCoveragePct: Number((((covered.get(h) ?? 0) / acc.n) * 100).toFixed(1)) } : {};
      results.push({ method, horizonMin: h, maePct: acc.n ? Number((acc.abs / acc.n).toFixed(3)) : NaN, n: acc.n, ...coverage });
    }
  }
  return {
    results,
    phaseMin: phaseMs / 60_000,
    testFrom: new Date(startOf(testDays[0]!)).toISOString(),
    testTo: new Date(startOf(lastDay + 1)).toISOString(),
    lots: series.length,
    untrained,
  };
}

/** First index with timeMs >= t. */
function lowerBound(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.timeMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
