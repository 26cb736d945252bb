import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS as t, nextLevel, Thresholds } from '../../core/index.js';

describe('levels with hysteresis (DATEX II style thresholds)', () => {
  it('defaults: 混 from 80 %, back below 75 %; 満 from 95 %, back below 90 %', () => {
    expect(t).toEqual({ almostFullIncreasing: 80, almostFullDecreasing: 75, fullIncreasing: 95, fullDecreasing: 90 });
  });

  it.each([
    [null, 0, 'vacant'],
    [null, 79.9, 'vacant'],
    [null, 80, 'crowded'],
    [null, 95, 'full'],
    ['vacant', 80, 'crowded'],
    ['vacant', 96, 'full'],
    ['crowded', 75, 'crowded'],
    ['crowded', 74.9, 'vacant'],
    ['crowded', 94.9, 'crowded'],
    ['crowded', 95, 'full'],
    ['full', 90, 'full'],
    ['full', 89.9, 'crowded'],
    ['full', 75, 'crowded'],
    ['full', 74, 'vacant'],
  ] as const)('from %s at %s %% -> %s', (prev, pct, want) => {
    expect(nextLevel(prev, pct, t)).toBe(want);
  });

  it('per-lot thresholds are validated', () => {
    expect(Thresholds.safeParse({ almostFullIncreasing: 70, almostFullDecreasing: 72 }).success).toBe(false);
    expect(Thresholds.safeParse({ fullIncreasing: 90, fullDecreasing: 95 }).success).toBe(false);
    expect(Thresholds.safeParse({ almostFullIncreasing: 97 }).success).toBe(false);
    expect(Thresholds.safeParse({ almostFullIncreasing: 60, almostFullDecreasing: 50 }).success).toBe(true);
  });
});
