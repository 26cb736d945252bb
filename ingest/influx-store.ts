/**
 * InfluxDB 1.x store (npm `influx`). Points are timestamped with event time plus a sub-millisecond
 * part from lotSeq (see pointTimeNs), so every point is its own and writing the same point twice
 * is idempotent; writes go through an ordered, bounded write-behind buffer.
 */
import { FieldType, InfluxDB, type IPoint, type IResults, type ISchemaOptions } from 'influx';
import pino, { type Logger } from 'pino';
import { parseInfluxUrl, sensorStateOf, type OccupancyStore, type ReadingPoint, type StoredLot, type StorePoint, type StoreStats } from '../core/index.js';
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

const READING = 'sensor_reading';
const OCCUPANCY = 'lot_occupancy';
const CALIBRATION = 'lot_calibration';

const SCHEMA: ISchemaOptions[] = [
  {
    measurement: READING,
    tags: ['lot', 'sensor'],
    fields: {
      boot: FieldType.INTEGER,
      seq: FieldType.INTEGER,
      in: FieldType.INTEGER,
      out: FieldType.INTEGER,
      occupied_raw: FieldType.INTEGER,
      lot_seq: FieldType.INTEGER,
      skew_ms: FieldType.INTEGER,
      outcome: FieldType.STRING,
    },
  },
  {
    measurement: OCCUPANCY,
    tags: ['lot'],
    fields: {
      occupied: FieldType.INTEGER,
      occupied_raw: FieldType.INTEGER,
      lot_seq: FieldType.INTEGER,
      capacity: FieldType.INTEGER,
      level: FieldType.STRING,
      stale: FieldType.BOOLEAN,
    },
  },
  {
    measurement: CALIBRATION,
    tags: ['lot'],
    fields: {
      occupied: FieldType.INTEGER,
      previous_raw: FieldType.INTEGER,
      occupied_raw: FieldType.INTEGER,
      lot_seq: FieldType.INTEGER,
      request_id: FieldType.STRING,
    },
  },
];

/**
 * The point's InfluxDB timestamp (ns, as a string: ms × 1e6 is past 2^53): its event time in ms,
 * with lotSeq mod 1e6 as the nanoseconds. InfluxDB keeps one point per series and timestamp, and
 * readings often share a millisecond (a sensor's ts, a burst stamped on receipt); lotSeq is unique
 * per lot, so they no longer overwrite each other, while a rewrite of the same point lands on the
 * same timestamp. Read back at ms precision the time is the event time unchanged.
 * @example pointTimeNs({ timeMs: 1764000000123, lotSeq: 42, ... }) // '1764000000123000042'
 */
export function pointTimeNs(p: Pick<StorePoint, 'timeMs' | 'lotSeq'>): string {
  return (BigInt(Math.trunc(p.timeMs)) * 1_000_000n + BigInt(p.lotSeq % 1_000_000)).toString();
}

function toInfluxPoint(p: StorePoint): IPoint {
  if (p.measurement === 'sensor_reading') {
    return {
      measurement: READING,
      tags: { lot: p.lotId, sensor: p.sensorId },
      fields: { boot: p.boot, seq: p.seq, in: p.in, out: p.out, occupied_raw: p.occupiedRaw, lot_seq: p.lotSeq, skew_ms: p.skewMs, outcome: p.outcome },
      timestamp: pointTimeNs(p),
    };
  }
  if (p.measurement === 'lot_calibration') {
    return {
      measurement: CALIBRATION,
      tags: { lot: p.lotId },
      fields: { occupied: p.occupied, previous_raw: p.previousRaw, occupied_raw: p.occupiedRaw, lot_seq: p.lotSeq, request_id: p.requestId },
      timestamp: pointTimeNs(p),
    };
  }
  return {
    measurement: OCCUPANCY,
    tags: { lot: p.lotId },
    fields: { occupied: p.occupied, occupied_raw: p.occupiedRaw, lot_seq: p.lotSeq, capacity: p.capacity, level: p.level, stale: p.stale },
    timestamp: pointTimeNs(p),
  };
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
    schema: SCHEMA,
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs, backoff: noBackoff },
  });
  const description = `InfluxDB ${target.protocol}://${target.host}:${target.port}/${target.database}`;
  const buffer = createWriteBuffer<StorePoint>({
    write: (batch) => influx.writePoints(batch.map(toInfluxPoint), { precision: 'n' }),
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

  function fresh(points: readonly StorePoint[]) {
    return points.filter((p) => {
      if (p.lotSeq <= (queuedSeq.get(p.lotId) ?? 0)) return false;
      queuedSeq.set(p.lotId, p.lotSeq);
      return true;
    });
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
    const restored = new Map<string, StoredLot>();
    if (lotIds.length === 0) return restored;
    const where = lotIds.map((id) => `"lot" = '${id.replace(/[\\']/g, '\\$&')}'`).join(' OR ');
    // max("lot_seq") is a selector: the other fields come from that same point. The sensor's
    // point with the highest lotSeq is its reference state; the lot's (in either measurement)
    // carries the count after everything before it. Event times need not be in order for this.
    const [sensorRows, lastRows] = (await influx.query(
      [
        `SELECT max("lot_seq") AS lot_seq, "boot", "seq", "in", "out", "outcome" FROM "${READING}" WHERE ${where} GROUP BY "lot", "sensor"`,
        `SELECT max("lot_seq") AS lot_seq, "occupied_raw" FROM "${READING}", "${OCCUPANCY}", "${CALIBRATION}" WHERE ${where} GROUP BY "lot"`,
      ],
      { precision: 'ms' },
    )) as unknown as [IResults<Record<string, unknown>>, IResults<Record<string, unknown>>];
    for (const row of lastRows) {
      const lot = String(row.lot);
      const lastSeq = Number(row.lot_seq);
      const prev = restored.get(lot);
      if (!prev || lastSeq > prev.lastSeq) restored.set(lot, { occupiedRaw: Number(row.occupied_raw), sensors: {}, lastSeq });
    }
    for (const [lot, { lastSeq }] of restored) queuedSeq.set(lot, Math.max(queuedSeq.get(lot) ?? 0, lastSeq));
    for (const row of sensorRows) {
      const entry = restored.get(String(row.lot));
      if (!entry) continue;
      entry.sensors[String(row.sensor)] = sensorStateOf({
        boot: Number(row.boot),
        seq: Number(row.seq),
        in: Number(row.in),
        out: Number(row.out),
        timeMs: (row.time as Date).getTime(),
        outcome: String(row.outcome) as ReadingPoint['outcome'],
      });
    }
    return restored;
  }

  return {
    kind: 'influx',
    description,
    start,
    restore,
    write: (points) => buffer.push(fresh(points)),
    flush: async () => {
      await buffer.flush();
    },
    async stop() {
      stopping = true;
      const lost = await buffer.stop(stopTimeoutMs);
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
