/** Local calendar days in a lot's IANA time zone (lots file `timeZone`). Pure, browser-safe: time is passed in. */

/** Whether the runtime knows `zone` as an IANA time zone (e.g. Asia/Tokyo). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `atMs`, in ms (e.g. +9 h for Asia/Tokyo). */
export function zoneOffsetMs(zone: string, atMs: number): number {
  const hour = Math.floor(atMs / HOUR_MS);
  let cached = steady.get(zone);
  if (cached?.hour !== hour) {
    // The offset of the whole UTC hour when its first and last second agree (no zone changes its
    // offset twice within an hour); null when it changes inside the hour, e.g. Australia/Adelaide
    // at 16:30 UTC: then every instant of that hour is asked of the formatter.
    const first = exactOffsetMs(zone, hour * HOUR_MS);
    cached = { hour, offsetMs: first === exactOffsetMs(zone, hour * HOUR_MS + HOUR_MS - 1000) ? first : null };
    steady.set(zone, cached);
  }
  return cached.offsetMs ?? exactOffsetMs(zone, atMs);
}

const HOUR_MS = 3_600_000;
// Ingest asks for the offset of every status it builds (thousands a second), nearly always in the
// current hour; formatToParts was ~5 % of its CPU. One entry per zone: the hour last asked for.
const steady = new Map<string, { hour: number; offsetMs: number | null }>();

function exactOffsetMs(zone: string, atMs: number): number {
  const parts = partsFormat(zone).formatToParts(new Date(atMs));
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

// Making a formatter costs far more than using one, and ingest asks for every status it publishes.
const formats = new Map<string, Intl.DateTimeFormat>();
function partsFormat(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(zone, f);
  }
  return f;
}

/**
 * Epoch ms of 00:00 of the local day containing `atMs` in `zone`.
 * @example startOfDayIn('Asia/Tokyo', Date.parse('2026-11-26T10:00:00+09:00')) === Date.parse('2026-11-26T00:00:00+09:00')
 */
export function startOfDayIn(zone: string, atMs: number): number {
  const local = atMs + zoneOffsetMs(zone, atMs);
  const midnightLocal = Math.floor(local / 86_400_000) * 86_400_000;
  // The offset at midnight itself (a DST change during the day moves it).
  return midnightLocal - zoneOffsetMs(zone, midnightLocal - zoneOffsetMs(zone, atMs));
}
