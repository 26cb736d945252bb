/**
 * One token bucket per key (a client address), in a table of bounded size. Pure: time is passed in.
 *
 * Memory stays bounded two ways: an entry idle long enough for its bucket to be full again is
 * dropped (a fresh bucket is full, so forgetting it changes no answer), and past `maxKeys` the
 * least recently used entry is dropped (that key starts over with a full bucket: lenient, never
 * stricter). The table is a Map in least-recently-used order, so both are O(1) per `take`.
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

export function createKeyedLimiter({ perSecond, burst, maxKeys }: KeyedLimiterOptions): KeyedLimiter {
  const entries = new Map<string, { bucket: TokenBucket; lastMs: number }>();
  // After this long without a take, a bucket has refilled to `burst`.
  const refillMs = (burst / perSecond) * 1000;

  function evictIdle(nowMs: number) {
    for (const [key, entry] of entries) {
      if (nowMs - entry.lastMs < refillMs) return; // the rest were used more recently
      entries.delete(key);
    }
  }

  return {
    take(key, nowMs) {
      evictIdle(nowMs);
      let entry = entries.get(key);
      if (entry) entries.delete(key); // re-inserted below: most recently used last
      else {
        entry = { bucket: createTokenBucket({ perSecond, burst }), lastMs: nowMs };
        if (entries.size >= maxKeys) entries.delete(entries.keys().next().value!);
      }
      entry.lastMs = nowMs;
      entries.set(key, entry);
      return entry.bucket.take(nowMs);
    },
    get size() {
      return entries.size;
    },
    // A refused bucket holds under one token and gains one every 1/perSecond s.
    retryAfterS: Math.max(1, Math.ceil(1 / perSecond)),
  };
}
