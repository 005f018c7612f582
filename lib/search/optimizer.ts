/**
 * The optimisers' common interface: ask for a trial (a point of the unit cube and a
 * fidelity, the number of dev examples per skill to score it on), tell its objective
 * values. Everything an optimiser knows is in `state()`, plain JSON, so a search resumes
 * after a reload exactly where it stopped.
 */
import { chebyshev, simplexWeights } from './pareto';
import type { SearchRng } from './searchRng';

export interface Trial {
  id: number;
  point: number[];
  /** Dev examples per skill. */
  fidelity: number;
}

export interface Observation {
  point: number[];
  fidelity: number;
  values: number[];
}

export interface Optimizer {
  readonly kind: string;
  /** The next trial; the caller decides when the budget is spent. */
  ask(): Trial;
  tell(id: number, values: readonly number[]): void;
  state(): unknown;
}

/**
 * Scalars to rank observations by: the value itself for one objective; for several,
 * ParEGO's augmented Chebyshev scalarisation with weights drawn afresh per ranking, so
 * successive rankings steer towards different parts of the Pareto front.
 */
export function rankingScalars(values: readonly (readonly number[])[], rng: SearchRng): number[] {
  const k = values[0]?.length ?? 1;
  if (k <= 1) return values.map((v) => v[0] ?? -Infinity);
  const weights = simplexWeights(k, () => rng.next());
  return values.map((v) => chebyshev(v, weights));
}

export function uniformPoint(d: number, rng: SearchRng): number[] {
  return Array.from({ length: d }, () => rng.next());
}
