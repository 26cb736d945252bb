/**
 * What is waiting to be pushed: at most one entity per lot, the latest (a newer status of a lot
 * replaces the one waiting, counted as superseded). So the queue never holds more entries than
 * there are lots, however long the city's broker is down. Pure: no timers, no I/O.
 */
export interface Pending<T> {
  /** Queue the lot's latest entity, replacing any still waiting. */
  put(lotId: string, item: T): void;
  /** Takes up to `max` lots, oldest first, for one request. */
  take(max: number): Array<{ lotId: string; item: T }>;
  /** Puts back a batch that failed, except lots that got a newer entity meanwhile (latest wins). */
  putBack(batch: ReadonlyArray<{ lotId: string; item: T }>): void;
  readonly size: number;
  readonly superseded: number;
}

export function createPending<T>(): Pending<T> {
  const waiting = new Map<string, T>();
  let superseded = 0;
  return {
    put(lotId, item) {
      if (waiting.delete(lotId)) superseded += 1;
      waiting.set(lotId, item); // re-inserted: order follows the latest change
    },
    take(max) {
      const batch: Array<{ lotId: string; item: T }> = [];
      for (const [lotId, item] of waiting) {
        if (batch.length >= max) break;
        batch.push({ lotId, item });
      }
      for (const { lotId } of batch) waiting.delete(lotId);
      return batch;
    },
    putBack(batch) {
      const newer = new Map(waiting);
      waiting.clear();
      for (const { lotId, item } of batch) if (!newer.has(lotId)) waiting.set(lotId, item);
      for (const [lotId, item] of newer) waiting.set(lotId, item);
    },
    get size() {
      return waiting.size;
    },
    get superseded() {
      return superseded;
    },
  };
}
