import { describe, expect, it } from 'vitest';
import { createRateGate } from '../../core/index.js';

describe('rate gate (log flood control)', () => {
  it('passes perWindow events per key, then reports how many it held back', () => {
    const gate = createRateGate({ perWindow: 2, windowMs: 1000 });
    const passes = [0, 1, 2, 3, 4].map((t) => gate.check('json', t).pass);
    expect(passes).toEqual([true, true, false, false, false]);
    expect(gate.check('schema', 5).pass).toBe(true);
    expect(gate.check('json', 1000)).toEqual({ pass: true, suppressed: 3 });
  });
});
