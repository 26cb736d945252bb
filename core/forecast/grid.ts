/**
 * A lot's history on a regular grid: the value at a grid time is the last observation at or before
 * it, no older than one step (else missing, NaN), in percent of capacity clamped to 0..100 (as the
 * live status clamps). Rows are whole days of the grid's clock, so a time of day is a column.
 */
const DAY_MS = 86_400_000;

/** One observation of a lot: vehicles in it at a time. */
export interface Sample {
  timeMs: number;
  occupied: number;
  /** Per-sample capacity (e.g. from a CSV); else the lot's. */
  capacity?: number;
}

export interface Grid {
  stepMs: number;
  /** Grid times are phaseMs + n × stepMs on the grid's clock. */
  phaseMs: number;
  slotsPerDay: number;
  /** Day number (days since 1970-01-01 on the grid's clock) of row 0. */
  firstDay: number;
  days: number;
  /** `days × slotsPerDay` values in percent of capacity, NaN where missing. */
  pct: Float64Array;
}

/** The value at index i (row × slotsPerDay + slot); NaN outside the grid (never an out-of-range typed-array read: slow in V8). */
export function valueAt(grid: Grid, i: number): number {
  return i >= 0 && i < grid.pct.length ? grid.pct[i]! : NaN;
}

export const percentOf = (occupied: number, capacity: number) => Math.min(100, Math.max(0, (occupied / capacity) * 100));

/**
 * @param samples sorted by time, ascending (a later duplicate wins)
 * @param toClock maps a UTC time to the grid's clock (local wall time as ms, or identity for UTC)
 * @param phaseMs where the grid times sit within a step (see freshestPhase)
 * @example gridOf(samples, 900_000, 200, clock.localMs)
 */
export function gridOf(samples: readonly Sample[], stepMs: number, capacity: number, toClock: (utcMs: number) => number = (t) => t, phaseMs = 0): Grid {
  const slotsPerDay = DAY_MS / stepMs;
  if (samples.length === 0) return { stepMs, phaseMs, slotsPerDay, firstDay: 0, days: 0, pct: new Float64Array(0) };
  const firstDay = Math.floor((toClock(samples[0]!.timeMs) - phaseMs) / DAY_MS);
  const lastDay = Math.floor((toClock(samples.at(-1)!.timeMs) - phaseMs + stepMs) / DAY_MS);
  const days = lastDay - firstDay + 1;
  const pct = new Float64Array(days * slotsPerDay).fill(NaN);
  const base = firstDay * slotsPerDay;
  for (const s of samples) {
    const t = toClock(s.timeMs) - phaseMs;
    const value = percentOf(s.occupied, s.capacity ?? capacity);
    const at = Math.ceil(t / stepMs);
    // The first grid time at or after the sample; also the one after that when the sample sits
    // exactly on a grid time (then it is exactly one step old there). A later sample overwrites.
    const i = at - base;
    if (i >= 0 && i < pct.length) pct[i] = value;
    if (at * stepMs === t && i + 1 < pct.length) pct[i + 1] = value;
  }
  return { stepMs, phaseMs, slotsPerDay, firstDay, days, pct };
}

/**
 * The grid phase (whole minutes into a step) at which the most grid times get a value, and of
 * those the freshest values: for readings that come at a rhythm with jitter (every 30 min, a few
 * minutes either side) it puts the grid times just after the readings instead of among them,
 * where one late reading would leave a grid time empty and the next one hold a stale value.
 */
export function freshestPhase(series: readonly (readonly Sample[])[], stepMs: number): number {
  let best = { phaseMs: 0, count: -1, age: Infinity };
  for (let phaseMs = 0; phaseMs < stepMs; phaseMs += 60_000) {
    let count = 0;
    let age = 0;
    for (const samples of series) {
      let lastIndex = NaN;
      for (const s of samples) {
        const index = Math.ceil((s.timeMs - phaseMs) / stepMs);
        if (index !== lastIndex) count++;
        lastIndex = index;
        age += index * stepMs + phaseMs - s.timeMs;
      }
    }
    if (count > best.count || (count === best.count && age < best.age)) best = { phaseMs, count, age };
  }
  return best.phaseMs;
}
