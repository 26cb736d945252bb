/**
 * Training a lot's forecaster from its occupancy history. Walk-forward: the pairs (value now,
 * value k slots later) of each day are described by what was known before that day, the weights
 * of the features are fitted per horizon on those pairs, and the residuals of the same pairs give
 * the band. Pure: the history and the options are all it sees.
 */
import type { Thresholds } from '../levels.js';
import { dayTypeOf } from './calendar.js';
import { createIssue, FEATURES, featuresAt, prepareIssue } from './features.js';
import { fitAbsolute, quantile } from './fit.js';
import { gridOf, valueAt, type Grid, type Sample } from './grid.js';
import type { HolidayCalendar } from './holidays.js';
import { createLocalClock, type LocalClock } from './local-clock.js';
import { addDay, emptyProfile, RECENT_DAYS, type Profile } from './profile.js';


export interface ForecasterOptions {
  /** The lot's IANA time zone: the profile follows its local time across DST changes. */
  timeZone: string;
  /** Whose national holidays count as Sundays. */
  holidays: HolidayCalendar;
  capacity: number;
  thresholds: Thresholds;
  /** Grid step of the model in minutes (divides a day). Default 15. */
  stepMin?: number;
  /** Longest horizon asked for, in minutes. Default 180. */
  maxHorizonMin?: number;
  /** Grid times sit this many minutes into each step (0..stepMin−1). Default 0. */
  phaseMin?: number;
}

/**
 * Cold start: below this no model is trained. Two weeks of days with data give every weekday a
 * second sample (a profile that is an average, not a copy of one day) and a first week whose
 * "recent change" is known, so the weights are fitted on a whole week of real pairs.
 */
export const MIN_HISTORY_DAYS = 14;
/** A day counts towards the minimum when the grid has at least this many hours of values in it. */
export const MIN_HOURS_PER_DAY = 2;
/**
 * The weights are fitted on the pairs of the last 12 weeks only (and at most FIT_ISSUES issue
 * times of them), so training time stays bounded however long the history (the profile uses it all).
 */
const FIT_DAYS = 84;
/**
 * At most about this many issue times per fit, evenly spaced (neighbouring ones say nearly the same).
 * 1,536 since the fit has 9 features (2,048 with 7): its cost grows with the square of the features,
 * so training costs what it did (Birmingham, ≤ 1,512 values a lot in 12 weeks, is unchanged; the
 * simulator's weeks: 60 min 1.788 instead of 1.776).
 */
const FIT_ISSUES = 1536;
/**
 * A pair's weight in the fit halves every this many days back from the end of the history: the
 * latest weeks look most like the coming ones (Birmingham's weeks before Christmas: 1.198 / 1.825
 * at 30 / 60 min with equal weights, 1.193 / 1.817 with four weeks; not tuned further).
 */
const HALF_LIFE_DAYS = 28;
/** Weights are fitted for every horizon up to this many steps, then for every second one (and the last). */
const FIT_EVERY_FROM = 4;

export interface Model {
  readonly options: Required<ForecasterOptions>;
  readonly clock: LocalClock;
  readonly stepMs: number;
  /** Long-run profile and the last RECENT_DAYS days of each type (grid trimmed to them). */
  readonly profile: Profile;
  /** Per k slots ahead (index 0 unused): fitted weights of the features, null when no pair was seen. */
  readonly weights: readonly (Float64Array | null)[];
  /** Per k: p10 and p90 of actual − forecast on the training pairs (percentage points), and the MAE. */
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly maePct: Float64Array;
  readonly trainedFromMs: number;
  readonly trainedToMs: number;
  /** Day number -> day type, with the lot's holidays. */
  typeOf(day: number): number;
}

export type TrainResult = { ok: true; model: Model } | { ok: false; reason: string };

