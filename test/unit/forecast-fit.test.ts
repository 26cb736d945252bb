import { describe, expect, it } from 'vitest';
import { fitAbsolute, quantile, solveRidge } from '../../core/forecast/fit.js';
import { seededRandom } from '../../testkit/occupancy-weeks.js';

/** Rows y = 2·x0 − x1 + noise, with every tenth y thrown far off (an outlier). */
function rows(n: number, seed: number) {
  const random = seededRandom(seed);
  const xs = new Float64Array(n * 2);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i * 2] = random() * 10 - 5;
    xs[i * 2 + 1] = random() * 10 - 5;
    ys[i] = 2 * xs[i * 2]! - xs[i * 2 + 1]! + (random() - 0.5) * 0.2 + (i % 10 === 0 ? 40 : 0);
  }
  return { xs, ys, weights: new Float64Array(n).fill(1) };
}

describe('forecast fit: least absolute error by reweighted least squares', () => {
  it('finds the coefficients through outliers that pull a least-squares fit away', () => {
    const { xs, ys, weights } = rows(2000, 7);
    const squares = fitAbsolute(xs, ys, weights, 2, [0, 0], 0)!;
    const absolute = fitAbsolute(xs, ys, weights, 2, [0, 0], 4)!;
    const offBy = (w: Float64Array) => Math.abs(w[0]! - 2) + Math.abs(w[1]! + 1);
    expect(offBy(absolute)).toBeLessThan(0.05);
    expect(offBy(absolute)).toBeLessThan(offBy(squares));
  });

  it('gives null without rows, and shrinks towards the prior as the ridge grows', () => {
    expect(fitAbsolute(new Float64Array(0), new Float64Array(0), new Float64Array(0), 2, [0, 0])).toBeNull();
    const xtx = Float64Array.from([1, 0, 0, 1]);
    const xty = Float64Array.from([3, 3]);
    expect([...solveRidge(xtx, xty, 2, [0, 0], 0)!]).toEqual([3, 3]);
    const shrunk = solveRidge(xtx, xty, 2, [1, 1], 1)!; // λ = 1: (3 + 1) / 2
    expect([...shrunk]).toEqual([2, 2]);
  });

  it('quantile is the nearest-rank value, whatever the order', () => {
    const values = Float64Array.from([5, 1, 4, 2, 3, 9, 0, 8, 7, 6]);
    expect(quantile(values.slice(), 0.1)).toBe(1);
    expect(quantile(values.slice(), 0.9)).toBe(8);
    expect(quantile(new Float64Array(0), 0.5)).toBeNaN();
  });
});
