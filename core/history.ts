/**
 * History buckets: for each step-aligned bucket [t, t + step) in the range, the lot's state at the
 * end of the bucket — the last observation before t + step, carried forward through quiet buckets.
 * Buckets before the first observation are left out. InfluxDB's `GROUP BY time(step) ... last()
 * fill(previous)` seeded with the last point before the range gives the same answer.
 */
import { z } from 'zod';
import type { Level } from '../protocol/index.js';

export const HISTORY_STEPS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type HistoryStep = keyof typeof HISTORY_STEPS;
export const HistoryStep = z.enum(Object.keys(HISTORY_STEPS) as [HistoryStep, ...HistoryStep[]]);

/** Most buckets one request may ask for. */
export const MAX_HISTORY_POINTS = 1500;

export interface Observation {
  timeMs: number;
  occupied: number;
  capacity: number;
  level: Level;
}

export interface HistoryPoint {
  t: string;
  occupied: number;
  available: number;
  level: Level;
}

/** The step-aligned bucket starts covering [fromMs, toMs). */
export function bucketStarts(fromMs: number, toMs: number, stepMs: number): number[] {
  const starts: number[] = [];
  for (let t = Math.floor(fromMs / stepMs) * stepMs; t < toMs; t += stepMs) starts.push(t);
  return starts;
}

export function toHistoryPoint(t: number, o: Omit<Observation, 'timeMs'>): HistoryPoint {
  return { t: new Date(t).toISOString(), occupied: o.occupied, available: Math.max(0, o.capacity - o.occupied), level: o.level };
}

/**
 * @param observations sorted by time, ascending
 * @example bucketHistory(points, Date.parse('2026-11-25T00:00Z'), Date.parse('2026-11-25T01:00Z'), HISTORY_STEPS['15m'])
 */
export function bucketHistory(observations: readonly Observation[], fromMs: number, toMs: number, stepMs: number): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  let i = 0;
  let current: Observation | undefined;
  for (const t of bucketStarts(fromMs, toMs, stepMs)) {
    const end = t + stepMs;
    while (i < observations.length && observations[i]!.timeMs < end) current = observations[i++];
    if (current) out.push(toHistoryPoint(t, current));
  }
  return out;
}
