/**
 * Input formats of `npm run forecast`: our CSV (protocol/history-csv.ts) and the UCI "Parking
 * Birmingham" file (`SystemCodeNumber,Capacity,Occupancy,LastUpdated`, local time without offset),
 * converted to our rows with the lot's time zone.
 */
import { createLocalClock } from '../core/index.js';
import { HISTORY_CSV_HEADER, parseHistoryCsv, type ParsedHistoryCsv } from '../protocol/index.js';

export const FORMATS = ['manku', 'birmingham'] as const;
export type Format = (typeof FORMATS)[number];

const BIRMINGHAM_HEADER = 'SystemCodeNumber,Capacity,Occupancy,LastUpdated';

/**
 * Birmingham rows -> our CSV text (times in UTC, Z), keeping line numbers: a row that cannot be
 * converted is passed through as it was, so parseHistoryCsv reports it at its own line.
 */
export function birminghamToCsv(text: string, timeZone: string): string {
  const clock = createLocalClock(timeZone);
  const lines = text.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '').trim() !== BIRMINGHAM_HEADER) {
    throw new Error(`line 1: a Birmingham file starts with the header "${BIRMINGHAM_HEADER}"`);
  }
  const out = [HISTORY_CSV_HEADER];
  for (const line of lines.slice(1)) {
    const [lot, capacity, occupied, local, ...rest] = line.split(',');
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(local?.trim() ?? '');
    if (!m || rest.length > 0) {
      out.push(line);
      continue;
    }
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const utc = clock.utcMs(Date.UTC(y, mo - 1, d, h, mi, s));
    out.push(`${lot},${new Date(utc).toISOString()},${occupied},${capacity}`);
  }
  return out.join('\n');
}

export function parseInput(text: string, format: Format, timeZone: string): ParsedHistoryCsv {
  return parseHistoryCsv(format === 'birmingham' ? birminghamToCsv(text, timeZone) : text);
}
