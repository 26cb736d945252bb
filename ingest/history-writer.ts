/**
 * Occupancy history points (`lot_occupancy`). A change of level or staleness is written at once,
 * so transitions keep their exact time; changes of the count alone are coalesced to the last one
 * per lot per interval (default 1 s, finer than the finest history step of 1 min), which keeps
 * the store's load flat however busy the gates are. The interval is one of the points' own time:
 * a pending point whose window has passed is written before the next one replaces it, so the last
 * state of every window survives a slow timer (a busy machine, or readings on virtual time).
 * Inert until start().
 */
import type { LotStatus } from '../protocol/index.js';
import type { OccupancyPoint, OccupancyStore } from '../storage/index.js';

export interface HistoryWriter {
  record(status: LotStatus, occupiedRaw: number, timeMs: number): void;
  start(): void;
  /** Writes whatever is pending and stops the timer. */
  stop(): void;
}

export function createHistoryWriter({
  store,
  nextSeq,
  intervalMs = 1000,
}: {
  store: Pick<OccupancyStore, 'write'>;
  nextSeq: (lotId: string) => number;
  intervalMs?: number;
}): HistoryWriter {
  const lastShape = new Map<string, string>();
  const pending = new Map<string, Omit<OccupancyPoint, 'lotSeq'>>();
  let timer: NodeJS.Timeout | null = null;
  const write = (p: Omit<OccupancyPoint, 'lotSeq'>) => store.write([{ ...p, lotSeq: nextSeq(p.lotId) }]);
  const flush = () => {
    for (const p of pending.values()) write(p);
    pending.clear();
  };
  return {
    record(status, occupiedRaw, timeMs) {
      const point: Omit<OccupancyPoint, 'lotSeq'> = {
        measurement: 'lot_occupancy',
        lotId: status.lotId,
        timeMs,
        occupied: status.occupied,
        occupiedRaw,
        capacity: status.capacity,
        level: status.level,
        stale: status.stale,
      };
      const shape = `${status.level}/${status.stale}`;
      // A pending point of an earlier window is that window's last state: written, never replaced.
      const before = pending.get(status.lotId);
      if (before && Math.floor(before.timeMs / intervalMs) !== Math.floor(timeMs / intervalMs)) write(before);
      if (lastShape.get(status.lotId) !== shape) {
        lastShape.set(status.lotId, shape);
        pending.delete(status.lotId);
        write(point);
      } else {
        pending.set(status.lotId, point);
      }
    },
    start() {
      timer ??= setInterval(flush, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      flush();
    },
  };
}
