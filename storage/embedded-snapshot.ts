/**
 * The embedded store's snapshot file: its schema (built from the point schemas), and reading and
 * writing it. A save is atomic (write a temp file, fsync, rename): a crash leaves the old or the
 * new snapshot, never half of one.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { CalibrationPoint, OccupancyPoint } from './points.js';

export const SNAPSHOT_FILE = 'manku-state.json';

const count = z.int().nonnegative();

const LotRecord = z.object({
  occupiedRaw: z.int(),
  lastSeq: z.int().nonnegative(),
  sensors: z.record(z.string(), z.object({ boot: count, seq: count, in: count, out: count, lastSeenMs: z.number(), rebaseline: z.boolean().optional() })),
  // Snapshots from before lotSeq have history points without it, and no calibrations.
  history: z.array(OccupancyPoint.extend({ lotSeq: z.int().default(0) })),
  calibrations: z.array(CalibrationPoint).default([]),
});
export type LotRecord = z.infer<typeof LotRecord>;

const Snapshot = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  lots: z.record(z.string(), LotRecord),
});
export type Snapshot = z.infer<typeof Snapshot>;

/** The snapshot in `file`, or null when there is none; a file that is not one is an error, never ignored. */
export async function readSnapshot(file: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed;
  try {
    parsed = Snapshot.safeParse(JSON.parse(text));
  } catch (err) {
    throw new Error(`snapshot ${file} is not valid JSON (${(err as Error).message}); move it aside to start empty`);
  }
  if (!parsed.success) {
    throw new Error(`snapshot ${file} is not a manku snapshot: ${z.prettifyError(parsed.error)}; move it aside to start empty`);
  }
  return parsed.data;
}

export async function writeSnapshot(file: string, lots: ReadonlyMap<string, LotRecord>): Promise<void> {
  const body = JSON.stringify({ version: 1, savedAt: new Date().toISOString(), lots: Object.fromEntries(lots) } satisfies Snapshot);
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
