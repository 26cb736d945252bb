/**
 * A lot's trend: is it filling, emptying or steady? From the net change of the count over the last
 * window (15 minutes by default), with hysteresis so a lot that gains a car and loses one does not
 * flap. In DATEX II terms (a parking site's occupancy trend): filling = increasing, emptying =
 * decreasing, steady = stable. Unknown (absent) until the window is covered by observations.
 */
import type { Trend } from '../protocol/index.js';

export interface TrendRule {
  /** The net change is taken over this window. */
  windowMs: number;
  /** A steady lot turns filling/emptying when it moved at least this share of capacity (percent) over the window... */
  enterPct: number;
  /** ...and stays filling/emptying while it still moved at least this share the same way. */
  exitPct: number;
  /** And never for fewer vehicles than this (a small lot: one car is not a trend). */
  minVehicles: number;
}

export const DEFAULT_TREND_RULE: TrendRule = { windowMs: 15 * 60_000, enterPct: 3, exitPct: 1, minVehicles: 2 };

/**
 * The trend after a net change of `change` vehicles over the window, given the trend before it
 * (null: unknown). Pure and idempotent: applying it twice to the same change gives the same trend.
 * @example nextTrend(null, 8, 200) // 'filling' (8 ≥ 3 % of 200)
 * @example nextTrend('filling', 3, 200) // 'filling' (still ≥ 1 %)
 * @example nextTrend('steady', 3, 200) // 'steady' (below 3 %)
 */
export function nextTrend(previous: Trend | null, change: number, capacity: number, rule: TrendRule = DEFAULT_TREND_RULE): Trend {
  const enter = Math.max(rule.minVehicles, Math.ceil((rule.enterPct / 100) * capacity));
  const exit = Math.max(1, Math.min(enter, Math.ceil((rule.exitPct / 100) * capacity)));
  if (previous === 'filling' && change >= exit) return 'filling';
  if (previous === 'emptying' && change <= -exit) return 'emptying';
  if (change >= enter) return 'filling';
  if (change <= -enter) return 'emptying';
  return 'steady';
}

export interface MovementLog {
  /** The lot's (shown) count at a time; times must not go backwards (older ones are ignored). */
  record(timeMs: number, occupied: number): void;
  /** Net change from `nowMs − windowMs` to the latest count, or null when no observation is that old. */
  changeOver(nowMs: number): number | null;
  /** The count at `timeMs` (the last one recorded at or before it), or null when none is kept that old (at most windowMs before the latest). */
  countAt(timeMs: number): number | null;
  /** Forgets everything (a calibration is a correction, not vehicles moving). */
  clear(): void;
}

/**
 * A bounded log of a lot's count: one entry per `resolutionMs` (the last value in it), and only
 * what the window needs, so a busy lot costs at most windowMs / resolutionMs + 2 entries.
 */
export function createMovementLog({ windowMs = DEFAULT_TREND_RULE.windowMs, resolutionMs = 10_000 }: { windowMs?: number; resolutionMs?: number } = {}): MovementLog {
  let entries: { timeMs: number; occupied: number }[] = [];
  const countAt = (timeMs: number) => {
    let count: number | null = null;
    for (const e of entries) {
      if (e.timeMs > timeMs) break;
      count = e.occupied;
    }
    return count;
  };
  return {
    record(timeMs, occupied) {
      const last = entries.at(-1);
      if (last && timeMs < last.timeMs) return;
      if (last && Math.floor(timeMs / resolutionMs) === Math.floor(last.timeMs / resolutionMs)) last.occupied = occupied;
      else entries.push({ timeMs, occupied });
      // Keep one entry at or before the window's start: the baseline.
      const from = timeMs - windowMs;
      let drop = 0;
      while (drop + 1 < entries.length && entries[drop + 1]!.timeMs <= from) drop++;
      if (drop) entries = entries.slice(drop);
    },
    changeOver(nowMs) {
      const base = countAt(nowMs - windowMs);
      return base === null ? null : entries.at(-1)!.occupied - base;
    },
    countAt,
    clear() {
      entries = [];
    },
  };
}
