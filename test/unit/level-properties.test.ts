/**
 * Property tests of the levels (空/混/満) with hysteresis, for any valid thresholds and any path
 * of occupancy (docs/protocol.md, "Levels"). Seeded, so every run is the same.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bandBroken, thresholds } from '../support/counting-model.js';
import { createLotState, LotConfig, nextLevel, type KnownLevel } from '../../core/index.js';
import { FIXTURE_HASH } from '../support/fixtures.js';

beforeAll(() => fc.configureGlobal({ seed: 20261126, numRuns: 200 }));

const RANK: Record<KnownLevel, number> = { vacant: 0, crowded: 1, full: 2 };
const level = fc.constantFrom<KnownLevel | null>(null, 'vacant', 'crowded', 'full');
const percent = fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.integer({ min: 0, max: 100 }));

/** A path of occupancy in percent: a random walk with steps of any size, kept within 0..100. */
const path = fc
  .tuple(percent, fc.array(fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: -100, max: 100 })), { minLength: 1, maxLength: 80 }))
  .map(([start, steps]) => steps.reduce((ps, d) => [...ps, Math.min(100, Math.max(0, ps.at(-1)! + d))], [start]));

describe('levels with hysteresis, any thresholds and occupancy (property)', () => {
  it('the level is always within its band: 満 at or above fullIncreasing, 空 below almostFullDecreasing, never 満 below fullDecreasing or 空 at or above almostFullIncreasing', () => {
    fc.assert(
      fc.property(thresholds, level, percent, (t, prev, p) => {
        expect(bandBroken(nextLevel(prev, p, t), p, t)).toBeNull();
      }),
    );
  });

  it('more occupancy never gives a lower level, from the same level before', () => {
    fc.assert(
      fc.property(thresholds, level, percent, percent, (t, prev, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(RANK[nextLevel(prev, lo, t)]).toBeLessThanOrEqual(RANK[nextLevel(prev, hi, t)]);
      }),
    );
  });

  it('a level holds while occupancy stays in its band, and the same occupancy again changes nothing', () => {
    fc.assert(
      fc.property(thresholds, level, percent, (t, prev, p) => {
        const next = nextLevel(prev, p, t);
        expect(nextLevel(next, p, t)).toBe(next);
        if (prev && bandBroken(prev, p, t) === null) expect(next).toBe(prev);
      }),
    );
  });

  // Stated with the thresholds, not as `moved > rising - falling`: that subtraction rounds (fast-check
  // found 100 - 5e-324 === 100), the comparisons do not.
  it('no flapping: after the level changes, it changes back only once occupancy has crossed back over the whole band of that boundary', () => {
    fc.assert(
      fc.property(thresholds, path, (t, ps) => {
        let current = nextLevel(null, ps[0]!, t);
        let lastChange: { up: boolean; at: number; into: KnownLevel } | null = null;
        for (const p of ps.slice(1)) {
          const next = nextLevel(current, p, t);
          if (next === current) continue;
          const up = RANK[next] > RANK[current];
          if (lastChange && lastChange.up !== up) {
            // Rose into L, now falls out of it: it rose at or above L's rising threshold and falls
            // below L's falling one. Fell into L, now rises out of it: the same for the level above L.
            const boundary = lastChange.up ? lastChange.into : lastChange.into === 'crowded' ? 'full' : 'crowded';
            const [rising, falling] = boundary === 'full' ? [t.fullIncreasing, t.fullDecreasing] : [t.almostFullIncreasing, t.almostFullDecreasing];
            const [high, low] = up ? [p, lastChange.at] : [lastChange.at, p];
            expect(high).toBeGreaterThanOrEqual(rising);
            expect(low).toBeLessThan(falling);
          }
          lastChange = { up, at: p, into: next };
          current = next;
        }
      }),
    );
  });

  it('one change skips 混 (空 -> 満 or 満 -> 空) only when occupancy crossed both bands in that one step', () => {
    fc.assert(
      fc.property(thresholds, path, (t, ps) => {
        let current = nextLevel(null, ps[0]!, t);
        ps.slice(1).forEach((p, i) => {
          const next = nextLevel(current, p, t);
          const before = ps[i]!;
          if (current === 'vacant' && next === 'full') expect([before < t.almostFullIncreasing, p >= t.fullIncreasing]).toEqual([true, true]);
          if (current === 'full' && next === 'vacant') expect([before >= t.fullDecreasing, p < t.almostFullDecreasing]).toEqual([true, true]);
          current = next;
        });
      }),
    );
  });

  it('a lot counting cars one message at a time shows the same levels as the rule applied to its occupancy', () => {
    const arb = fc.record({
      capacity: fc.integer({ min: 1, max: 300 }),
      t: thresholds,
      moves: fc.array(fc.record({ ins: fc.nat(5), outs: fc.nat(5) }), { minLength: 1, maxLength: 80 }),
    });
    fc.assert(
      fc.property(arb, ({ capacity, t, moves }) => {
        const lot = createLotState(LotConfig.parse({ id: 'lot', name: { ja: 'L', en: 'L' }, capacity, thresholds: t, sensors: [{ id: 'g1', passwordHash: FIXTURE_HASH }] }));
        let [i, o] = [0, 0];
        let expected = nextLevel(null, 0, t); // a new lot starts empty
        moves.forEach(({ ins, outs }, seq) => {
          [i, o] = [i + ins, o + outs];
          lot.apply('g1', { boot: 1, seq, ts: 0, in: i, out: o }, 1000);
          const s = lot.status(1000);
          expected = nextLevel(expected, (s.occupied / capacity) * 100, t);
          expect(s.level).toBe(expected);
        });
      }),
      { numRuns: 100 },
    );
  });
});
