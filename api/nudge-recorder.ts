/**
 * Nudge events, aggregated on arrival (issue 15): each accepted event only increments a count in
 * memory (core/nudge-tally.ts), flushed to the store every `flushMs`. Nothing about the request
 * (address, user agent, cookies) is handed in, so nothing about it can be kept.
 */
import pino, { type Logger } from 'pino';
import { capOrigin, createNudgeTally, summarizeNudges, systemClock, type Clock } from '../core/index.js';
import type { NudgeEvent, NudgeStats } from '../protocol/index.js';
import type { NudgeStore } from '../storage/index.js';

export const NUDGE_REJECT_REASONS = ['bad_event', 'too_large', 'rate_limited', 'origin', 'unknown_lot', 'opted_out'] as const;
export type NudgeRejectReason = (typeof NUDGE_REJECT_REASONS)[number];

export interface NudgeRecorder {
  record(lotId: string, event: NudgeEvent, origin: string | null): void;
  /** Counts a refused event (metrics) and logs it, at most once a minute per reason. */
  reject(reason: NudgeRejectReason, lotId: string): void;
  stats(lotId: string, fromMs: number, toMs: number, step: '1h' | '1d'): Promise<NudgeStats>;
  /** Writes what was counted so far. */
  flush(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Accepted events by event and level, refused ones by reason, since start (metrics). */
  totals(): { accepted: Map<string, number>; rejected: Record<NudgeRejectReason, number> };
}

export function createNudgeRecorder({
  store,
  clock = systemClock,
  flushMs = 10_000,
  maxOriginsPerLot = 50,
  logger = pino({ level: 'silent' }),
}: {
  store: NudgeStore;
  clock?: Clock;
  flushMs?: number;
  /** Distinct sites counted per lot; more are counted as "other". */
  maxOriginsPerLot?: number;
  logger?: Logger;
}): NudgeRecorder {
  const log = logger.child({ component: 'nudge' });
  const tally = createNudgeTally();
  const origins = new Map<string, Set<string>>();
  const accepted = new Map<string, number>();
  const rejected = Object.fromEntries(NUDGE_REJECT_REASONS.map((r) => [r, 0])) as Record<NudgeRejectReason, number>;
  const lastLogged = new Map<NudgeRejectReason, number>();
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    const counts = tally.drain();
    writing = writing.then(async () => {
      if (!counts.length) return;
      try {
        await store.add(counts);
      } catch (err) {
        // Put them back: counted again at the next flush, never lost to a store outage.
        tally.restore(counts);
        log.warn({ err: (err as Error).message, counts: counts.length }, 'could not store nudge counts; will retry');
      }
    });
    return writing;
  }

  return {
    record(lotId, event, origin) {
      let seen = origins.get(lotId);
      if (!seen) origins.set(lotId, (seen = new Set()));
      tally.add(lotId, event, capOrigin(seen, origin, maxOriginsPerLot), clock.now());
      const key = `${event.event}|${event.level}`;
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
    },
    reject(reason, lotId) {
      rejected[reason] += 1;
      const now = clock.now();
      if (now - (lastLogged.get(reason) ?? -Infinity) < 60_000) return;
      lastLogged.set(reason, now);
      log.warn({ reason, lotId, refusedSoFar: rejected[reason] }, 'nudge event refused (logged at most once a minute per reason)');
    },
    async stats(lotId, fromMs, toMs, step) {
      await flush();
      return summarizeNudges(await store.read(lotId, fromMs, toMs), lotId, fromMs, toMs, step);
    },
    flush,
    start() {
      timer ??= setInterval(() => void flush(), flushMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await flush();
    },
    totals: () => ({ accepted, rejected }),
  };
}
