/**
 * InfluxDB 1.x store. Points are timestamped with event time plus a sub-millisecond
 * part from lotSeq (see pointTimeNs), so every point is its own and writing the same point twice
 * is idempotent; writes go through an ordered, bounded write-behind buffer, as line protocol we
 * build ourselves (influx-line.ts, influx-write.ts); npm `influx` creates the database and restores.
 */
import { InfluxDB } from 'influx';
import pino, { type Logger } from 'pino';
import { restoreFromInflux } from './influx-restore.js';
import { toLine } from './influx-line.js';
import { INFLUX_SCHEMA } from './influx-schema.js';
import { parseInfluxUrl } from './influx-target.js';
import { createLineWriter } from './influx-write.js';
import type { StorePoint } from './points.js';
import type { OccupancyStore, StoreStats } from './port.js';
import { createWriteBuffer } from './write-buffer.js';

export interface InfluxStoreOptions {
  /** e.g. `http://127.0.0.1:8086/manku` (user:password@ allowed). */
  url: string;
  logger?: Logger;
  maxBuffered?: number;
  batchSize?: number;
  flushIntervalMs?: number;
  requestTimeoutMs?: number;
  /** How long stop() waits for buffered points to be written. */
  stopTimeoutMs?: number;
}

/** Connection failures, timeouts and 5xx are worth retrying; a 4xx will fail the same way again. */
export function isRetryableInfluxError(err: unknown): boolean {
  const e = err as { res?: { statusCode?: number }; code?: string; name?: string };
  const status = e?.res?.statusCode;
  if (typeof status === 'number') return status >= 500;
  return true;
}

// Our own buffer does the backing off; the client's per-host backoff would only add
// 'No host available' failures on top of it.
const noBackoff = { getDelay: () => 0, next() { return this; }, reset() { return this; } };

export function createInfluxStore({
  url,
  logger = pino({ level: 'silent' }),
  maxBuffered = 100_000,
  batchSize = 5000,
  flushIntervalMs = 250,
  requestTimeoutMs = 10_000,
  stopTimeoutMs = 5000,
}: InfluxStoreOptions): OccupancyStore {
  const target = parseInfluxUrl(url);
  const log = logger.child({ component: 'influx-store' });
  const influx = new InfluxDB({
    ...target,
    schema: INFLUX_SCHEMA,
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs, backoff: noBackoff },
  });
  const description = `InfluxDB ${target.protocol}://${target.host}:${target.port}/${target.database}`;
  const writeLines = createLineWriter(target, { timeoutMs: requestTimeoutMs });
  // The buffer holds each point as its line: one string, not the point's object graph.
  const buffer = createWriteBuffer<string>({
    write: (batch) => writeLines(batch.join('\n')),
    isRetryable: isRetryableInfluxError,
    maxBuffered,
    batchSize,
    flushIntervalMs,
    logger: log,
  });
  let stopping = false;
  // Highest lotSeq queued per lot. Points of a lot arrive in lotSeq order, so one at or below it is
  // a rewrite of a point already queued: skipped, so `written` counts distinct points.
  const queuedSeq = new Map<string, number>();

  function freshLines(points: readonly StorePoint[]): string[] {
    const lines: string[] = [];
    for (const p of points) {
      if (p.lotSeq <= (queuedSeq.get(p.lotId) ?? 0)) continue;
      queuedSeq.set(p.lotId, p.lotSeq);
      lines.push(toLine(p));
    }
    return lines;
  }

  async function start() {
    let delay = 250;
    for (;;) {
      try {
        await influx.createDatabase(target.database); // a no-op when it exists
        log.info({ database: target.database }, 'InfluxDB database ready');
        return;
      } catch (err) {
        if (!isRetryableInfluxError(err)) throw new Error(`InfluxDB refused CREATE DATABASE: ${(err as Error).message}`);
        if (stopping) throw new Error('stopped while waiting for InfluxDB');
        log.warn({ err: (err as Error).message, retryInMs: delay, target: description }, 'waiting for InfluxDB');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(10_000, delay * 2);
      }
    }
  }

  async function restore(lotIds: readonly string[]) {
    const restored = await restoreFromInflux(influx, lotIds);
    for (const [lot, { lastSeq }] of restored) queuedSeq.set(lot, Math.max(queuedSeq.get(lot) ?? 0, lastSeq));
    return restored;
  }

  return {
    kind: 'influx',
    description,
    start,
    restore,
    write: (points) => buffer.push(freshLines(points)),
    flush: async () => {
      await buffer.flush();
    },
    async stop() {
      stopping = true;
      const lost = await buffer.stop(stopTimeoutMs);
      writeLines.close();
      if (lost > 0) log.error({ lost }, 'InfluxDB unreachable at shutdown; buffered points were not written');
      else log.info('InfluxDB store flushed');
    },
    stats: (): StoreStats => {
      const s = buffer.stats();
      const state = s.buffered >= maxBuffered ? 'dropping' : s.lastError ? 'buffering' : 'writing';
      return { kind: 'influx', state, ...s };
    },
  };
}
