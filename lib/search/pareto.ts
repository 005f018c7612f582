/** Pareto dominance and the Pareto front for maximised objectives, and ParEGO's scalarisation. */

/** a dominates b: at least as good everywhere and better somewhere. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return false;
    if (x > y) better = true;
  }
  return better;
}

/** Indices of the points no other point dominates. */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  return points.flatMap((p, i) => (points.some((q, j) => j !== i && dominates(q, p)) ? [] : [i]));
}

/**
 * ParEGO's augmented Chebyshev scalarisation (Knowles 2006), for maximisation: the worst
 * weighted objective plus a small weighted sum, so every maximiser is Pareto-optimal.
 */
export function chebyshev(values: readonly number[], weights: readonly number[], rho = 0.05): number {
  let worst = Infinity;
  let sum = 0;
  values.forEach((v, i) => {
    const w = weights[i] ?? 0;
    worst = Math.min(worst, w * v);
    sum += w * v;
  });
  return worst + rho * sum;
}

/** A weight vector drawn uniformly from the simplex (sorted-uniform spacings). */
export function simplexWeights(k: number, uniform: () => number): number[] {
  const cuts = Array.from({ length: k - 1 }, uniform).sort((a, b) => a - b);
  return [...cuts, 1].map((c, i) => c - (i === 0 ? 0 : cuts[i - 1]!));
}
