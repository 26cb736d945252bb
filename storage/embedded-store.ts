/**
 * The store used when no INFLUX_URL is set: each lot's latest state and a bounded history in
 * memory, saved as a JSON snapshot in DATA_DIR (see embedded-snapshot.ts) every few seconds when
 * something changed, and on stop.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { bucketHistory, type HistoryPoint, type KnownLevel } from '../core/index.js';
import { readSnapshot, SNAPSHOT_FILE, writeSnapshot, type LotRecord } from './embedded-snapshot.js';
import { MEASUREMENT, sensorStateOf, type CalibrationPoint, type OccupancyPoint, type StorePoint } from './points.js';
import type { HistorySource, OccupancyStore, StoredLot, StoreStats } from './port.js';

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** History points kept per lot; the oldest go first. */
  historyLimit?: number;
  snapshotIntervalMs?: number;
  logger?: Logger;
}

/** Calibration events kept per lot. */
const CALIBRATIONS_KEPT = 1000;

export interface EmbeddedStore extends OccupancyStore {
  /** Bucketed history of one lot, as the InfluxDB store would give it. */
  history(lotId: string, fromMs: number, toMs: number, stepMs: number): HistoryPoint[];
  calibrations(lotId: string): readonly CalibrationPoint[];
}

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
    try {
      await writeSnapshot(file, lots);
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
      const snapshot = await readSnapshot(file);
      if (snapshot) {
        for (const [id, rec] of Object.entries(snapshot.lots)) lots.set(id, rec);
        log.info({ file, lots: lots.size, savedAt: snapshot.savedAt }, 'snapshot loaded');
      }
      timer = setInterval(saveSerially, snapshotIntervalMs);
      timer.unref();
    },
    async restore(lotIds) {
      const out = new Map<string, StoredLot>();
      for (const id of lotIds) {
        const rec = lots.get(id);
        if (!rec) continue;
        const level = lastKnownLevel(rec.history);
        out.set(id, { occupiedRaw: rec.occupiedRaw, sensors: structuredClone(rec.sensors), lastSeq: rec.lastSeq, ...(level ? { level } : {}) });
      }
      return out;
    },
    write(points: readonly StorePoint[]) {
      for (const p of points) {
        const rec = lotRecord(p.lotId);
        // Points arrive in lotSeq order: one at or below the last is a rewrite (or a stray older
        // one) and is neither kept nor counted, so `written` counts distinct points.
        if (p.lotSeq <= rec.lastSeq) continue;
        rec.lastSeq = p.lotSeq;
        if (p.measurement === MEASUREMENT.reading) {
          rec.occupiedRaw = p.occupiedRaw;
          rec.sensors[p.sensorId] = sensorStateOf(p);
        } else if (p.measurement === MEASUREMENT.calibration) {
          rec.occupiedRaw = p.occupiedRaw;
          rec.calibrations.push(p);
          if (rec.calibrations.length > CALIBRATIONS_KEPT) rec.calibrations.shift();
        } else {
          // A history point is not the count to restore: it is written up to a second after its
          // time (ingest/history-writer.ts), after readings it does not include.
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

/**
 * The level last shown, for the hysteresis after a restart (core/lot-state.ts): the newest live
 * history point that was not 'unknown' (a stale lot's level goes on underneath it). Imported
 * history (lotSeq 0) is no lot's current state.
 */
function lastKnownLevel(history: readonly OccupancyPoint[]): KnownLevel | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const p = history[i]!;
    if (p.lotSeq > 0 && p.level !== 'unknown') return p.level;
  }
  return null;
}

/** The embedded store as the API's history source: for an API in the same process as ingest. */
export function embeddedHistory(store: EmbeddedStore): HistorySource {
  return { kind: store.kind, history: async (...args) => store.history(...args) };
}
