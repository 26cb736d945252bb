/**
 * Where aggregated nudge counts (protocol/nudge.ts) are kept: a JSON file beside the embedded
 * store, or InfluxDB. Only counts: no event, address, identifier or user agent ever reaches a store.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfluxDB, FieldType } from 'influx';
import { randomInt } from 'node:crypto';
import { NudgeCount } from '../protocol/index.js';
import { ident, lotIs } from './influx-schema.js';
import { parseInfluxUrl } from './influx-target.js';

export interface NudgeStore {
  readonly kind: 'embedded' | 'influx';
  start(): Promise<void>;
  /** Adds counts (increments) to what is stored. */
  add(counts: readonly NudgeCount[]): Promise<void>;
  /** The lot's counts whose hour starts in [fromMs, toMs). */
  read(lotId: string, fromMs: number, toMs: number): Promise<NudgeCount[]>;
}

export const NUDGE_FILE = 'nudge-counts.json';
const keyOf = (c: NudgeCount) => JSON.stringify([c.lotId, c.hourMs, c.event, c.level, c.arrival, c.origin]);

/** Counts in memory, saved to `dataDir/nudge-counts.json` after each add (written whole, then renamed). */
export function createEmbeddedNudgeStore({ dataDir }: { dataDir: string }): NudgeStore {
  const file = join(dataDir, NUDGE_FILE);
  const counts = new Map<string, NudgeCount>();
  let saving: Promise<void> = Promise.resolve();
  const save = async () => {
    await writeFile(`${file}.tmp`, JSON.stringify([...counts.values()]));
    await rename(`${file}.tmp`, file);
  };
  return {
    kind: 'embedded',
    async start() {
      await mkdir(dataDir, { recursive: true });
      const text = await readFile(file, 'utf8').catch(() => '[]');
      for (const c of NudgeCount.array().parse(JSON.parse(text))) counts.set(keyOf(c), c);
    },
    add(added) {
      for (const c of added) {
        const had = counts.get(keyOf(c));
        if (had) had.count += c.count;
        else counts.set(keyOf(c), { ...c });
      }
      return (saving = saving.then(save, save));
    },
    async read(lotId, fromMs, toMs) {
      return [...counts.values()].filter((c) => c.lotId === lotId && c.hourMs >= fromMs && c.hourMs < toMs).map((c) => ({ ...c }));
    },
  };
}

export const NUDGE_MEASUREMENT = 'nudge_events';
const TAGS = ['lot', 'event', 'level', 'arrival', 'origin'] as const;

/**
 * Measurement `nudge_events`, tags lot/event/level/arrival/origin, integer field `count`. Each
 * flush writes its increments at the hour's start plus a random nanosecond offset (under 1 s), so
 * flushes from any number of API processes never overwrite each other; reads sum per hour.
 */
export function createInfluxNudgeStore({ url, requestTimeoutMs = 10_000 }: { url: string; requestTimeoutMs?: number }): NudgeStore {
  const influx = new InfluxDB({
    ...parseInfluxUrl(url),
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs },
    schema: [{ measurement: NUDGE_MEASUREMENT, tags: [...TAGS], fields: { count: FieldType.INTEGER } }],
  });
  return {
    kind: 'influx',
    async start() {},
    async add(added) {
      if (!added.length) return;
      await influx.writePoints(
        added.map((c) => ({
          measurement: NUDGE_MEASUREMENT,
          tags: { lot: c.lotId, event: c.event, level: c.level, arrival: c.arrival, origin: c.origin },
          fields: { count: c.count },
          timestamp: `${BigInt(c.hourMs) * 1_000_000n + BigInt(randomInt(1_000_000_000))}`,
        })),
        { precision: 'n' },
      );
    },
    async read(lotId, fromMs, toMs) {
      const rows = (await influx.query(
        `SELECT sum("count") AS count FROM ${ident(NUDGE_MEASUREMENT)} WHERE ${lotIs([lotId])} AND time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY time(1h), ${TAGS.map(ident).join(', ')} fill(none)`,
        { precision: 'ms' },
      )) as unknown as Array<{ time: Date; count: number; lot: string; event: string; level: string; arrival: string; origin: string }>;
      return rows.map((r) => NudgeCount.parse({ lotId: r.lot, hourMs: r.time.getTime(), event: r.event, level: r.level, arrival: r.arrival, origin: r.origin, count: Number(r.count) }));
    },
  };
}
