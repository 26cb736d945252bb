/** Small numeric helpers: weighted least squares with a touch of ridge, and quantiles. */

/** Accumulates XᵀWX and XᵀWy for a linear fit without intercept. */
export function createLeastSquares(features: number) {
  const xtx = new Float64Array(features * features);
  const xty = new Float64Array(features);
  let n = 0;
  return {
    add(x: Float64Array, y: number, weight = 1) {
      this.addAt(x, 0, y, weight);
    },
    /** Adds the row of `features` values starting at xs[offset]. */
    addAt(xs: Float64Array, offset: number, y: number, weight = 1) {
      for (let a = 0; a < features; a++) {
        const wa = weight * xs[offset + a]!;
        xty[a]! += wa * y;
        for (let b = a; b < features; b++) xtx[a * features + b]! += wa * xs[offset + b]!;
      }
      n++;
    },
    get count() {
      return n;
    },
    /**
     * The coefficients, shrunk towards `prior` by a ridge of `ridge` × the mean diagonal (for
     * stability when features are nearly collinear), or null without data.
     */
    solve(prior: readonly number[], ridge = 1e-3): Float64Array | null {
      if (n === 0) return null;
      const F = features;
      for (let a = 0; a < F; a++) for (let b = 0; b < a; b++) xtx[a * F + b] = xtx[b * F + a]!;
      let trace = 0;
      for (let a = 0; a < F; a++) trace += xtx[a * F + a]!;
      const lambda = (ridge * trace) / F;
      // Solve (XᵀX + λI) c = Xᵀy + λ prior, by Gaussian elimination with partial pivoting.
      const m = Array.from({ length: F }, (_, a) => [...Array.from({ length: F }, (_, b) => xtx[a * F + b]! + (a === b ? lambda : 0)), xty[a]! + lambda * prior[a]!]);
      for (let col = 0; col < F; col++) {
        let pivot = col;
        for (let r = col + 1; r < F; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
        [m[col], m[pivot]] = [m[pivot]!, m[col]!];
        const d = m[col]![col]!;
        if (Math.abs(d) < 1e-12) return null;
        for (let r = 0; r < F; r++) {
          if (r === col) continue;
          const f = m[r]![col]! / d;
          for (let c = col; c <= F; c++) m[r]![c]! -= f * m[col]![c]!;
        }
      }
      return Float64Array.from({ length: F }, (_, a) => m[a]![F]! / m[a]![a]!);
    },
  };
}

/**
 * The q-quantile (0..1) of values (reordered in place), nearest rank, by quickselect: O(n), where
 * sorting 10⁵ residuals per horizon cost more than the rest of training.
 */
export function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return NaN;
  const k = Math.round(q * (values.length - 1));
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k]!;
}
