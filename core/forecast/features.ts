/**
 * The features a forecast of the change over k slots is made of. Every method, the baselines
 * included, is a weighted sum of them (see METHODS in evaluate.ts), so all are computed by the
 * same code on the same pairs (y: the current value; R: the last 3 days of the same type; P: the
 * long-run profile of that type; all in percent of capacity):
 *   x0 recent change: the mean change of R from now to k slots later (Helsinki's method is y + x0)
 *   x1 pull to the long-run profile at the target: P(target) − y (the profile alone is y + x1)
 *   x2 long-run profile change: P(target) − P(now) (the deviation carried forward is y + x2)
 *   x3 pull to the recent level: R(now) − y
 *   x4 momentum: our change over the last slot minus R's change over it
 *   x5 yesterday's change over the same k slots minus x0 (this week's drift)
 *   x6 the last day of the same type: its change over the k slots minus x0 (the most recent week weighs more)
 * and two from today's readings over the last hour (TODAY_MIN; y_j: today's value j slots ago, P_j: the
 * profile then; only the values today has, so both are 0 before today's second reading):
 *   x7 today's deviation from P now minus its mean over the last hour, mean(y_j − P_j) (a deviation
 *      that just appeared fades, one held for an hour stays)
 *   x8 today's scale: (Σ y_j / Σ P_j − 1) × x0, the ratio clamped to 0.5..2 (a day busier than usual
 *      fills faster, a quiet one slower)
 * Split in two steps for speed: what depends on the issue time only, then per horizon.
 */
import { valueAt } from './grid.js';
import { meanAt, RECENT_DAYS, type Profile } from './profile.js';

export const FEATURES = 9;
/** How far back today's readings are used (x7, x8): the forecast asks for today's values over this window. */
export const TODAY_MIN = 60;
/** How many earlier values of today x7 and x8 use, at a grid step of `stepMs`: those within the last TODAY_MIN minutes. */
export const todaySteps = (stepMs: number): number => Math.floor((TODAY_MIN * 60_000) / stepMs);

/** 'full': every feature known; 'fallback': no recent day of the type, the long-run profile stands in; null: no profile at that time. */
export type FeatureQuality = 'full' | 'fallback' | null;

/** A forecast's issue: the current value, and what the profile says about that time of day. */
export interface Issue {
  day: number;
  slot: number;
  y: number;
  pNow: number;
  /** Grid indices (at the issue slot) of the recent days of the type that have a value there. */
  recent: number[];
  level: number;
  momentum: number;
  /** Grid index of yesterday at the issue slot. */
  yesterday: number;
  /** x7, and the ratio of x8 minus 1 (both 0 when today has no earlier value in the window). */
  todayDeviation: number;
  todayScale: number;
}

export function createIssue(): Issue {
  return { day: 0, slot: 0, y: NaN, pNow: NaN, recent: [], level: NaN, momentum: 0, yesterday: -1, todayDeviation: 0, todayScale: 0 };
}

/**
 * Fills `out` for an issue at `slot` of `day` (of type `type`) with current value y; `before(j)` is
 * today's value j slots earlier (NaN if unknown; asked for j = 1 .. TODAY_MIN / step). False without a profile there.
 */
export function prepareIssue(p: Profile, day: number, type: number, slot: number, y: number, before: (j: number) => number, out: Issue): boolean {
  const { grid } = p;
  const S = grid.slotsPerDay;
  out.day = day;
  out.slot = slot;
  out.y = y;
  out.pNow = meanAt(p, type, slot);
  if (Number.isNaN(out.pNow)) return false;
  out.recent.length = 0;
  const days = p.daysByType[type]!;
  let level = 0;
  let last = 0;
  let m = 0;
  for (let j = days.length - 1; j >= 0 && j >= days.length - RECENT_DAYS; j--) {
    const i = (days[j]! - grid.firstDay) * S + slot;
    const a = valueAt(grid, i);
    if (Number.isNaN(a)) continue;
    out.recent.push(i);
    level += a;
    const before = valueAt(grid, i - 1);
    if (!Number.isNaN(before)) {
      last += a - before;
      m++;
    }
  }
  out.level = out.recent.length ? level / out.recent.length : out.pNow;
  const yBefore = before(1);
  out.momentum = Number.isNaN(yBefore) || m === 0 ? 0 : y - yBefore - last / m;
  out.yesterday = (day - 1 - grid.firstDay) * S + slot;
  today(p, type, before, out);
  return true;
}

/** x7 and x8 from today's values over the last TODAY_MIN minutes of the same day (the profile's slots). */
function today(p: Profile, type: number, before: (j: number) => number, out: Issue): void {
  const window = Math.min(out.slot, todaySteps(p.grid.stepMs));
  let sumY = out.y;
  let sumP = out.pNow;
  let n = 1;
  for (let j = 1; j <= window; j++) {
    const yj = before(j);
    const pj = meanAt(p, type, out.slot - j);
    if (Number.isNaN(yj) || Number.isNaN(pj)) continue;
    sumY += yj;
    sumP += pj;
    n++;
  }
  out.todayDeviation = n > 1 ? out.y - out.pNow - (sumY - sumP) / n : 0;
  out.todayScale = n > 1 && sumP > 1 ? Math.min(2, Math.max(0.5, sumY / sumP)) - 1 : 0;
}

/**
 * Fills x[at .. at + FEATURES) for the issue, k slots ahead (training writes straight into its pairs).
 * @param targetType the day type of the target's day
 */
export function featuresAt(p: Profile, issue: Issue, k: number, targetType: number, x: Float64Array, at = 0): FeatureQuality {
  const { grid } = p;
  const S = grid.slotsPerDay;
  const pTarget = meanAt(p, targetType, (issue.slot + k) % S);
  if (Number.isNaN(pTarget)) return null;
  let change = 0;
  let n = 0;
  for (const i of issue.recent) {
    const b = valueAt(grid, i + k);
    if (Number.isNaN(b)) continue;
    change += b - grid.pct[i]!;
    n++;
  }
  const full = n > 0;
  change = full ? change / n : pTarget - issue.pNow;
  const y = issue.y;
  x[at + 0] = change;
  x[at + 1] = pTarget - y;
  x[at + 2] = pTarget - issue.pNow;
  x[at + 3] = issue.level - y;
  x[at + 4] = issue.momentum;
  const drift = valueAt(grid, issue.yesterday + k) - valueAt(grid, issue.yesterday) - change;
  x[at + 5] = Number.isNaN(drift) ? 0 : drift;
  const i0 = issue.recent[0];
  const lastWeek = i0 === undefined ? NaN : valueAt(grid, i0 + k) - grid.pct[i0]! - change;
  x[at + 6] = Number.isNaN(lastWeek) ? 0 : lastWeek;
  x[at + 7] = issue.todayDeviation;
  x[at + 8] = issue.todayScale * change;
  return full ? 'full' : 'fallback';
}
