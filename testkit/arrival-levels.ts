/**
 * Level at arrival against the simulator's truth: on each test day, a model trained on the history
 * before that day (as the service refreshes its models) forecasts from every issue time; a forecast
 * is right when its level equals the level the same rules (hysteresis included) give the true
 * occupancy `horizonMin` later. Shared by the end-to-end test and the benchmarks.
 */
import { DEFAULT_THRESHOLDS, forecast, nextLevel, todaySteps, trainForecaster, type HolidayCalendar, type KnownLevel, type Sample } from '../core/index.js';

export interface ArrivalLevelsOptions {
  /** What the service knows: the stored history, sorted. */
  history: readonly Sample[];
  /** The simulator's truth: occupancy after each change, sorted. */
  truth: ReadonlyArray<{ timeMs: number; occupied: number }>;
  capacity: number;
  timeZone: string;
  holidays: HolidayCalendar;
  /** Local midnights of the test days. */
  testDayStarts: readonly number[];
  issueEveryMin?: number;
  horizonMin?: number;
  /** Local hours [from, to) counted as "open" in the second figure. */
  openHours?: [number, number];
}

export interface ArrivalLevels {
  forecasts: number;
  correct: number;
  correctPercent: number;
  open: { forecasts: number; correct: number; correctPercent: number };
  /** Forecast 空 while the truth was 満 at arrival (the costly mistake). */
  vacantWhileFull: number;
  noForecast: number;
  untrainedDays: string[];
}

export function arrivalLevels(o: ArrivalLevelsOptions): ArrivalLevels {
  const every = (o.issueEveryMin ?? 5) * 60_000;
  const h = o.horizonMin ?? 30;
  const [openFrom, openTo] = o.openHours ?? [7, 21];
  const levelAt = truthLevelAt(o.truth, o.capacity);
  const occupiedAt = (series: ReadonlyArray<{ timeMs: number; occupied: number }>, t: number) => series[lastAtOrBefore(series, t)]?.occupied ?? 0;
  const out = { forecasts: 0, correct: 0, openForecasts: 0, openCorrect: 0, vacantWhileFull: 0, noForecast: 0, untrainedDays: [] as string[] };
  for (const dayStart of o.testDayStarts) {
    const past = o.history.slice(0, lastAtOrBefore(o.history, dayStart - 1) + 1);
    const trained = trainForecaster(past, { timeZone: o.timeZone, holidays: o.holidays, capacity: o.capacity, thresholds: DEFAULT_THRESHOLDS });
    if (!trained.ok) {
      out.untrainedDays.push(`${new Date(dayStart).toISOString()}: ${trained.reason}`);
      continue;
    }
    for (let t = dayStart; t < dayStart + 86_400_000; t += every) {
      const occupiedBefore = Array.from({ length: todaySteps(trained.model.stepMs) }, (_, i) => occupiedAt(o.history, t - (i + 1) * trained.model.stepMs));
      const current = { occupied: occupiedAt(o.history, t), level: levelAt(t), occupiedBefore };
      const point = forecast(trained.model, t, current, [h]).points[0];
      if (!point) {
        out.noForecast++;
        continue;
      }
      const truth = levelAt(t + h * 60_000);
      const right = point.level === truth;
      const hour = new Date(trained.model.clock.localMs(t)).getUTCHours();
      out.forecasts++;
      if (right) out.correct++;
      if (hour >= openFrom && hour < openTo) {
        out.openForecasts++;
        if (right) out.openCorrect++;
      }
      if (point.level === 'vacant' && truth === 'full') out.vacantWhileFull++;
    }
  }
  const pct = (a: number, b: number) => (b ? Number(((a / b) * 100).toFixed(2)) : NaN);
  return {
    forecasts: out.forecasts,
    correct: out.correct,
    correctPercent: pct(out.correct, out.forecasts),
    open: { forecasts: out.openForecasts, correct: out.openCorrect, correctPercent: pct(out.openCorrect, out.openForecasts) },
    vacantWhileFull: out.vacantWhileFull,
    noForecast: out.noForecast,
    untrainedDays: out.untrainedDays,
  };
}

/** The true level at any time: the level the live rules (hysteresis included) give the true occupancy. */
export function truthLevelAt(truth: ReadonlyArray<{ timeMs: number; occupied: number }>, capacity: number): (timeMs: number) => KnownLevel {
  const levels = truthLevels(truth, capacity);
  return (t) => levels[lastAtOrBefore(levels, t)]?.level ?? 'vacant';
}

/** The level after each change of the true occupancy, through the live rules. */
function truthLevels(truth: ReadonlyArray<{ timeMs: number; occupied: number }>, capacity: number) {
  const out: Array<{ timeMs: number; level: KnownLevel }> = [];
  let level: KnownLevel | null = null;
  for (const p of truth) {
    level = nextLevel(level, (p.occupied / capacity) * 100, DEFAULT_THRESHOLDS);
    out.push({ timeMs: p.timeMs, level });
  }
  return out;
}

/** Index of the last element with timeMs <= t, or -1. */
export function lastAtOrBefore(xs: ReadonlyArray<{ timeMs: number }>, t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]!.timeMs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
