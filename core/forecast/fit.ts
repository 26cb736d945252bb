/** Small numeric helpers: a least-absolute-error fit (IRLS with a touch of ridge), and quantiles. */

/**
 * Weights c minimising Σ weightᵢ·|yᵢ − c·xᵢ| (what the evaluation measures), for rows of `features`
 * values packed in `xs`: least squares, then reweighted by 1 / |residual| `rounds` times (IRLS),
 * residuals floored at `floor`, each solve shrunk towards `prior` by a small ridge. One pair of
 * accumulators for all rounds and flat loops over typed arrays: this is most of a lot's training.
 * @example fitAbsolute(xs, ys, weights, 7, [1, 0, 0, 0, 0, 0, 0]) // Float64Array(7) or null
 */
export function fitAbsolute(xs: Float64Array, ys: Float64Array, weights: Float64Array, features: number, prior: readonly number[], rounds = 2, floor = 0.5): Float64Array | null {
  const F = features;
  const xtx = new Float64Array(F * F);
  const xty = new Float64Array(F);
  let w: Float64Array | null = null;
  for (let round = 0; round <= rounds; round++) {
    xtx.fill(0);
    xty.fill(0);
    for (let i = 0, o = 0; i < ys.length; i++, o += F) {
      const y = ys[i]!;
      let weight = weights[i]!;
      if (w) {
        let r = y;
        for (let a = 0; a < F; a++) r -= w[a]! * xs[o + a]!;
        weight *= 1 / Math.max(Math.abs(r), floor);
      }
      for (let a = 0; a < F; a++) {
        const wa = weight * xs[o + a]!;
        xty[a]! += wa * y;
        for (let b = a; b < F; b++) xtx[a * F + b]! += wa * xs[o + b]!;
      }
    }
    w = ys.length ? solveRidge(xtx, xty, F, prior) ?? w : w;
  }
  return w;
}

/**
 * Solves (XᵀX + λI) c = Xᵀy + λ·prior from the upper triangle of XᵀX (row-major, F × F), with λ
 * = `ridge` × the mean diagonal (stability when features are nearly collinear); null if singular.
 */
export function solveRidge(xtx: Float64Array, xty: Float64Array, F: number, prior: readonly number[], ridge = 1e-3): Float64Array | null {
  let trace = 0;
  for (let a = 0; a < F; a++) trace += xtx[a * F + a]!;
  const lambda = (ridge * trace) / F;
  // Gaussian elimination with partial pivoting on the augmented matrix [XᵀX + λI | Xᵀy + λ·prior].
  const m = Array.from({ length: F }, (_, a) => [
    ...Array.from({ length: F }, (_, b) => (a <= b ? xtx[a * F + b]! : xtx[b * F + a]!) + (a === b ? lambda : 0)),
    xty[a]! + lambda * prior[a]!,
  ]);
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
