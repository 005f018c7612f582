/** What the search panel shows of a search's trials: candidates ranked, the Pareto view, methods in a recipe. */
import type { Recipe } from '@/lib/recipe/schema';
import { objectiveLabels, type Objective } from './objective';
import { fullFidelityTrials, paretoTrials, type SearchTrials, type TrialRecord } from './searchLoop';

export interface Candidate {
  trial: TrialRecord;
  /** On the Pareto front of the objective values (always true for one objective's best). */
  onFront: boolean;
}

function distinctRecipes(trials: readonly TrialRecord[]): TrialRecord[] {
  const seen = new Set<string>();
  return trials.filter((t) => {
    const key = JSON.stringify(t.recipe);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The best full-fidelity candidates, distinct recipes: by the objective value, or with
 * several objectives the Pareto front first (by its first objective), then the rest by
 * their mean value. Earlier trials win ties, as `bestTrial` decides.
 */
export function topCandidates(state: SearchTrials, limit: number): Candidate[] {
  const trials = distinctRecipes(fullFidelityTrials(state));
  const front = new Set(paretoTrials(state).map((t) => t.id));
  const mean = (t: TrialRecord) => t.values.reduce((a, v) => a + v, 0) / Math.max(1, t.values.length);
  const multi = (trials[0]?.values.length ?? 1) > 1;
  const ranked = [...trials].sort((a, b) => {
    if (multi && front.has(a.id) !== front.has(b.id)) return front.has(a.id) ? -1 : 1;
    const key = multi && !front.has(a.id) ? mean(b) - mean(a) : b.values[0]! - a.values[0]!;
    return key || a.id - b.id;
  });
  return ranked.slice(0, limit).map((trial) => ({ trial, onFront: front.has(trial.id) }));
}

export interface ParetoPoint {
  id: number;
  x: number;
  y: number;
  onFront: boolean;
}

/** Full-fidelity trials in the plane of the first two objectives, front marked. */
export function paretoPoints(state: SearchTrials): ParetoPoint[] {
  const front = new Set(paretoTrials(state).map((t) => t.id));
  return distinctRecipes(fullFidelityTrials(state)).map((t) => ({ id: t.id, x: t.values[0] ?? 0, y: t.values[1] ?? 0, onFront: front.has(t.id) }));
}

/** The merge methods a recipe uses, in stage order, each once. */
export function recipeMethods(recipe: Recipe): string[] {
  return [...new Set(recipe.stages.map((s) => s.merge_method))];
}

/** Share of the budget spent (1 once the search has finished: what is left buys no further trial). */
export function budgetFraction(spent: number, budget: number, finished: boolean): number {
  if (finished) return 1;
  return budget > 0 ? Math.min(1, Math.max(0, spent / budget)) : 0;
}

/** The objective as a person reads it: "mean of add, upper" when the weights are equal. */
export function objectiveTitle(objective: Objective): string {
  if (objective.kind === 'weighted') {
    const skills = Object.keys(objective.weights).filter((s) => (objective.weights[s] ?? 0) > 0);
    const weights = skills.map((s) => objective.weights[s]);
    if (skills.length === 1) return skills[0]!;
    return weights.every((w) => w === weights[0]) ? `mean of ${skills.join(', ')}` : 'weighted mean';
  }
  return objectiveLabels(objective).join(' and ');
}

/** The anytime curve, carried on flat to the examples spent so far, so its end shows how long it has held. */
export function curveUntil(curve: ReadonlyArray<{ spent: number; best: number }>, spent: number): Array<{ spent: number; best: number }> {
  const last = curve.at(-1);
  return last && spent > last.spent ? [...curve, { spent, best: last.best }] : [...curve];
}