/**
 * @param history the lot's observations, sorted by time
 * @example const r = trainForecaster(samples, { timeZone: 'Asia/Tokyo', holidays: 'JP', capacity: 200, thresholds: DEFAULT_THRESHOLDS });
 *          if (r.ok) forecast(r.model, Date.now(), { occupied: 120 }, [30, 60]);
 */
export function trainForecaster(history: readonly Sample[], options: ForecasterOptions): TrainResult {
  const steps = trainingSteps(history, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same training in small steps: it pauses (yields) after the grid, after each day of history
 * fitted on, and after each fitted horizon's weights and band — a few milliseconds of work each
 * once compiled — so a caller on a server's event loop can let other work run between them
 * (api/forecast-models.ts). trainForecaster runs it straight through.
 */
export function* trainingSteps(history: readonly Sample[], options: ForecasterOptions): Generator<void, TrainResult, void> {
  const o: Required<ForecasterOptions> = { stepMin: 15, maxHorizonMin: 180, phaseMin: 0, ...options };
  if (!Number.isInteger(o.stepMin) || o.stepMin < 1 || 1440 % o.stepMin !== 0) throw new RangeError(`stepMin must divide a day (1440 min), not ${o.stepMin}`);
  if (!(o.capacity > 0)) throw new RangeError(`capacity must be positive, not ${o.capacity}`);
  for (let i = 1; i < history.length; i++) if (history[i]!.timeMs < history[i - 1]!.timeMs) throw new RangeError('history must be sorted by time');

  const stepMs = o.stepMin * 60_000;
  const clock = createLocalClock(o.timeZone);
  const grid = gridOf(history, stepMs, o.capacity, clock.localMs, o.phaseMin * 60_000);
  const types = new Map<number, number>();
  const typeOf = (day: number) => types.get(day) ?? (types.set(day, dayTypeOf(day, o.holidays)), types.get(day)!);

  const daysWithData = countDaysWithData(grid, (MIN_HOURS_PER_DAY * 3_600_000) / stepMs);
  if (daysWithData < MIN_HISTORY_DAYS) {
    return { ok: false, reason: `not enough history: ${daysWithData} days with data (at least ${MIN_HOURS_PER_DAY} h each); a forecast needs ${MIN_HISTORY_DAYS}` };
  }

  yield; // the grid was a step of its own
  const K = Math.ceil(o.maxHorizonMin / o.stepMin) + 1;
  const profile = emptyProfile(grid);
  const fitFrom = Math.max(0, grid.days - FIT_DAYS);
  const room = countValues(grid, fitFrom);
  const stride = Math.ceil(room / FIT_ISSUES);
  let seen = 0;
  const issues = Math.ceil(room / stride);
  const fitted = (k: number) => k > 0 && (k <= FIT_EVERY_FROM || k % 2 === 0 || k === K);
  const pairs = Array.from({ length: K + 1 }, (_, k) => {
    const n = fitted(k) ? issues : 0;
    return { x: new Float64Array(n * FEATURES), y: new Float64Array(n), w: new Float64Array(n), n: 0 };
  });
  const S = grid.slotsPerDay;
  const issue = createIssue();
  const rowTypes = Array.from({ length: grid.days + 2 }, (_, d) => typeOf(grid.firstDay + d));
  for (let d = 0; d < grid.days; d++) {
    const day = grid.firstDay + d;
    const recency = Math.pow(0.5, (grid.days - 1 - d) / HALF_LIFE_DAYS);
    for (let s = 0; s < S && d >= fitFrom; s++) {
      const y = grid.pct[d * S + s]!;
      if (Number.isNaN(y) || seen++ % stride !== 0 || !prepareIssue(profile, day, rowTypes[d]!, s, y, (j) => valueAt(grid, d * S + s - j), issue)) continue;
      for (let k = 1; k <= K; k++) {
        const target = valueAt(grid, d * S + s + k);
        if (Number.isNaN(target) || !fitted(k)) continue;
        const pk = pairs[k]!;
        if (featuresAt(profile, issue, k, rowTypes[d + Math.floor((s + k) / S)]!, pk.x, pk.n * FEATURES) !== 'full') continue;
        pk.y[pk.n] = target - y;
        pk.w[pk.n++] = recency;
      }
    }
    addDay(profile, day, rowTypes[d]!);
    if (d >= fitFrom) yield;
  }

  // Prior for the ridge: Helsinki's method (the recent change alone).
  const prior = Array.from({ length: FEATURES }, (_, a) => (a === 0 ? 1 : 0));
  const weights: (Float64Array | null)[] = [];
  for (const [k, p] of pairs.entries()) {
    weights.push(fitted(k) ? fitAbsolute(p.x, p.y.subarray(0, p.n), p.w, FEATURES, prior) : null);
    if (fitted(k)) yield;
  }
  const low = new Float64Array(K + 1);
  const high = new Float64Array(K + 1);
  const maePct = new Float64Array(K + 1).fill(NaN);
  for (let k = 1; k <= K; k++) {
    const w = weights[k];
    const { x: xs, y: all, n } = pairs[k]!;
    const ys = all.subarray(0, n);
    if (!w) continue;
    const residuals = new Float64Array(ys.length);
    let abs = 0;
    for (let i = 0; i < ys.length; i++) {
      let f = 0;
      for (let a = 0; a < FEATURES; a++) f += w[a]! * xs[i * FEATURES + a]!;
      residuals[i] = ys[i]! - f;
      abs += Math.abs(residuals[i]!);
    }
    low[k] = quantile(residuals, 0.1);
    high[k] = quantile(residuals, 0.9);
    maePct[k] = abs / ys.length;
    yield;
  }
  // Between two fitted horizons: the mean of both (weights and errors change slowly with the horizon).
  for (let k = FIT_EVERY_FROM + 1; k < K; k++) {
    const [a, b] = [weights[k - 1], weights[k + 1]];
    if (fitted(k) || !a || !b) continue;
    weights[k] = a.map((wa, i) => (wa + b[i]!) / 2);
    low[k] = (low[k - 1]! + low[k + 1]!) / 2;
    high[k] = (high[k - 1]! + high[k + 1]!) / 2;
    maePct[k] = (maePct[k - 1]! + maePct[k + 1]!) / 2;
  }

  return {
    ok: true,
    model: {
      options: o,
      clock,
      stepMs,
      profile: trimToRecent(profile),
      weights,
      low,
      high,
      maePct,
      trainedFromMs: history[0]!.timeMs,
      trainedToMs: history.at(-1)!.timeMs,
      typeOf,
    },
  };
}

/** Values on the grid from day row `fromRow` on. */
function countValues(grid: Grid, fromRow: number): number {
  let n = 0;
  for (let i = fromRow * grid.slotsPerDay; i < grid.pct.length; i++) if (!Number.isNaN(grid.pct[i]!)) n++;
  return n;
}

function countDaysWithData(grid: Grid, minSlots: number): number {
  let days = 0;
  for (let d = 0; d < grid.days; d++) {
    let n = 0;
    for (let s = 0; s < grid.slotsPerDay; s++) if (!Number.isNaN(grid.pct[d * grid.slotsPerDay + s]!)) n++;
    if (n >= minSlots) days++;
  }
  return days;
}

/** Keeps only the grid rows the recent features read: the last RECENT_DAYS days of each type. */
function trimToRecent(p: Profile): Profile {
  const daysByType = p.daysByType.map((days) => days.slice(-RECENT_DAYS));
  const first = Math.min(...daysByType.flat(), p.grid.firstDay + p.grid.days - 1);
  const S = p.grid.slotsPerDay;
  const from = (first - p.grid.firstDay) * S;
  const grid = { ...p.grid, firstDay: first, days: p.grid.days - (first - p.grid.firstDay), pct: p.grid.pct.slice(from) };
  return { ...p, grid, daysByType };
}
