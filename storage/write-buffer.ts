/**
 * An ordered, bounded write-behind buffer: batches items, writes one batch at a time (so the
 * store sees them in order), retries retryable failures with exponential backoff, and when full
 * drops the oldest queued items, counting them.
 */
import pino, { type Logger } from 'pino';

export interface WriteBufferOptions<T> {
  write(batch: T[]): Promise<void>;
  /** Connection errors and 5xx: retry. Anything else (a 400): drop the batch. */
  isRetryable(err: unknown): boolean;
  maxBuffered?: number;
  batchSize?: number;
  /** How long a partial batch may wait for company. */
  flushIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  logger?: Logger;
}

export interface WriteBufferStats {
  buffered: number;
  written: number;
  dropped: number;
  lastError: string | null;
}

export interface WriteBuffer<T> {
  push(items: readonly T[]): void;
  /** Resolves when everything pushed so far is written or dropped, or after timeoutMs (false then). */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Stops retrying after a final flush attempt; returns how many items were never written. */
  stop(timeoutMs: number): Promise<number>;
  stats(): WriteBufferStats;
}

export function createWriteBuffer<T>({
  write,
  isRetryable,
  maxBuffered = 100_000,
  batchSize = 5000,
  flushIntervalMs = 250,
  initialBackoffMs = 250,
  maxBackoffMs = 10_000,
  logger = pino({ level: 'silent' }),
}: WriteBufferOptions<T>): WriteBuffer<T> {
  let queue: T[] = [];
  let head = 0; // index of the oldest queued item; compacted as batches are taken
  let inFlight = 0;
  let written = 0;
  let dropped = 0;
  let lastError: string | null = null;
  let backoffMs = 0;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const queued = () => queue.length - head;

  function schedule(delayMs: number) {
    if (running || timer || stopped) return;
    timer = setTimeout(() => {
      timer = null;
      void pump();
    }, delayMs);
  }

  function settleIdle() {
    if (queued() === 0 && inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async function pump() {
    if (running) return;
    running = true;
    try {
      while (queued() > 0 && !stopped) {
        const batch = queue.slice(head, head + batchSize);
        head += batch.length;
        // Let go of what was taken at once: a written item held by the queue lives through young-
        // generation GCs and is promoted (the bench's ingest kept ~500 B a reading until 65,536 had gone).
        if (head === queue.length) {
          queue = [];
          head = 0;
        } else if (head > 4096 && head * 2 > queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        inFlight = batch.length;
        try {
          await write(batch);
          written += batch.length;
          if (lastError) logger.info({ written: batch.length }, 'store writes recovered');
          lastError = null;
          backoffMs = 0;
        } catch (err) {
          lastError = (err as Error).message ?? String(err);
          if (!isRetryable(err)) {
            dropped += batch.length;
            logger.error({ err: lastError, points: batch.length }, 'store refused a batch; dropped (not retryable)');
          } else {
            // Put the batch back in front, ahead of newer items, and wait before trying again.
            queue = batch.concat(queue.slice(head));
            head = 0;
            inFlight = 0;
            trimOverflow();
            backoffMs = Math.min(maxBackoffMs, backoffMs ? backoffMs * 2 : initialBackoffMs);
            logger.warn({ err: lastError, buffered: queued(), retryInMs: backoffMs }, 'store write failed; buffering and retrying');
            running = false;
            schedule(backoffMs);
            return;
          }
        } finally {
          inFlight = 0;
        }
      }
    } finally {
      running = false;
      settleIdle();
    }
  }

  function trimOverflow() {
    const excess = queued() + inFlight - maxBuffered;
    if (excess <= 0) return;
    const n = Math.min(excess, queued());
    head += n;
    dropped += n;
    logger.warn({ dropped: n, maxBuffered }, 'store buffer full; dropped the oldest points');
  }

  return {
    push(items) {
      if (items.length === 0) return;
      for (const item of items) queue.push(item);
      trimOverflow();
      if (backoffMs > 0) return; // a retry is already scheduled
      if (queued() >= batchSize) {
        if (timer) clearTimeout(timer), (timer = null);
        void pump();
      } else schedule(flushIntervalMs);
    },
    flush(timeoutMs = Infinity) {
      if (queued() === 0 && inFlight === 0) return Promise.resolve(true);
      if (backoffMs === 0 && !running) {
        if (timer) clearTimeout(timer), (timer = null);
        void pump();
      }
      return new Promise<boolean>((resolve) => {
        const t = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : null;
        idleWaiters.push(() => {
          if (t) clearTimeout(t);
          resolve(true);
        });
      });
    },
    async stop(timeoutMs) {
      if (backoffMs > 0 && timer) {
        // One last prompt attempt rather than waiting out the backoff.
        clearTimeout(timer);
        timer = null;
        backoffMs = 0;
        void pump();
      }
      await this.flush(timeoutMs);
      stopped = true;
      if (timer) clearTimeout(timer), (timer = null);
      const lost = queued() + inFlight;
      return lost;
    },
    stats: () => ({ buffered: queued() + inFlight, written, dropped, lastError }),
  };
}
