/**
 * Runs a search: ask the optimiser, decode the point into a recipe, score it on the first
 * `fidelity` dev items of each objective skill, tell the optimiser, until the budget of
 * examples is spent. Scores are incremental: a configuration promoted from 40 to 120
 * examples pays for the 80 new ones only. After every trial the whole state (optimiser
 * included) is handed to `onCheckpoint`, so a search resumes from it after a reload, and
 * the same seed gives the same trials.
 */
import type { Recipe } from '@/lib/recipe/schema';
import { CmaEs } from './cmaes';
import { Hyperband } from './hyperband';
import { objectiveSkills, objectiveValues } from './objective';
import type { Optimizer } from './optimizer';
import { paretoFront } from './pareto';
import { RandomSearch } from './randomSearch';
import { searchSpaceOf, type SearchConfig } from './searchConfig';

export interface EvaluationRequest {
  recipe: Recipe;
  skills: readonly string[];
  /** Dev items [start, end) of each skill. */
  start: number;
  end: number;
}

/** Correct answers per skill on the requested items. */
export type Evaluate = (request: EvaluationRequest, signal?: AbortSignal) => Promise<Record<string, number>>;

export interface TrialRecord {
  id: number;
  point: number[];
  recipe: Recipe;
  /** Dev examples per skill the scores are over. */
  fidelity: number;
  accuracy: Record<string, number>;
  values: number[];
  /** Examples this trial cost (new items × skills) and all trials so far. */
  cost: number;
  spent: number;
}

export interface SearchState {
  version: 1;
  config: SearchConfig;
  optimizer: unknown;
  trials: TrialRecord[];
  spent: number;
  /** Items scored so far per recipe (a prefix of the dev split), with correct counts per skill. */
  scored: Record<string, { items: number; correct: Record<string, number> }>;
  finished: boolean;
}

export interface RunOptions {
  /** Resume from this state (from a checkpoint) instead of starting afresh. */
  resume?: SearchState;
  onCheckpoint?: (state: SearchState, trial: TrialRecord) => void | Promise<void>;
  signal?: AbortSignal;
}

function createOptimizer(config: SearchConfig, dimensions: number, saved?: unknown): Optimizer {
  const o = config.optimizer;
  switch (o.kind) {
    case 'random':
      return new RandomSearch(dimensions, config.maxFidelity, config.seed, saved);
    case 'cmaes':
      return new CmaEs(dimensions, config.maxFidelity, config.seed, { sigma0: o.sigma0 }, saved);
    case 'hyperband':
      return new Hyperband(dimensions, config.maxFidelity, config.seed, { eta: o.eta, minFidelity: o.minFidelity, sampler: o.sampler }, saved);
  }
}

export function initialSearchState(config: SearchConfig): SearchState {
  return { version: 1, config, optimizer: undefined, trials: [], spent: 0, scored: {}, finished: false };
}

export async function runSearch(config: SearchConfig, evaluate: Evaluate, options: RunOptions = {}): Promise<SearchState> {
  const space = searchSpaceOf(config);
  const skills = objectiveSkills(config.objective);
  const state: SearchState = options.resume ? structuredClone(options.resume) : initialSearchState(config);
  const optimizer = createOptimizer(config, space.dimensions.length, state.optimizer);
  while (!state.finished) {
    options.signal?.throwIfAborted();
    const trial = optimizer.ask();
    const recipe = space.decode(trial.point);
    const key = JSON.stringify(recipe);
    const have = state.scored[key] ?? { items: 0, correct: Object.fromEntries(skills.map((s) => [s, 0])) };
    const cost = Math.max(0, trial.fidelity - have.items) * skills.length;
    if (state.spent + cost > config.budget) {
      state.finished = true;
      break;
    }
    let scored = have;
    if (cost > 0) {
      const correct = await evaluate({ recipe, skills, start: have.items, end: trial.fidelity }, options.signal);
      scored = { items: trial.fidelity, correct: Object.fromEntries(skills.map((s) => [s, (have.correct[s] ?? 0) + (correct[s] ?? 0)])) };
    }
    const accuracy = Object.fromEntries(skills.map((s) => [s, (scored.correct[s] ?? 0) / scored.items]));
    const values = objectiveValues(config.objective, accuracy);
    optimizer.tell(trial.id, values);
    state.spent += cost;
    state.scored[key] = scored;
    const record: TrialRecord = { id: trial.id, point: trial.point, recipe, fidelity: scored.items, accuracy, values, cost, spent: state.spent };
    state.trials.push(record);
    state.optimizer = optimizer.state();
    await options.onCheckpoint?.(state, record);
  }
  return state;
}

/** What the result views read of a state: its config and trials (the page holds no more while a search runs). */
export type SearchTrials = Pick<SearchState, 'config' | 'trials'>;

/** Trials scored at full fidelity, the only ones a final choice may come from. */
export function fullFidelityTrials(state: SearchTrials): TrialRecord[] {
  return state.trials.filter((t) => t.fidelity >= state.config.maxFidelity);
}

/** The best full-fidelity trial by the first objective value (earliest on ties); null before any. */
export function bestTrial(state: SearchTrials): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const t of fullFidelityTrials(state)) if (!best || t.values[0]! > best.values[0]!) best = t;
  return best;
}

/** Full-fidelity trials on the Pareto front of the objective values (distinct recipes). */
export function paretoTrials(state: SearchTrials): TrialRecord[] {
  const seen = new Set<string>();
  const trials = fullFidelityTrials(state).filter((t) => {
    const key = JSON.stringify(t.recipe);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return paretoFront(trials.map((t) => t.values)).map((i) => trials[i]!);
}

/** Best full-fidelity value reached against examples spent: the anytime curve the charts draw. */
export function bestSoFar(state: SearchTrials): Array<{ spent: number; best: number }> {
  const curve: Array<{ spent: number; best: number }> = [];
  let best = -Infinity;
  for (const t of state.trials) {
    if (t.fidelity >= state.config.maxFidelity && t.values[0]! > best) {
      best = t.values[0]!;
      curve.push({ spent: t.spent, best });
    }
  }
  return curve;
}
