/**
 * Today against the typical day for this weekday: pure arithmetic on history points, so it is
 * unit-tested without a browser. Times are in the lot's zone; x is hours since its local midnight.
 */
import { startOfDayIn } from '../protocol/time-zone.js';

export interface Point {
  t: string;
  occupied: number;
}

/** How many earlier same weekdays make the typical day. */
export const TYPICAL_WEEKS = 4;
export const SLOT_MS = 15 * 60_000;
const SLOTS = 96;

/** Local midnight of today and of the same weekday 1..weeks weeks before (each a [from, to) day). */
export function daysToFetch(zone: string, nowMs: number, weeks = TYPICAL_WEEKS): { today: number; earlier: number[] } {
  const today = startOfDayIn(zone, nowMs);
  // A week back is 7 local days: step by local midnights so a DST change does not shift the day.
  const earlier: number[] = [];
  let day = today;
  for (let w = 1; w <= weeks; w++) {
    day = startOfDayIn(zone, day - 6.5 * 86_400_000);
    earlier.push(day);
  }
  return { today, earlier };
}

/** The day's points by 15-minute slot since `dayStartMs` (null where none). */
export function bySlot(points: readonly Point[], dayStartMs: number): Array<number | null> {
  const out: Array<number | null> = new Array(SLOTS).fill(null);
  for (const p of points) {
    const slot = Math.floor((Date.parse(p.t) - dayStartMs) / SLOT_MS);
    if (slot >= 0 && slot < SLOTS) out[slot] = p.occupied;
  }
  return out;
}

/** The mean of each slot over the days that have it (null where none has). */
export function typicalDay(days: ReadonlyArray<ReadonlyArray<number | null>>): Array<number | null> {
  const out: Array<number | null> = [];
  for (let i = 0; i < SLOTS; i++) {
    const values = days.map((d) => d[i]).filter((v): v is number => v !== null && v !== undefined);
    out.push(values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
  }
  return out;
}

/**
 * Forecast points (the live status' `forecast.points`, 30 and 60 minutes ahead) on today's slots:
 * each at the slot nearest its time; points outside today are left out.
 */
export function forecastSlots(points: ReadonlyArray<{ at: string; occupied: number }>, dayStartMs: number): Array<number | null> {
  const out: Array<number | null> = new Array(SLOTS).fill(null);
  for (const p of points) {
    const slot = Math.round((Date.parse(p.at) - dayStartMs) / SLOT_MS);
    if (slot >= 0 && slot < SLOTS) out[slot] = p.occupied;
  }
  return out;
}

/** x values: hours since local midnight at each slot's start. */
export const slotHours = (): number[] => Array.from({ length: SLOTS }, (_, i) => (i * SLOT_MS) / 3_600_000);

/** The weekday (0 Sunday) of a local day that starts at `dayStartMs` in `zone`. */
export function weekdayOf(zone: string, dayStartMs: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short' }).format(new Date(dayStartMs + 12 * 3_600_000));
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(name);
}
