/**
 * A token bucket: `burst` events at once, refilled at `perSecond`. Pure: time is passed in.
 * @example const b = createTokenBucket({ perSecond: 5, burst: 10 }); b.take(Date.now()) // true
 */
export interface TokenBucket {
  /** Takes one token; false when none is left (the event is over the rate). */
  take(nowMs: number): boolean;
}

export function createTokenBucket({ perSecond, burst }: { perSecond: number; burst: number }): TokenBucket {
  let tokens = burst;
  let last: number | null = null;
  return {
    take(nowMs) {
      if (last !== null) tokens = Math.min(burst, tokens + ((nowMs - last) / 1000) * perSecond);
      last = nowMs;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
