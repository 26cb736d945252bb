/**
 * The embedded store keeps every point of the history and counts what it keeps: points sharing a
 * millisecond stay apart, and a rewrite of a point already stored is neither kept nor counted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedStore, SNAPSHOT_FILE, type EmbeddedStore, type StorePoint } from '../../storage/index.js';

const dirs: string[] = [];
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openStore() {
  const dir = mkdtempSync(join(tmpdir(), 'manku-embedded-'));
  dirs.push(dir);
  const store = createEmbeddedStore({ dataDir: dir });
  await store.start();
  stores.push(store);
  return store;
}

const timeMs = Date.parse('2026-11-25T09:00:00.123Z');
const occupancy = (lotSeq: number, occupied: number): StorePoint => ({
  measurement: 'lot_occupancy', lotId: 'lot-a', timeMs, lotSeq, occupied, occupiedRaw: occupied, capacity: 10, level: 'vacant', stale: false,
});
const reading = (lotSeq: number, seq: number, occupiedRaw: number): StorePoint => ({
  measurement: 'sensor_reading', lotId: 'lot-a', sensorId: 'gate-a1', timeMs: timeMs + seq, lotSeq, boot: 1, seq, in: seq, out: 0, outcome: 'applied', occupiedRaw, skewMs: 0,
});
const calibration = (lotSeq: number, occupied: number): StorePoint => ({
  measurement: 'lot_calibration', lotId: 'lot-a', timeMs, lotSeq, requestId: `r${lotSeq}`, occupied, previousRaw: 0, occupiedRaw: occupied,
});

describe('embedded store point identity', () => {
  it('keeps occupancy and calibration points that share a millisecond, and counts each once', async () => {
    const store = await openStore();
    store.write([occupancy(1, 1), calibration(2, 5), occupancy(3, 5), calibration(4, 2), occupancy(5, 2)]);
    expect(store.calibrations('lot-a').map((c) => c.requestId)).toEqual(['r2', 'r4']);
    expect(store.history('lot-a', timeMs, timeMs + 1000, 60_000)).toEqual([
      { t: '2026-11-25T09:00:00.000Z', occupied: 2, available: 8, level: 'vacant' },
    ]);
    expect(store.stats().written).toBe(5);
  });

  it('writing the very same point twice keeps one and counts one', async () => {
    const store = await openStore();
    const point = calibration(1, 3);
    store.write([point]);
    store.write([point]);
    expect(store.calibrations('lot-a')).toHaveLength(1);
    expect(store.stats().written).toBe(1);
  });
});

describe('embedded store restore', () => {
  it("takes the count from readings and calibrations, not from a history point written after later readings", async () => {
    const store = await openStore();
    // The history writer's point for second N holds the count of reading 1; reading 2 came after
    // it was taken and before it was written (ingest/history-writer.ts), so it is stored after.
    store.write([reading(1, 1, 30), reading(2, 2, 31), { ...occupancy(3, 30), timeMs: timeMs + 1 }]);
    const expected = { occupiedRaw: 31, lastSeq: 3, sensors: { 'gate-a1': expect.objectContaining({ seq: 2, in: 2 }) } };
    expect((await store.restore(['lot-a'])).get('lot-a')).toMatchObject(expected);
    store.write([calibration(4, 20), occupancy(5, 25)]);
    expect((await store.restore(['lot-a'])).get('lot-a')).toMatchObject({ occupiedRaw: 20, lastSeq: 5 });
  });
});

type Level = 'vacant' | 'crowded' | 'full' | 'unknown';
const withLevel = (p: StorePoint, level: Level): StorePoint => ({ ...(p as Extract<StorePoint, { measurement: 'lot_occupancy' }>), level });

describe('embedded store level for the hysteresis', () => {
  it('restores the level last shown, not a stale one, and not an imported one; also from the saved snapshot', async () => {
    const store = await openStore();
    const shown = (lotSeq: number, level: Level): StorePoint => withLevel(occupancy(lotSeq, 9), level);
    store.write([shown(0, 'crowded'), shown(1, 'full'), shown(2, 'unknown')]);
    expect((await store.restore(['lot-a'])).get('lot-a')?.level).toBe('full');
    await store.stop();
    const again = createEmbeddedStore({ dataDir: dirs.at(-1)! });
    await again.start();
    stores.splice(stores.indexOf(store), 1, again);
    expect((await again.restore(['lot-a'])).get('lot-a')?.level).toBe('full');
  });

  it('restores no level for a lot with only imported history', async () => {
    const store = await openStore();
    store.write([withLevel(occupancy(0, 9), 'full')]);
    expect((await store.restore(['lot-a'])).get('lot-a')).not.toHaveProperty('level');
  });
});

describe('embedded store snapshot', () => {
  it('loads a snapshot written before lotSeq: history points without it, and no calibrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-embedded-'));
    dirs.push(dir);
    const old = { measurement: 'lot_occupancy', lotId: 'lot-a', timeMs, occupied: 4, occupiedRaw: 4, capacity: 10, level: 'vacant', stale: false };
    const sensors = { g1: { boot: 1, seq: 9, in: 6, out: 2, lastSeenMs: timeMs } };
    writeFileSync(join(dir, SNAPSHOT_FILE), JSON.stringify({ version: 1, savedAt: '2026-11-25T09:00:01Z', lots: { 'lot-a': { occupiedRaw: 4, lastSeq: 0, sensors, history: [old] } } }));
    const store = createEmbeddedStore({ dataDir: dir });
    await store.start();
    stores.push(store);
    expect(await store.restore(['lot-a'])).toEqual(new Map([['lot-a', { occupiedRaw: 4, sensors, lastSeq: 0 }]]));
    expect(store.history('lot-a', timeMs, timeMs + 1000, 60_000)).toEqual([{ t: '2026-11-25T09:00:00.000Z', occupied: 4, available: 6, level: 'vacant' }]);
    expect(store.calibrations('lot-a')).toEqual([]);
  });

  it('refuses to start on a snapshot that is not one, naming the bad key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-embedded-'));
    dirs.push(dir);
    const bad = { measurement: 'lot_occupancy', lotId: 'lot-a', timeMs, occupied: 4, occupiedRaw: 4, capacity: 10, level: 'packed', stale: false };
    writeFileSync(join(dir, SNAPSHOT_FILE), JSON.stringify({ version: 1, savedAt: 'x', lots: { 'lot-a': { occupiedRaw: 4, lastSeq: 0, sensors: {}, history: [bad] } } }));
    await expect(createEmbeddedStore({ dataDir: dir }).start()).rejects.toThrow(/not a manku snapshot: .*level.*move it aside/s);
  });
});
