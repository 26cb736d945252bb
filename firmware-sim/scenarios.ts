/**
 * A day at a hospital car park, as vehicle passes at its gates with the true occupancy alongside.
 * Outpatients arrive from 8 to 11 and stay a couple of hours, visitors come in the afternoon,
 * staff arrive before their shifts and stay about nine hours. A car that finds the lot full is
 * turned away (no pass). Deterministic for a seed.
 */
import { createRandom, type Random } from './random.js';

export const SCENARIOS = ['weekday', 'weekend', 'snow'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  name: ScenarioName;
  seed: number;
  /** Spaces; arrival rates scale with it (tuned for 200). */
  capacity?: number;
  gates?: number;
  /** Epoch ms of the day's start (local midnight). */
  startMs: number;
  hours?: number;
}

export interface Pass {
  timeMs: number;
  gate: number;
  direction: 'in' | 'out';
}

export interface Scenario {
  options: Required<ScenarioOptions>;
  /** Time-ordered passes. */
  passes: Pass[];
  /** True occupancy after each change, time-ordered; starts at 0 at startMs. */
  truth: Array<{ timeMs: number; occupied: number }>;
  turnedAway: number;
}

export type Visitor = { perHour: number[]; stayMedianMin: number; staySigma: number };

const H = (values: Record<number, number>) => Array.from({ length: 24 }, (_, h) => values[h] ?? 0);

/** Arrivals per hour for a 200-space lot, by kind of visitor. */
export const PROFILES: Record<ScenarioName, Visitor[]> = {
  weekday: [
    { perHour: H({ 7: 20, 8: 70, 9: 80, 10: 65, 11: 35, 12: 15, 13: 20, 14: 20, 15: 12 }), stayMedianMin: 150, staySigma: 0.45 }, // outpatients
    { perHour: H({ 10: 5, 11: 6, 12: 8, 13: 14, 14: 16, 15: 16, 16: 12, 17: 10, 18: 8, 19: 5 }), stayMedianMin: 60, staySigma: 0.5 }, // visitors
    { perHour: H({ 6: 6, 7: 22, 8: 8, 15: 10, 16: 6, 22: 6 }), stayMedianMin: 540, staySigma: 0.1 }, // staff shifts
  ],
  weekend: [
    { perHour: H({ 9: 12, 10: 14, 11: 12, 12: 8 }), stayMedianMin: 120, staySigma: 0.5 },
    { perHour: H({ 10: 12, 11: 16, 12: 18, 13: 24, 14: 26, 15: 24, 16: 18, 17: 12, 18: 8 }), stayMedianMin: 75, staySigma: 0.5 },
    { perHour: H({ 7: 12, 15: 8, 22: 6 }), stayMedianMin: 540, staySigma: 0.1 },
  ],
  // Buses suspended: more people drive, and stay longer.
  snow: [
    { perHour: H({ 7: 30, 8: 90, 9: 95, 10: 75, 11: 40, 12: 18, 13: 22, 14: 20, 15: 12 }), stayMedianMin: 180, staySigma: 0.45 },
    { perHour: H({ 10: 6, 11: 8, 12: 10, 13: 16, 14: 18, 15: 16, 16: 12, 17: 10, 18: 8 }), stayMedianMin: 70, staySigma: 0.5 },
    { perHour: H({ 6: 8, 7: 26, 8: 8, 15: 12, 16: 6, 22: 6 }), stayMedianMin: 560, staySigma: 0.1 },
  ],
};

/** @example createScenario({ name: 'weekday', seed: 1, startMs: Date.parse('2026-11-24T00:00:00+09:00') }) */
export function createScenario(input: ScenarioOptions): Scenario {
  const options: Required<ScenarioOptions> = { capacity: 200, gates: 2, hours: 24, ...input };
  const { name, seed, capacity, gates, startMs, hours } = options;
  const random = createRandom(seed);
  const arrivals = arrivalsOf(PROFILES[name], random, capacity / 200, startMs, hours);
  return { options, ...admit(arrivals, { capacity, gates, endMs: startMs + hours * 3_600_000 }, random) };
}

export interface Arrival {
  timeMs: number;
  stayMs: number;
}

/** Arrivals of a scenario's visitors from `startMs` for `hours` (hour h of the profile is h % 24), rates × `scale`. */
export function arrivalsOf(visitors: readonly Visitor[], random: Random, scale: number, startMs: number, hours: number, out: Arrival[] = []): Arrival[] {
  for (const kind of visitors) {
    for (let h = 0; h < hours; h++) {
      const count = random.poisson(kind.perHour[h % 24]! * scale);
      for (let i = 0; i < count; i++) {
        out.push({
          timeMs: startMs + h * 3_600_000 + random.int(3_600_000),
          stayMs: Math.round(Math.max(5, random.logNormal(kind.stayMedianMin, kind.staySigma)) * 60_000),
        });
      }
    }
  }
  return out;
}

/**
 * The passes and the true occupancy of arrivals at a lot of `capacity` until `endMs`, starting empty:
 * a car that finds the lot full is turned away; a car still parked at `endMs` stays.
 */
export function admit(input: readonly Arrival[], { capacity, gates, endMs }: { capacity: number; gates: number; endMs: number }, random: Random): Omit<Scenario, 'options'> {
  const arrivals = [...input].sort((a, b) => a.timeMs - b.timeMs);
  const events: Array<{ timeMs: number; direction: 'in' | 'out' }> = [];
  const departures: number[] = []; // pending departure times (min-heap by sort; small enough)
  let occupied = 0;
  let turnedAway = 0;
  const settleUntil = (t: number) => {
    departures.sort((a, b) => a - b);
    while (departures.length && departures[0]! <= t) {
      events.push({ timeMs: departures.shift()!, direction: 'out' });
      occupied -= 1;
    }
  };
  for (const a of arrivals) {
    settleUntil(a.timeMs);
    if (occupied >= capacity) {
      turnedAway += 1;
      continue;
    }
    occupied += 1;
    events.push({ timeMs: a.timeMs, direction: 'in' });
    const leave = a.timeMs + a.stayMs;
    if (leave < endMs) departures.push(leave);
  }
  settleUntil(endMs);
  events.sort((a, b) => a.timeMs - b.timeMs || (a.direction === 'out' ? -1 : 1));
  const passes: Pass[] = events.map((e) => ({ ...e, gate: random.int(gates) }));
  const truth: Scenario['truth'] = [];
  let count = 0;
  for (const p of passes) {
    count += p.direction === 'in' ? 1 : -1;
    truth.push({ timeMs: p.timeMs, occupied: count });
  }
  return { passes, truth, turnedAway };
}

/** True occupancy at a time. */
export function truthAt(scenario: Scenario, timeMs: number): number {
  let lo = 0;
  let hi = scenario.truth.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (scenario.truth[mid]!.timeMs <= timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : scenario.truth[lo - 1]!.occupied;
}
