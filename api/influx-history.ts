/**
 * History from InfluxDB: `GROUP BY time(step)` over `lot_occupancy`, seeded with the last point
 * before the range, then carried forward exactly as core/history.ts does for the embedded store.
 */
import { InfluxDB } from 'influx';
import { Level } from '../protocol/index.js';
import { bucketHistory, bucketStarts, parseInfluxUrl, type HistorySource, type Observation } from '../core/index.js';

/** e.g. `http://127.0.0.1:8086/manku`: the same database ingest writes to. */
export function createInfluxHistory({ url, requestTimeoutMs = 10_000 }: { url: string; requestTimeoutMs?: number }): HistorySource {
  const influx = new InfluxDB({ ...parseInfluxUrl(url), pool: { maxRetries: 0, requestTimeout: requestTimeoutMs } });
  return {
    kind: 'influx',
    async history(lotId, fromMs, toMs, stepMs) {
      const start = bucketStarts(fromMs, toMs, stepMs)[0] ?? fromMs;
      const lot = `"lot" = '${lotId.replace(/[\\']/g, '\\$&')}'`;
      const fields = 'last("occupied") AS occupied, last("capacity") AS capacity, last("level") AS level';
      const [seed, buckets] = (await influx.query(
        [
          `SELECT ${fields} FROM "lot_occupancy" WHERE ${lot} AND time < ${start}ms`,
          `SELECT ${fields} FROM "lot_occupancy" WHERE ${lot} AND time >= ${start}ms AND time < ${toMs}ms GROUP BY time(${stepMs}ms) fill(none)`,
        ],
        { precision: 'ms' },
      )) as unknown as Array<Array<{ time: Date; occupied: number; capacity: number; level: string }>>;
      const observations: Observation[] = [...(seed ?? []), ...(buckets ?? [])]
        .filter((r) => r.occupied !== null && r.occupied !== undefined)
        .map((r) => ({ timeMs: r.time.getTime(), occupied: Number(r.occupied), capacity: Number(r.capacity), level: Level.catch('unknown').parse(r.level) }));
      // The seed row's time is that of its point, before the range: harmless to the bucketing.
      return bucketHistory(observations, fromMs, toMs, stepMs);
    },
  };
}
