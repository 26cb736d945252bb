import { describe, expect, it } from 'vitest';
import { fnv1a32, owns, partitionLabel, partitionOf, PartitionText } from '../../core/index.js';

describe('lot partitions (INGEST_PARTITION=k/N)', () => {
  it('hashes with FNV-1a 32-bit, as the published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32('é')).toBe(0x1e9de8c1); // UTF-8 bytes c3 a9
  });

  it('gives a lot the same partition on every run (fixed values, documented in docs/deployment.md)', () => {
    const table = ['demo-hospital', 'demo-station', 'demo-city-hall', 'lot-a', 'lot-b'].map((id) => [id, partitionOf(id, 2), partitionOf(id, 4)]);
    expect(table).toMatchInlineSnapshot(`
      [
        [
          "demo-hospital",
          2,
          4,
        ],
        [
          "demo-station",
          2,
          4,
        ],
        [
          "demo-city-hall",
          1,
          3,
        ],
        [
          "lot-a",
          1,
          3,
        ],
        [
          "lot-b",
          2,
          4,
        ],
      ]
    `);
  });

  it('puts every lot in exactly one partition of N', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `lot-${i}`);
    for (const count of [1, 2, 3, 7]) {
      const owners = ids.map((id) => Array.from({ length: count }, (_, k) => owns({ index: k + 1, count }, id)).filter(Boolean).length);
      expect(owners.every((n) => n === 1), `N=${count}`).toBe(true);
    }
  });

  it('balances 5,000 lots within 5 % of the mean for N = 2, 3, 4, 8 (sequential and city-style ids)', () => {
    const styles = [(i: number) => `lot-${String(i).padStart(4, '0')}`, (i: number) => `aizu-${i % 50}-parking-${Math.floor(i / 50)}`];
    for (const style of styles) {
      const ids = Array.from({ length: 5000 }, (_, i) => style(i));
      for (const count of [2, 3, 4, 8]) {
        const sizes = new Array<number>(count).fill(0);
        for (const id of ids) sizes[partitionOf(id, count) - 1]! += 1;
        const mean = ids.length / count;
        for (const size of sizes) expect(Math.abs(size - mean) / mean, `${style(0)} N=${count}: ${sizes.join(', ')}`).toBeLessThan(0.05);
      }
    }
  });

  it('reads k/N and refuses what is not a partition, saying what to write', () => {
    expect(PartitionText.parse('2/4')).toEqual({ index: 2, count: 4 });
    expect(partitionLabel(PartitionText.parse('1/1'))).toBe('1/1');
    for (const bad of ['0/2', '3/2', '2', '1/0', 'a/b', '1/2/3']) expect(PartitionText.safeParse(bad).success, bad).toBe(false);
    expect(PartitionText.safeParse('2').error?.issues[0]?.message).toMatch(/use k\/N/);
  });
});

describe('INGEST_PARTITION and API_WORKERS in the environment', () => {
  it('names a partition in the default client id, keeps a given one, and defaults to every lot', async () => {
    const { ingestPartitionOf, loadEnv } = await import('../../bin/config.js');
    expect(ingestPartitionOf(loadEnv({}))).toEqual({ partition: { index: 1, count: 1 }, clientId: 'manku-ingest' });
    expect(ingestPartitionOf(loadEnv({ INGEST_PARTITION: '2/4' }))).toEqual({ partition: { index: 2, count: 4 }, clientId: 'manku-ingest-2of4' });
    expect(ingestPartitionOf(loadEnv({ INGEST_PARTITION: '2/4', INGEST_CLIENT_ID: 'north-2' })).clientId).toBe('north-2');
    expect(() => loadEnv({ INGEST_PARTITION: '5/4' })).toThrow(/INGEST_PARTITION: k\/N needs 1 ≤ k ≤ N/);
    expect(loadEnv({}).API_WORKERS).toBe(1);
    expect(() => loadEnv({ API_WORKERS: '0' })).toThrow(/API_WORKERS/);
  });
});
