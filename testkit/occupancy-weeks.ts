/**
 * Seeded synthetic occupancy history, for forecaster tests and benchmarks: a weekday curve (fills
 * from 8:00, peaks around noon, empties by evening, in the lot's local time), a quieter Saturday
 * and Sunday, holidays like Sundays when the calendar says so, day-to-day demand varying ±10 %,
 * and per-reading noise.
 */
import { createLocalClock, dayTypeOf, localDay, type HolidayCalendar, type Sample } from '../core/index.js';

export interface WeeksOptions {
  timeZone: string;
  /** Whose holidays the lot keeps like Sundays. */
  holidays: HolidayCalendar;
  /** First local day, YYYY-MM-DD. */
  from: string;
  days: number;
  stepMin: number;
  capacity: number;
  seed: number;
}

/** mulberry32: small, seeded, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Share of capacity typically occupied at a local hour (0–24) on a day type (0 Sunday … 6 Saturday). */
export function typicalShare(hour: number, dayType: number): number {
  const peak = dayType === 0 ? 0.35 : dayType === 6 ? 0.55 : 0.85;
  const rise = 1 / (1 + Math.exp(-(hour - 9) * 1.6));
  const fall = 1 / (1 + Math.exp((hour - 17.5) * 1.2));
  return 0.03 + peak * rise * fall;
}

/** One sample every stepMin minutes of UTC time from local midnight of `from`. */
export function occupancyWeeks(o: WeeksOptions): Sample[] {
  const clock = createLocalClock(o.timeZone);
  const random = seededRandom(o.seed);
  const startMs = clock.utcMs(Date.parse(`${o.from}T00:00:00Z`));
  const endMs = clock.utcMs(Date.parse(`${o.from}T00:00:00Z`) + o.days * 86_400_000);
  const out: Sample[] = [];
  const demand = new Map<number, number>();
  for (let t = startMs; t < endMs; t += o.stepMin * 60_000) {
    const local = clock.localMs(t);
    const day = localDay(local);
    if (!demand.has(day)) demand.set(day, 0.9 + 0.2 * random());
    const share = typicalShare((local % 86_400_000) / 3_600_000, dayTypeOf(day, o.holidays)) * demand.get(day)! + (random() - 0.5) * 0.02;
    out.push({ timeMs: t, occupied: Math.round(Math.min(1, Math.max(0, share)) * o.capacity) });
  }
  return out;
}
