import { describe, expect, it } from 'vitest';
import { createRateGate, createTokenBucket } from '../../core/index.js';

describe('rate gate (log flood control)', () => {
  it('passes perWindow events per key, then reports how many it held back', () => {
    const gate = createRateGate({ perWindow: 2, windowMs: 1000 });
    const passes = [0, 1, 2, 3, 4].map((t) => gate.check('json', t).pass);
    expect(passes).toEqual([true, true, false, false, false]);
    expect(gate.check('schema', 5).pass).toBe(true);
    expect(gate.check('json', 1000)).toEqual({ pass: true, suppressed: 3 });
  });
});

describe('token bucket (client message rate)', () => {
  it('allows a burst, then the refill rate, and never more than the burst after a pause', () => {
    const bucket = createTokenBucket({ perSecond: 2, burst: 3 });
    expect([0, 0, 0, 0].map((t) => bucket.take(t))).toEqual([true, true, true, false]);
    expect(bucket.take(400)).toBe(false); // 0.8 of a token
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(500)).toBe(false);
    expect([60_000, 60_000, 60_000, 60_000].map((t) => bucket.take(t))).toEqual([true, true, true, false]);
  });
});
