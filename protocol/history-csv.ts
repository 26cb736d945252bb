/**
 * Occupancy history as CSV, `lot,time,occupied,capacity` with a header line, `time` ISO 8601 with
 * an offset or `Z` (e.g. `demo-hospital,2026-11-26T08:00:00+09:00,120,200`). Used to evaluate the
 * forecaster and to load a lot's past. Every bad row is reported with its line number; none is
 * dropped silently. Occupancy outside 0..capacity is accepted (real counters drift) and counted.
 */
import { z } from 'zod';

export const HISTORY_CSV_HEADER = 'lot,time,occupied,capacity';

export const HistoryRow = z.strictObject({
  lot: z.string().trim().min(1, 'lot is empty'),
  time: z.iso.datetime({ offset: true, message: 'time must be ISO 8601 with an offset or Z, e.g. 2026-11-26T08:00:00+09:00' }),
  occupied: z.coerce.number().int('occupied must be a whole number'),
  capacity: z.coerce.number().int('capacity must be a whole number').positive('capacity must be positive'),
});

export interface HistoryRecord {
  lot: string;
  timeMs: number;
  occupied: number;
  capacity: number;
}

export interface CsvProblem {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

export interface ParsedHistoryCsv {
  rows: HistoryRecord[];
  errors: CsvProblem[];
  /** Rows whose occupancy lies outside 0..capacity (kept; the forecaster clamps as the live status does). */
  outOfRange: number;
}

/** @example parseHistoryCsv('lot,time,occupied,capacity\na,2026-11-26T08:00:00Z,5,10\n').rows[0].occupied === 5 */
export function parseHistoryCsv(text: string): ParsedHistoryCsv {
  const lines = text.split(/\r?\n/);
  const out: ParsedHistoryCsv = { rows: [], errors: [], outOfRange: 0 };
  if (lines[0]?.replace(/^\uFEFF/, '').trim() !== HISTORY_CSV_HEADER) {
    out.errors.push({ line: 1, message: `the first line must be the header "${HISTORY_CSV_HEADER}"` });
    return out;
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== 4) {
      out.errors.push({ line: i + 1, message: `expected 4 columns (${HISTORY_CSV_HEADER}), found ${cells.length}` });
      continue;
    }
    const [lot, time, occupied, capacity] = cells.map((c) => c.trim());
    const parsed = HistoryRow.safeParse({ lot, time, occupied: occupied || undefined, capacity: capacity || undefined });
    if (!parsed.success) {
      out.errors.push({ line: i + 1, message: parsed.error.issues.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ') });
      continue;
    }
    const row = parsed.data;
    if (row.occupied < 0 || row.occupied > row.capacity) out.outOfRange++;
    out.rows.push({ lot: row.lot, timeMs: Date.parse(row.time), occupied: row.occupied, capacity: row.capacity });
  }
  return out;
}
