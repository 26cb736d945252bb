/**
 * Seeded synthetic occupancy history, for forecaster tests and benchmarks: a weekday curve (fills
 * from 8:00, peaks around noon, empties by evening), a quieter weekend, holidays like Sundays when
 * `isHoliday` says so, day-to-day demand varying ±10 %, and per-reading noise.
 */
import type { Sample } from '../core/index.js';

export interface WeeksOptions {
  /** UTC ms of local midnight of the first day (caller's zone). */
  startMs: number;
  days: number;
  stepMin: number;
  capacity: number;
  seed: number;
  /** Local hour of day of a UTC time (the lot's zone). */
  localHour: (utcMs: number) => number;
  /** 0 = Sunday … 6 = Saturday, holidays as 0 if the caller wants them so. */
  dayType: (utcMs: number) => number;
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

/** Share of capacity typically occupied at a local hour on a day type. */
export function typicalShare(hour: number, dayType: number): number {
  const peak = dayType === 0 ? 0.35 : dayType === 6 ? 0.55 : 0.85;
  const rise = 1 / (1 + Math.exp(-(hour - 9) * 1.6));
  const fall = 1 / (1 + Math.exp((hour - 17.5) * 1.2));
  return 0.03 + peak * rise * fall;
}

export function occupancyWeeks(o: WeeksOptions): Sample[] {
  const random = seededRandom(o.seed);
  const out: Sample[] = [];
  let demand = 1;
  let lastDay = -1;
  for (let i = 0; i < (o.days * 1440) / o.stepMin; i++) {
    const t = o.startMs + i * o.stepMin * 60_000;
    const day = Math.floor((i * o.stepMin) / 1440);
    if (day !== lastDay) {
      demand = 0.9 + 0.2 * random();
      lastDay = day;
    }
    const share = typicalShare(o.localHour(t), o.dayType(t)) * demand + (random() - 0.5) * 0.02;
    out.push({ timeMs: t, occupied: Math.round(Math.min(1, Math.max(0, share)) * o.capacity) });
  }
  return out;
}
