/**
 * Past occupancy (e.g. from a car park's previous system) loaded into a store as `lot_occupancy`
 * points, so /history shows it and forecasts can start on day one.
 *
 * Imported points carry lotSeq 0 (a gap's mark −1): they are history only, never a lot's current state (restore
 * takes the point with the highest lotSeq above 0, so a live count is never replaced by an
 * imported one), and in InfluxDB a point's timestamp is then its time in ms exactly, so importing
 * the same file again rewrites the same points instead of adding new ones. A gap longer than
 * `maxGapMs` between two rows of a lot is stored as an unknown (stale) point `maxGapMs` after the
 * row before it, as the live history marks a silent lot, so a gap is never read as a flat line.
 */
import { InfluxDB } from 'influx';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { nextLevel, type KnownLevel, type Thresholds } from '../core/index.js';
import type { HistoryRecord } from '../protocol/index.js';
import { readSnapshot, SNAPSHOT_FILE, writeSnapshot, type LotRecord } from './embedded-snapshot.js';
import { INFLUX_SCHEMA, toInfluxPoint } from './influx-schema.js';
import { parseInfluxUrl } from './influx-target.js';
import type { OccupancyPoint } from './points.js';

/** The lotSeq of every imported row... */
export const IMPORTED_SEQ = 0;
/**
 * ...and of the unknown mark after a gap: −1, so that in InfluxDB (lotSeq mod 10^6 is the
 * timestamp's nanoseconds) a mark never lands on, and replaces, a row of another imported file at
 * the same millisecond; read back at ms precision it is 1 ms earlier.
 */
export const IMPORTED_GAP_SEQ = -1;

/**
 * One lot's rows (sorted by time) as history points: occupancy clamped to 0..capacity as the live
 * status shows it (the raw value kept), the level from the lot's thresholds with hysteresis, and
 * an unknown point after each gap longer than maxGapMs (and after the last row).
 * @example importedPoints(rows, { id: 'lot-a', thresholds }, { maxGapMs: 3_600_000, nowMs: Date.now() })
 */
export function importedPoints(
  rows: readonly HistoryRecord[],
  lot: { id: string; thresholds: Thresholds },
  { maxGapMs, nowMs }: { maxGapMs: number; nowMs: number },
): OccupancyPoint[] {
  const out: OccupancyPoint[] = [];
  let level: KnownLevel | null = null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const occupied = Math.min(r.capacity, Math.max(0, r.occupied));
    level = nextLevel(level, (occupied / r.capacity) * 100, lot.thresholds);
    const base = { measurement: 'lot_occupancy' as const, lotId: lot.id, lotSeq: IMPORTED_SEQ, occupied, occupiedRaw: r.occupied, capacity: r.capacity };
    out.push({ ...base, timeMs: r.timeMs, level, stale: false });
    const next = rows[i + 1]?.timeMs ?? Infinity;
    const gapEnd = r.timeMs + maxGapMs;
    if (next > gapEnd && gapEnd <= nowMs) {
      out.push({ ...base, lotSeq: IMPORTED_GAP_SEQ, timeMs: gapEnd, level: 'unknown', stale: true });
      level = null;
    }
  }
  return out;
}

export interface ImportProgress {
  (written: number, total: number): void;
}

/** Writes the points to InfluxDB (the database is created if missing) in batches of `batchSize`. */
export async function importIntoInflux(url: string, points: readonly OccupancyPoint[], { batchSize = 5000, onProgress }: { batchSize?: number; onProgress?: ImportProgress } = {}): Promise<void> {
  const target = parseInfluxUrl(url);
  const influx = new InfluxDB({ ...target, schema: INFLUX_SCHEMA, pool: { maxRetries: 2, requestTimeout: 30_000 } });
  await influx.createDatabase(target.database);
  for (let i = 0; i < points.length; i += batchSize) {
    await influx.writePoints(points.slice(i, i + batchSize).map(toInfluxPoint), { precision: 'n' });
    onProgress?.(Math.min(points.length, i + batchSize), points.length);
  }
}

/**
 * Merges the points into the embedded store's snapshot in `dataDir` (created if missing): each
 * lot's history stays in time order, a point already there (same time, imported) is replaced, and
 * at most `historyLimit` points are kept per lot (the newest). Run it while manku is stopped: a
 * running manku owns the snapshot and would overwrite it.
 * @returns points kept per lot after the merge
 */
export async function importIntoEmbedded(dataDir: string, points: readonly OccupancyPoint[], { historyLimit = 100_000 }: { historyLimit?: number } = {}): Promise<Map<string, number>> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, SNAPSHOT_FILE);
  const snapshot = await readSnapshot(file);
  const lots = new Map<string, LotRecord>(Object.entries(snapshot?.lots ?? {}));
  const byLot = new Map<string, OccupancyPoint[]>();
  for (const p of points) {
    let list = byLot.get(p.lotId);
    if (!list) byLot.set(p.lotId, (list = []));
    list.push(p);
  }
  const kept = new Map<string, number>();
  for (const [lotId, imported] of byLot) {
    const rec: LotRecord = lots.get(lotId) ?? { occupiedRaw: 0, lastSeq: 0, sensors: {}, history: [], calibrations: [] };
    const keys = new Set(imported.map((p) => `${p.timeMs}/${p.lotSeq}`));
    const live = rec.history.filter((p) => !(p.lotSeq <= IMPORTED_SEQ && keys.has(`${p.timeMs}/${p.lotSeq}`)));
    // Stable sort by time: at an equal time a live point (after the imported one) wins, as later points do.
    const merged = [...imported, ...live].sort((a, b) => a.timeMs - b.timeMs);
    rec.history = merged.slice(Math.max(0, merged.length - historyLimit));
    lots.set(lotId, rec);
    kept.set(lotId, rec.history.length);
  }
  await writeSnapshot(file, lots);
  return kept;
}
