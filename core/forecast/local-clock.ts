/**
 * Local time in a lot's IANA zone, fast enough to convert every point of 12 weeks of history:
 * one cached Intl formatter per zone and one offset per UTC day (the offset is looked up at both
 * ends of the day; only a day where they differ, a DST change, is resolved to the minute).
 */
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface LocalClock {
  readonly zone: string;
  /** Local wall-clock time as if it were UTC: `new Date(localMs(t)).getUTCHours()` is the local hour. */
  localMs(utcMs: number): number;
  /** The UTC instant of a local wall-clock time (on a DST change, the later of two, or the time after a gap). */
  utcMs(localMs: number): number;
}

/** Local day number (days since 1970-01-01 local) and weekday (0 = Sunday). */
export const localDay = (localMs: number) => Math.floor(localMs / DAY_MS);
export const weekdayOf = (day: number) => (day + 4) % 7; // 1970-01-01 was a Thursday
/** `YYYY-MM-DD` of a local day number. */
export const isoDateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

type DayEntry = [number, number, number];
/**
 * Per zone, shared by every clock of that zone (a service trains many lots in one zone): its
 * formatter (creating one costs about a millisecond) and, per UTC day, [offset at its start,
 * minute of the change or -1, offset after the change]. At most MAX_DAYS days are kept per zone.
 */
const zones = new Map<string, { formatter: Intl.DateTimeFormat; days: Map<number, DayEntry> }>();
const MAX_DAYS = 20_000;

function zoneOf(zone: string) {
  let z = zones.get(zone);
  if (!z) {
    const formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    zones.set(zone, (z = { formatter, days: new Map() }));
  }
  return z;
}

export function createLocalClock(zone: string): LocalClock {
  const { formatter, days } = zoneOf(zone);
  const offsetNow = (t: number) => {
    const parts = formatter.formatToParts(new Date(t));
    const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute')) - Math.floor(t / MINUTE_MS) * MINUTE_MS;
  };
  function dayEntry(day: number): DayEntry {
    let entry = days.get(day);
    if (entry) return entry;
    const start = day * DAY_MS;
    const a = offsetNow(start);
    const b = offsetNow(start + DAY_MS - MINUTE_MS);
    let change = -1;
    if (a !== b) {
      let lo = 0;
      let hi = 1439; // offset(lo) === a, offset(hi) !== a
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (offsetNow(start + mid * MINUTE_MS) === a) lo = mid;
        else hi = mid;
      }
      change = hi;
    }
    entry = [a, change, b];
    if (days.size >= MAX_DAYS) days.clear();
    days.set(day, entry);
    return entry;
  }
  // Times come mostly in order: the last day looked up is the likely next one.
  let lastDay = NaN;
  let last: DayEntry = [0, -1, 0];
  function offset(utcMs: number): number {
    const day = Math.floor(utcMs / DAY_MS);
    if (day !== lastDay) {
      last = dayEntry(day);
      lastDay = day;
    }
    const [a, change, b] = last;
    return change < 0 || utcMs - day * DAY_MS < change * MINUTE_MS ? a : b;
  }
  return {
    zone,
    localMs: (utcMs) => utcMs + offset(utcMs),
    utcMs(localMs) {
      const guess = localMs - offset(localMs);
      return localMs - offset(guess);
    },
  };
}
