/**
 * History from InfluxDB: `GROUP BY time(step)` over the occupancy measurement, seeded with the
 * last point before the range, then carried forward exactly as core/history.ts does for the
 * embedded store.
 */
import { InfluxDB } from 'influx';
import { Level } from '../protocol/index.js';
import { bucketHistory, bucketStarts, type Observation } from '../core/index.js';
import { FIELD, ident, lotIs } from './influx-schema.js';
import { parseInfluxUrl } from './influx-target.js';
import { MEASUREMENT } from './points.js';
import type { HistorySource } from './port.js';

type Row = { time: Date; occupied: number; capacity: number; level: string };

const last = (field: string, as: keyof Row) => `last(${ident(field)}) AS ${as}`;
const FIELDS = [last(FIELD.occupied, 'occupied'), last(FIELD.capacity, 'capacity'), last(FIELD.level, 'level')].join(', ');

/** e.g. `http://127.0.0.1:8086/manku`: the same database ingest writes to. */
export function createInfluxHistory({ url, requestTimeoutMs = 10_000 }: { url: string; requestTimeoutMs?: number }): HistorySource {
  const influx = new InfluxDB({ ...parseInfluxUrl(url), pool: { maxRetries: 0, requestTimeout: requestTimeoutMs } });
  return {
    kind: 'influx',
    async history(lotId, fromMs, toMs, stepMs) {
      const start = bucketStarts(fromMs, toMs, stepMs)[0] ?? fromMs;
      const from = `SELECT ${FIELDS} FROM ${ident(MEASUREMENT.occupancy)} WHERE ${lotIs([lotId])}`;
      const [seed, buckets] = (await influx.query(
        [`${from} AND time < ${start}ms`, `${from} AND time >= ${start}ms AND time < ${toMs}ms GROUP BY time(${stepMs}ms) fill(none)`],
        { precision: 'ms' },
      )) as unknown as Row[][];
      const observations: Observation[] = [...(seed ?? []), ...(buckets ?? [])]
        .filter((r) => r.occupied !== null && r.occupied !== undefined)
        .map((r) => ({ timeMs: r.time.getTime(), occupied: Number(r.occupied), capacity: Number(r.capacity), level: Level.catch('unknown').parse(r.level) }));
      // The seed row's time is that of its point, before the range: harmless to the bucketing.
      return bucketHistory(observations, fromMs, toMs, stepMs);
    },
  };
}
