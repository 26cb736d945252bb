/**
 * What the forecaster knows about a lot's past, built day by day so that training can ask it
 * "as of the start of day d" (walk-forward: no pair is explained by its own data):
 * - the long-run mean per day type × time-of-day slot;
 * - the most recent days of each day type (their grid rows), for the recent change over a horizon.
 */
import type { Grid } from './grid.js';

/** How many recent days of a type the "recent change" averages (Helsinki's method: 3 weeks). */
export const RECENT_DAYS = 3;

export interface Profile {
  grid: Grid;
  /** Per day type × slot: sum and count of values. */
  sum: Float64Array;
  count: Float64Array;
  /** Per day type: day numbers seen, oldest first (only the last RECENT_DAYS are used). */
  daysByType: number[][];
}

export function emptyProfile(grid: Grid): Profile {
  const n = 7 * grid.slotsPerDay;
  return { grid, sum: new Float64Array(n), count: new Float64Array(n), daysByType: Array.from({ length: 7 }, () => []) };
}

/** Adds one grid row (a whole day) to the profile. */
export function addDay(p: Profile, day: number, type: number): void {
  const { pct, slotsPerDay: S, firstDay } = p.grid;
  const row = (day - firstDay) * S;
  let seen = false;
  for (let s = 0; s < S; s++) {
    const v = pct[row + s]!;
    if (Number.isNaN(v)) continue;
    p.sum[type * S + s]! += v;
    p.count[type * S + s]! += 1;
    seen = true;
  }
  if (seen) p.daysByType[type]!.push(day);
}

/** Long-run mean at a day type and slot; NaN without data. */
export function meanAt(p: Profile, type: number, slot: number): number {
  const i = type * p.grid.slotsPerDay + slot;
  return p.count[i]! > 0 ? p.sum[i]! / p.count[i]! : NaN;
}
