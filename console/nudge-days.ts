/**
 * The console's nudge panel arithmetic (issue 15 item 4): hourly nudge counts and hourly history
 * folded into the lot's local days and local hours of day. Pure: time and zone are passed in, so
 * it is unit-tested without a browser. The API's days are UTC days; a hospital's morning peak
 * would straddle two of them, so the console asks for hours and folds them itself.
 */
import type { NudgeLevel, NudgeStats } from '../protocol/nudge.js';
import { startOfDayIn, zoneOffsetMs } from '../protocol/time-zone.js';

const HOUR_MS = 3_600_000;
/** Levels in stacking order, bottom first. */
export const NUDGE_LEVELS: readonly NudgeLevel[] = ['vacant', 'crowded', 'full'];

export type Counts = Record<NudgeLevel, { shown: number; followed: number }>;
const zero = (): Counts => ({ vacant: { shown: 0, followed: 0 }, crowded: { shown: 0, followed: 0 }, full: { shown: 0, followed: 0 } });

export interface NudgeWindow {
  /** Local midnights of the days shown, oldest first; the last is today. */
  dayStarts: number[];
  fromMs: number;
  /** The end of the current hour (the nudge-stats and history ranges are [from, to)). */
  toMs: number;
}

/** The last `days` local days up to now, in `zone`. */
export function nudgeWindow(zone: string, nowMs: number, days: number): NudgeWindow {
  const dayStarts = [startOfDayIn(zone, nowMs)];
  // Step by local midnights (half a day back, then to that day's midnight) so a DST change does not shift a day.
  while (dayStarts.length < days) dayStarts.unshift(startOfDayIn(zone, dayStarts[0]! - HOUR_MS * 12));
  return { dayStarts, fromMs: dayStarts[0]!, toMs: Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS };
}

/** The index of the local day holding `atMs` (-1: before the first). */
function dayIndex(dayStarts: readonly number[], atMs: number): number {
  let i = dayStarts.length - 1;
  while (i >= 0 && dayStarts[i]! > atMs) i--;
  return i;
}

/** The local hour of day (0–23) of `atMs` in `zone`. */
export function localHour(zone: string, atMs: number): number {
  const local = atMs + zoneOffsetMs(zone, atMs);
  return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / HOUR_MS);
}

type Bucket = Pick<NudgeStats['buckets'][number], 't' | 'byLevel'>;

/** Hour buckets summed per local day (same order as `dayStarts`). */
export function countsByDay(buckets: readonly Bucket[], dayStarts: readonly number[]): Counts[] {
  const out = dayStarts.map(zero);
  for (const b of buckets) {
    const i = dayIndex(dayStarts, Date.parse(b.t));
    if (i >= 0) add(out[i]!, b.byLevel);
  }
  return out;
}

/** Hour buckets summed per local hour of day (24 entries, 0 = midnight). */
export function countsByHour(buckets: readonly Bucket[], zone: string): Counts[] {
  const out = Array.from({ length: 24 }, zero);
  for (const b of buckets) add(out[localHour(zone, Date.parse(b.t))]!, b.byLevel);
  return out;
}

function add(into: Counts, from: Counts) {
  for (const l of NUDGE_LEVELS) {
    into[l].shown += from[l].shown;
    into[l].followed += from[l].followed;
  }
}

/** Everything in `counts` together, and per level. */
export function total(counts: readonly Counts[]): Counts & { shown: number; followed: number } {
  const sum = zero();
  for (const c of counts) add(sum, c);
  return { ...sum, shown: NUDGE_LEVELS.reduce((n, l) => n + sum[l].shown, 0), followed: NUDGE_LEVELS.reduce((n, l) => n + sum[l].followed, 0) };
}

/** followed / shown as a whole percent, null when nothing was shown. */
export const ratePercent = (shown: number, followed: number): number | null => (shown ? Math.round((100 * followed) / shown) : null);

export interface BusyHour {
  /** Mean occupancy as a percent of capacity over the days that have this hour (null: none). */
  meanPercent: number | null;
  /** Share of those hours in which the lot was 混 or 満, percent (null: none). */
  busyPercent: number | null;
}

/** The lot's busy hours: hourly history points folded into the 24 local hours of day. */
export function busyHours(points: ReadonlyArray<{ t: string; occupied: number; level?: string }>, zone: string, capacity: number): BusyHour[] {
  const acc = Array.from({ length: 24 }, () => ({ n: 0, occupied: 0, busy: 0 }));
  for (const p of points) {
    const a = acc[localHour(zone, Date.parse(p.t))]!;
    a.n += 1;
    a.occupied += p.occupied;
    if (p.level === 'crowded' || p.level === 'full') a.busy += 1;
  }
  return acc.map((a) => ({
    meanPercent: a.n && capacity > 0 ? Math.round((100 * a.occupied) / a.n / capacity) : null,
    busyPercent: a.n ? Math.round((100 * a.busy) / a.n) : null,
  }));
}

/** The hour with the highest value (first on a tie), or null when every value is null or 0. */
export function peakHour(values: ReadonlyArray<number | null>): number | null {
  let best: number | null = null;
  values.forEach((v, i) => {
    if (v !== null && v > 0 && (best === null || v > values[best]!)) best = i;
  });
  return best;
}
