/**
 * Publishes each lot's status (QoS 1, retained) when what it shows or its trend changes, when it goes stale,
 * and at most every `refreshMs` otherwise; hands material changes to the history writer.
 *
 * Two throttles, both leading-edge (the first change after a quiet spell goes out at once):
 * - all lots: changes within `intervalMs` (a few ms) are gathered into one pass;
 * - per lot: a change of the count alone is published at most once per `lotIntervalMs` (by the
 *   clock, so virtual-time runs throttle in virtual time); the latest count goes out when the
 *   window ends. A change of level, staleness or trend is never held back. Under load that turns
 *   thousands of readings a second into at most one status per lot per second, which is what the
 *   broker, the API and every live client would otherwise pay for, while nobody reads a sign
 *   faster than that. History still hears of every change (the history writer coalesces itself).
 */
import pino, { type Logger } from 'pino';
import { sameShown, type LotStatus } from '../protocol/index.js';
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
  /** A lot's count-only changes are published at most this often (level or staleness changes at once). */
  lotIntervalMs?: number;
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
  lotIntervalMs = 1000,
  refreshMs = 10_000,
  tickMs = 1000,
  logger = pino({ level: 'silent' }),
}: StatusPublisherOptions): StatusPublisher {
  const log = logger.child({ component: 'ingest' });
  const dirty = new Set<string>();
  /** What history last heard of, per lot. */
  const recorded = new Map<string, LotStatus>();
  /** What was last published, per lot, and when (clock ms). */
  const last = new Map<string, { status: LotStatus; atMs: number }>();
  /** Lots with a count change held back by the per-lot throttle, and when it may go (clock ms). */
  const held = new Map<string, number>();
  let heldTimer: NodeJS.Timeout | null = null;
  let lastFlushAt = -Infinity;
  let pending: { cancel(): void } | null = null;
  let ticker: NodeJS.Timeout | null = null;
  let published = 0;

  function changed(lotId: string) {
    dirty.add(lotId);
    if (pending) return;
    const wait = lastFlushAt + intervalMs - performance.now();
    if (wait <= 0) {
      const t = setImmediate(() => flush());
      pending = { cancel: () => clearImmediate(t) };
    } else {
      const t = setTimeout(() => flush(), wait);
      pending = { cancel: () => clearTimeout(t) };
    }
  }

  /** Arms one timer for the earliest held lot. */
  function armHeld() {
    if (heldTimer || held.size === 0) return;
    const due = Math.min(...held.values());
    heldTimer = setTimeout(releaseHeld, Math.max(1, due - clock.now()));
    heldTimer.unref();
  }

  function releaseHeld() {
    heldTimer = null;
    const now = clock.now();
    for (const [lotId, due] of held) if (due <= now) (held.delete(lotId), dirty.add(lotId));
    if (dirty.size) flush();
    armHeld();
  }

  /** `release`: send what the per-lot throttle would hold (on stop). */
  function flush(release = false) {
    pending?.cancel();
    pending = null;
    lastFlushAt = performance.now();
    const now = clock.now();
    for (const lotId of dirty) {
      const status = ledger.status(lotId);
      if (!status) continue;
      const heard = recorded.get(lotId);
      if (!heard || !sameShown(heard, status)) {
        history.record(status, ledger.lot(lotId)!.occupiedRaw, now);
        recorded.set(lotId, status);
      }
      const before = last.get(lotId);
      const material = !before || !sameShown(before.status, status);
      // A trend change alone is published at once, but is no history point (recorded above compares sameShown).
      const trendChanged = before !== undefined && before.status.trend !== status.trend;
      if (!material && !trendChanged && (before.status.observedAt === status.observedAt || now - before.atMs < refreshMs)) continue;
      const urgent = !before || before.status.level !== status.level || before.status.stale !== status.stale || trendChanged;
      if (!release && material && !urgent && now - before.atMs < lotIntervalMs) {
        if (!held.has(lotId)) held.set(lotId, before.atMs + lotIntervalMs);
        continue;
      }
      held.delete(lotId);
      if (before && before.status.level !== status.level) log.info({ lotId, from: before.status.level, to: status.level, occupied: status.occupied }, 'level changed');
      last.set(lotId, { status, atMs: now });
      publish(lotId, status);
      published += 1;
    }
    dirty.clear();
    armHeld();
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
      if (heldTimer) clearTimeout(heldTimer);
      heldTimer = null;
      for (const lotId of held.keys()) dirty.add(lotId);
      held.clear();
      if (pending || dirty.size) flush(true);
    },
    get published() {
      return published;
    },
  };
}
