/**
 * A forecast from a trained model and the lot's current state: for each horizon, the occupancy,
 * its band (the p10–p90 of the training residuals at that horizon) and the level the lot's
 * thresholds give, with the same hysteresis as the live level, starting from the current one.
 */
import { nextLevel, type KnownLevel } from '../levels.js';
import { createIssue, FEATURES, featuresAt, prepareIssue } from './features.js';
import { percentOf } from './grid.js';
import type { Model } from './train.js';

export { TODAY_MIN, todaySteps } from './features.js';

/** Fewest days of the target's type at the target time of day the profile must have seen. */
export const MIN_DAYS_AT_SLOT = 2;

export interface Current {
  occupied: number;
  /** The live level now (for hysteresis); computed from `occupied` when absent. */
  level?: KnownLevel | null;
  /**
   * The lot's occupancy 1, 2, … model steps (options.stepMin) before now, as far as known (index 0:
   * one step ago; null where unknown): today's movement and how today compares with the usual day
   * sharpen the forecast. Up to TODAY_MIN minutes are used; without them those features are 0, as in
   * training when today has no earlier value.
   */
  occupiedBefore?: readonly (number | null)[];
}

export interface ForecastPoint {
  /** ISO 8601 time the point is for. */
  at: string;
  horizonMin: number;
  occupied: number;
  available: number;
  level: KnownLevel;
  /** Band: 80 % of past forecasts at this horizon ended within [low, high] vehicles. */
  low: number;
  high: number;
}

export interface Forecast {
  points: ForecastPoint[];
  /** Horizons with no forecast, and why (never a made-up number). */
  skipped: { horizonMin: number; reason: string }[];
}

/** Weights of the features per k: the fitted model, or a fixed method (a baseline). */
export type Weights = (k: number) => ArrayLike<number> | null;

/**
 * The forecast occupancy in percent of capacity `horizonMin` after `nowMs`, from the current value
 * `y` (percent), interpolated between whole grid steps; a reason string when there is none.
 * `before(j)`: the value j grid steps before now in percent (NaN if unknown).
 */
export function predictPct(model: Model, weights: Weights, nowMs: number, y: number, before: (j: number) => number, horizonMin: number, requireRecent = false): number | string {
  const { stepMs, profile } = model;
  const S = profile.grid.slotsPerDay;
  const local = model.clock.localMs(nowMs) - profile.grid.phaseMs;
  const index = Math.floor(local / stepMs);
  const day = Math.floor(index / S);
  const slot = index - day * S;
  // The current value stands at the grid time just before now; the target is exactly now + horizon.
  const k = (local + horizonMin * 60_000) / stepMs - index;
  const k0 = Math.floor(k);
  const issue = createIssue();
  if (!prepareIssue(profile, day, model.typeOf(day), slot, y, before, issue)) return 'no history at this time of day for this day of the week';
  const x = new Float64Array(FEATURES);
  const at = (kk: number): number | string => {
    if (kk === 0) return y;
    const w = weights(kk);
    if (!w) return `no training pairs ${kk * model.options.stepMin} min apart`;
    const quality = featuresAt(profile, issue, kk, model.typeOf(day + Math.floor((slot + kk) / S)), x);
    if (!quality) return 'no history at this time of day for this day of the week';
    if (requireRecent && quality !== 'full') return 'no recent day of this kind with data at these times';
    let change = 0;
    for (let a = 0; a < FEATURES; a++) change += w[a]! * x[a]!;
    return y + change;
  };
  const a = at(k0);
  if (typeof a === 'string' || k === k0) return a;
  const b = at(k0 + 1);
  if (typeof b === 'string') return b;
  return a + (b - a) * (k - k0);
}

/** The fitted model's weights. */
export const modelWeights = (model: Model): Weights => (k) => model.weights[k] ?? null;

/**
 * @example forecast(model, Date.now(), { occupied: 150, level: 'vacant' }, [30, 60])
 *   // { points: [{ at, horizonMin: 30, occupied: 171, available: 29, level: 'crowded', low: 160, high: 182 }, …], skipped: [] }
 */
export function forecast(model: Model, nowMs: number, current: Current, horizonsMin: readonly number[]): Forecast {
  const { capacity, thresholds, maxHorizonMin } = model.options;
  const y = percentOf(current.occupied, capacity);
  const earlier = current.occupiedBefore ?? [];
  const before = (j: number) => (earlier[j - 1] == null ? NaN : percentOf(earlier[j - 1]!, capacity));
  const out: Forecast = { points: [], skipped: [] };
  let level = current.level ?? nextLevel(null, y, thresholds);
  for (const h of [...horizonsMin].sort((a, b) => a - b)) {
    const reason = horizonProblem(model, nowMs, h, maxHorizonMin);
    const pct = reason ?? predictPct(model, modelWeights(model), nowMs, y, before, h);
    if (typeof pct === 'string') {
      out.skipped.push({ horizonMin: h, reason: pct });
      continue;
    }
    const point = clampPct(pct);
    const { lowPct, highPct } = bandAt(model, h);
    const occupied = Math.round((point / 100) * capacity);
    level = nextLevel(level, (occupied / capacity) * 100, thresholds);
    out.points.push({
      at: new Date(nowMs + h * 60_000).toISOString(),
      horizonMin: h,
      occupied,
      available: capacity - occupied,
      level,
      low: Math.min(occupied, Math.round((clampPct(point + lowPct) / 100) * capacity)),
      high: Math.max(occupied, Math.round((clampPct(point + highPct) / 100) * capacity)),
    });
  }
  return out;
}

function horizonProblem(model: Model, nowMs: number, h: number, maxHorizonMin: number): string | null {
  if (!(h > 0 && h <= maxHorizonMin)) return `horizon must be from 1 to ${maxHorizonMin} minutes`;
  const { profile, clock, stepMs } = model;
  const S = profile.grid.slotsPerDay;
  const index = Math.floor((clock.localMs(nowMs + h * 60_000) - profile.grid.phaseMs) / stepMs);
  const day = Math.floor(index / S);
  const n = profile.count[model.typeOf(day) * S + (index - day * S)]!;
  return n < MIN_DAYS_AT_SLOT ? `only ${n} past day(s) of this kind at this time of day; a forecast needs ${MIN_DAYS_AT_SLOT}` : null;
}

/** The band at a horizon in percentage points, interpolated between grid steps. */
export function bandAt(model: Model, h: number): { lowPct: number; highPct: number } {
  const k = (h * 60_000) / model.stepMs;
  const k0 = Math.min(Math.floor(k), model.low.length - 2);
  const f = k - k0;
  const lerp = (arr: Float64Array) => arr[k0]! + (arr[k0 + 1]! - arr[k0]!) * f;
  return { lowPct: lerp(model.low), highPct: lerp(model.high) };
}

const clampPct = (p: number) => Math.min(100, Math.max(0, p));
