/**
 * Ingest partitioned by lot (issue 9): `INGEST_PARTITION=k/N` makes an ingest own the lots whose
 * partition is k. The partition of a lot is a stable hash of its id, the same on every host,
 * Node version and run, so N ingest processes split the lots without talking to each other:
 *
 *   partition(lotId, N) = (FNV-1a-32(UTF-8 bytes of lotId) mod N) + 1
 *
 * FNV-1a 32-bit: h = 2166136261; for each byte b: h = (h XOR b) × 16777619 mod 2^32.
 * (Lot ids are `[a-z0-9-]`, so a byte is a character code.) Changing N moves most lots to another
 * partition: re-partitioning is "stop every ingest, start the new set" (docs/deployment.md).
 */
import { z } from 'zod';

/** Partition `index` of `count` (1 ≤ index ≤ count). */
export interface Partition {
  readonly index: number;
  readonly count: number;
}

/** The whole set of lots: what an ingest without INGEST_PARTITION owns. */
export const WHOLE: Partition = { index: 1, count: 1 };

/** FNV-1a, 32 bits, of a string's UTF-8 bytes. @example fnv1a32('') // 2166136261 */
export function fnv1a32(text: string): number {
  // Lot ids are ASCII (a byte per character); anything else goes through the UTF-8 encoder.
  const bytes = /^[\x00-\x7f]*$/.test(text) ? Array.from(text, (c) => c.charCodeAt(0)) : new TextEncoder().encode(text);
  let h = 0x811c9dc5;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** The partition (1..count) a lot belongs to. @example partitionOf('demo-hospital', 2) // 2 */
export function partitionOf(lotId: string, count: number): number {
  return (fnv1a32(lotId) % count) + 1;
}

/** Whether `partition` owns the lot. */
export const owns = (partition: Partition, lotId: string): boolean => partition.count === 1 || partitionOf(lotId, partition.count) === partition.index;

/** `k/N` as people and the health message write it. */
export const partitionLabel = (p: Partition): string => `${p.index}/${p.count}`;

/** `k/N` with 1 ≤ k ≤ N ≤ 1024, parsed. */
export const PartitionText = z
  .string()
  .regex(/^\d{1,4}\/\d{1,4}$/, 'use k/N, e.g. 2/4 (this process owns partition 2 of 4)')
  .transform((s): Partition => {
    const [index, count] = s.split('/').map(Number) as [number, number];
    return { index, count };
  })
  .refine((p) => p.count >= 1 && p.count <= 1024 && p.index >= 1 && p.index <= p.count, 'k/N needs 1 ≤ k ≤ N ≤ 1024');
