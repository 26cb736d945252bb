/**
 * What the widget says about the trip: the forecast point for the visitor's arrival, and whether
 * to suggest the bus. Pure: no DOM, no time.
 */
import type { LiveForecastPoint } from '../protocol/forecast.js';
import type { Level, LotStatus } from '../protocol/status.js';

/** The live status's forecast point `inMin` minutes ahead (30 or 60), or null: none is given then. */
export function arrivalPoint(s: LotStatus | null, inMin: number): LiveForecastPoint | null {
  return s?.forecast?.points.find((p) => p.inMin === inMin) ?? null;
}

/** Levels at which the bus is suggested, now and at arrival (issue 11: 混 or 満 either way). */
export interface SuggestWhen {
  now: readonly Level[];
  arrival: readonly Level[];
}

export const SUGGEST_WHEN: SuggestWhen = { now: ['crowded', 'full'], arrival: ['crowded', 'full'] };

/**
 * True when the level now, or at arrival, is one the bus is suggested for. Unknown now means we
 * know nothing (stale): no suggestion from a forecast made on a count we no longer trust.
 */
export function suggestsBus(now: Level, arrival: Level | null, when: SuggestWhen = SUGGEST_WHEN): boolean {
  if (now === 'unknown') return false;
  return when.now.includes(now) || (arrival !== null && when.arrival.includes(arrival));
}
