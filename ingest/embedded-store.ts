/**
 * The store used when no INFLUX_URL is set: each lot's latest state and a bounded history in
 * memory, saved as a JSON snapshot in DATA_DIR (atomically: write, fsync, rename) every few
 * seconds when something changed, and on stop.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { bucketHistory, sensorStateOf, type CalibrationPoint, type HistoryPoint, type OccupancyPoint, type OccupancyStore, type StoredLot, type StorePoint, type StoreStats } from '../core/index.js';

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** History points kept per lot; the oldest go first. */
  historyLimit?: number;
  snapshotIntervalMs?: number;
  logger?: Logger;
}

const count = z.int().nonnegative();
const Snapshot = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  lots: z.record(
    z.string(),
    z.object({
      occupiedRaw: z.int(),
      lastSeq: z.int().nonnegative(),
      sensors: z.record(z.string(), z.object({ boot: count, seq: count, in: count, out: count, lastSeenMs: z.number(), rebaseline: z.boolean().optional() })),
      history: z.array(
        z.object({
          measurement: z.literal('lot_occupancy'),
          lotId: z.string(),
          timeMs: z.number(),
          lotSeq: z.int().default(0),
          occupied: count,
          occupiedRaw: z.int(),
          capacity: z.int(),
          level: z.enum(['vacant', 'crowded', 'full', 'unknown']),
          stale: z.boolean(),
        }),
      ),
      calibrations: z
        .array(
          z.object({
            measurement: z.literal('lot_calibration'),
            lotId: z.string(),
            timeMs: z.number(),
            lotSeq: z.int(),
            requestId: z.string(),
            occupied: count,
            previousRaw: z.int(),
            occupiedRaw: z.int(),
          }),
        )
        .default([]),
    }),
  ),
});

interface LotRecord extends StoredLot {
  history: OccupancyPoint[];
  calibrations: CalibrationPoint[];
}

/** Calibration events kept per lot. */
const CALIBRATIONS_KEPT = 1000;

export interface EmbeddedStore extends OccupancyStore {
  /** Bucketed history of one lot, as the InfluxDB store would give it. */
  history(lotId: string, fromMs: number, toMs: number, stepMs: number): HistoryPoint[];
  calibrations(lotId: string): readonly CalibrationPoint[];
}

export const SNAPSHOT_FILE = 'manku-state.json';

export function createEmbeddedStore({
  dataDir,
  historyLimit = 100_000,
  snapshotIntervalMs = 5000,
  logger = pino({ level: 'silent' }),
}: EmbeddedStoreOptions): EmbeddedStore {
  const log = logger.child({ component: 'embedded-store' });
  const file = join(dataDir, SNAPSHOT_FILE);
  const lots = new Map<string, LotRecord>();
  let dirty = false;
  let written = 0;
  let lastError: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let saving: Promise<void> = Promise.resolve();

  function lotRecord(lotId: string): LotRecord {
    let rec = lots.get(lotId);
    if (!rec) lots.set(lotId, (rec = { occupiedRaw: 0, sensors: {}, lastSeq: 0, history: [], calibrations: [] }));
    return rec;
  }

  async function save() {
    if (!dirty) return;
    dirty = false;
    const body = JSON.stringify({ version: 1, savedAt: new Date().toISOString(), lots: Object.fromEntries(lots) });
    const tmp = `${file}.tmp`;
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      lastError = null;
    } catch (err) {
      dirty = true;
      lastError = (err as Error).message;
      log.error({ err: lastError, file }, 'could not save the snapshot; will retry');
    }
  }

  const saveSerially = () => (saving = saving.then(save));

  return {
    kind: 'embedded',
    description: `embedded store (snapshot ${file})`,
    async start() {
      await mkdir(dataDir, { recursive: true });
      let text: string | null = null;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (text !== null) {
        let parsed;
        try {
          parsed = Snapshot.safeParse(JSON.parse(text));
        } catch (err) {
          throw new Error(`snapshot ${file} is not valid JSON (${(err as Error).message}); move it aside to start empty`);
        }
        if (!parsed.success) {
          throw new Error(`snapshot ${file} is not a manku snapshot: ${z.prettifyError(parsed.error)}; move it aside to start empty`);
        }
        for (const [id, rec] of Object.entries(parsed.data.lots)) lots.set(id, rec);
        log.info({ file, lots: lots.size, savedAt: parsed.data.savedAt }, 'snapshot loaded');
      }
      timer = setInterval(saveSerially, snapshotIntervalMs);
      timer.unref();
    },
    async restore(lotIds) {
      const out = new Map<string, StoredLot>();
      for (const id of lotIds) {
        const rec = lots.get(id);
        if (rec) out.set(id, { occupiedRaw: rec.occupiedRaw, sensors: structuredClone(rec.sensors), lastSeq: rec.lastSeq });
      }
      return out;
    },
    write(points: readonly StorePoint[]) {
      for (const p of points) {
        const rec = lotRecord(p.lotId);
        // Points arrive in lotSeq order: one at or below the last is a rewrite (or a stray older
        // one) and is neither kept nor counted, so `written` counts distinct points.
        if (p.lotSeq <= rec.lastSeq) continue;
        rec.occupiedRaw = p.occupiedRaw;
        rec.lastSeq = p.lotSeq;
        if (p.measurement === 'sensor_reading') {
          rec.sensors[p.sensorId] = sensorStateOf(p);
        } else if (p.measurement === 'lot_calibration') {
          rec.calibrations.push(p);
          if (rec.calibrations.length > CALIBRATIONS_KEPT) rec.calibrations.shift();
        } else {
          rec.history.push(p);
          // Trim in chunks: splicing the front of a long array on every write would be quadratic.
          if (rec.history.length > historyLimit * 1.1) rec.history.splice(0, rec.history.length - historyLimit);
        }
        written += 1;
      }
      dirty = true;
    },
    flush: () => saveSerially(),
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await saveSerially();
      log.info({ file }, 'snapshot saved');
    },
    stats: (): StoreStats => ({ kind: 'embedded', state: lastError ? 'buffering' : 'writing', buffered: 0, written, dropped: 0, lastError }),
    history(lotId, fromMs, toMs, stepMs) {
      const h = lots.get(lotId)?.history ?? [];
      // History points arrive in time order (they are stamped with ingest's clock).
      let lo = 0;
      let hi = h.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (h[mid]!.timeMs < fromMs) lo = mid + 1;
        else hi = mid;
      }
      const start = Math.max(0, lo - 1); // the last point before the range seeds the first buckets
      return bucketHistory(h.slice(start, h.length), fromMs, toMs, stepMs);
    },
    calibrations: (lotId) => lots.get(lotId)?.calibrations ?? [],
  };
}
