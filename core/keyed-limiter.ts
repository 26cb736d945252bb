/**
 * One token bucket per key (a client address), in a table of bounded size. Pure: time is passed in.
 *
 * Memory stays bounded two ways: an entry idle long enough for its bucket to be full again is
 * dropped (a fresh bucket is full, so forgetting it changes no answer), and past `maxKeys` the
 * least recently used entry is dropped (that key starts over with a full bucket: lenient, never
 * stricter). Entries are kept in least-recently-used order, so both are O(1) per `take`.
 * @example const l = createKeyedLimiter({ perSecond: 10, burst: 50, maxKeys: 10_000 }); l.take('203.0.113.7', Date.now())
 */
import { createTokenBucket, type TokenBucket } from './token-bucket.js';

export interface KeyedLimiter {
  /** Takes one token from `key`'s bucket; false when it has none (the event is over the rate). */
  take(key: string, nowMs: number): boolean;
  /** Keys held now. */
  readonly size: number;
  /** Whole seconds after which a refused key has a token again (for `Retry-After`). */
  readonly retryAfterS: number;
}

export interface KeyedLimiterOptions {
  perSecond: number;
  burst: number;
  /** The most keys held at once. */
  maxKeys: number;
}

interface Entry {
  key: string;
  bucket: TokenBucket;
  lastMs: number;
  /** Neighbours in least-recently-used order (older, newer). */
  older: Entry | null;
  newer: Entry | null;
}

export function createKeyedLimiter({ perSecond, burst, maxKeys }: KeyedLimiterOptions): KeyedLimiter {
  // The Map is for lookups only: iterating a Map from its start after many deletions skips every
  // deleted slot (V8 keeps them until a rehash), O(n) a step under a flood of new addresses, so
  // the order lives in a linked list instead.
  const entries = new Map<string, Entry>();
  let oldest: Entry | null = null;
  let newest: Entry | null = null;
  // After this long without a take, a bucket has refilled to `burst`.
  const refillMs = (burst / perSecond) * 1000;

  function unlink(e: Entry) {
    if (e.older) e.older.newer = e.newer;
    else oldest = e.newer;
    if (e.newer) e.newer.older = e.older;
    else newest = e.older;
    e.older = e.newer = null;
  }

  function append(e: Entry) {
    e.older = newest;
    if (newest) newest.newer = e;
    else oldest = e;
    newest = e;
  }

  function evict(e: Entry) {
    unlink(e);
    entries.delete(e.key);
  }

  return {
    take(key, nowMs) {
      while (oldest && nowMs - oldest.lastMs >= refillMs) evict(oldest); // full again: forgetting changes nothing
      let entry = entries.get(key);
      if (entry) unlink(entry);
      else {
        if (entries.size >= maxKeys && oldest) evict(oldest);
        entry = { key, bucket: createTokenBucket({ perSecond, burst }), lastMs: nowMs, older: null, newer: null };
        entries.set(key, entry);
      }
      entry.lastMs = nowMs;
      append(entry);
      return entry.bucket.take(nowMs);
    },
    get size() {
      return entries.size;
    },
    // A refused bucket holds under one token and gains one every 1/perSecond s.
    retryAfterS: Math.max(1, Math.ceil(1 / perSecond)),
  };
}
