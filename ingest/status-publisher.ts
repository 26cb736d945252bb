/**
 * Publishes each lot's status (QoS 1, retained) when what it shows or its trend changes, when it goes stale,
 * and at most every `refreshMs` otherwise; hands material changes to the history writer.
 *
 * Leading-edge throttle: the first change after a quiet spell goes out on the next turn of the
 * event loop; further changes within `intervalMs` are coalesced into one status at its end. Under
 * load that turns thousands of readings a second into at most 1000/intervalMs statuses (and
 * history points) per second, for a few milliseconds of added latency.
 */
import pino, { type Logger } from 'pino';
import { sameAnnounced, sameShown, type LotStatus } from '../protocol/index.js';
import type { Clock } from '../core/index.js';
import type { HistoryWriter } from './history-writer.js';
import type { Ledger } from './ledger.js';

export interface StatusPublisherOptions {
  ledger: Pick<Ledger, 'status' | 'lot' | 'lotIds'>;
  clock: Clock;
  history: Pick<HistoryWriter, 'record'>;
  publish(lotId: string, status: LotStatus): void;
  /** Changes within this window are coalesced into one publish. */
  intervalMs?: number;
  /** A status whose only change is observedAt is republished at most this often. */
  refreshMs?: number;
  /** How often every lot is re-evaluated (staleness follows the clock). */
  tickMs?: number;
  logger?: Logger;
}

export interface StatusPublisher {
  /** A lot's state changed: publish it soon. */
  changed(lotId: string): void;
  /** Re-evaluates and publishes every lot now. */
  refresh(): void;
  start(): void;
  /** Publishes what is pending and stops the ticker. */
  stop(): void;
  readonly published: number;
}

export function createStatusPublisher({
  ledger,
  clock,
  history,
  publish,
  intervalMs = 5,
  refreshMs = 10_000,
  tickMs = 1000,
  logger = pino({ level: 'silent' }),
}: StatusPublisherOptions): StatusPublisher {
  const log = logger.child({ component: 'ingest' });
  const dirty = new Set<string>();
  const last = new Map<string, { status: LotStatus; atMs: number }>();
  let lastFlushAt = -Infinity;
  let pending: { cancel(): void } | null = null;
  let ticker: NodeJS.Timeout | null = null;
  let published = 0;

  function changed(lotId: string) {
    dirty.add(lotId);
    if (pending) return;
    const wait = lastFlushAt + intervalMs - performance.now();
    if (wait <= 0) {
      const t = setImmediate(flush);
      pending = { cancel: () => clearImmediate(t) };
    } else {
      const t = setTimeout(flush, wait);
      pending = { cancel: () => clearTimeout(t) };
    }
  }

  function flush() {
    pending?.cancel();
    pending = null;
    lastFlushAt = performance.now();
    const now = clock.now();
    for (const lotId of dirty) {
      const status = ledger.status(lotId);
      if (!status) continue;
      const before = last.get(lotId);
      const material = !before || !sameShown(before.status, status);
      // A trend change alone is announced (published) but is no history point.
      const announced = material || !sameAnnounced(before.status, status);
      if (!announced && (before.status.observedAt === status.observedAt || now - before.atMs < refreshMs)) continue;
      if (material) {
        history.record(status, ledger.lot(lotId)!.occupiedRaw, now);
        if (before && before.status.level !== status.level) log.info({ lotId, from: before.status.level, to: status.level, occupied: status.occupied }, 'level changed');
      }
      last.set(lotId, { status, atMs: now });
      publish(lotId, status);
      published += 1;
    }
    dirty.clear();
  }

  function refresh() {
    for (const id of ledger.lotIds) dirty.add(id);
    flush();
  }

  return {
    changed,
    refresh,
    start() {
      ticker ??= setInterval(refresh, tickMs);
      ticker.unref();
    },
    stop() {
      if (ticker) clearInterval(ticker);
      ticker = null;
      if (pending) flush();
    },
    get published() {
      return published;
    },
  };
}
