/**
 * What a search will cost before it runs: examples scored and evaluations (merges scored),
 * from the optimiser's schedule alone, and a time estimate from a throughput. The schedule
 * does not depend on the scores, so the counts are what `runSearch` spends unless two
 * trials decode to the same recipe (then the second one is free).
 */
import type { HiMergingConfig } from './hiMerging';
import { Hyperband } from './hyperband';
import { objectiveSkills } from './objective';
import type { SearchConfig } from './searchConfig';

export interface SearchCost {
  /** Examples scored in all (items × skills). */
  examples: number;
  /** Merges scored (trials that cost anything). */
  evaluations: number;
  /** Of those, the ones scored at full fidelity. */
  fullFidelity: number;
}

export function estimateSearchCost(config: SearchConfig): SearchCost {
  const skills = objectiveSkills(config.objective).length;
  const o = config.optimizer;
  if (o.kind !== 'hyperband') {
    const evaluations = Math.floor(config.budget / (config.maxFidelity * skills));
    return { examples: evaluations * config.maxFidelity * skills, evaluations, fullFidelity: evaluations };
  }
  // Hyperband's brackets, as `Hyperband.ask` walks them: a promoted configuration pays only
  // for the examples it has not been scored on yet. Every bracket's first trial costs
  // something, so the walk ends.
  const schedule = new Hyperband(1, config.maxFidelity, 0, { eta: o.eta, minFidelity: o.minFidelity, sampler: 'random' });
  const cost: SearchCost = { examples: 0, evaluations: 0, fullFidelity: 0 };
  for (let bracket = 0; ; bracket++) {
    const s = schedule.sMax - (bracket % (schedule.sMax + 1));
    let count = schedule.initialCount(s);
    let before = 0;
    for (let rung = 0; rung <= s; rung++) {
      const fidelity = schedule.fidelity(s, rung);
      const each = Math.max(0, fidelity - before) * skills;
      for (let i = 0; i < count; i++) {
        if (cost.examples + each > config.budget) return cost;
        cost.examples += each;
        if (each > 0) {
          cost.evaluations++;
          if (fidelity >= config.maxFidelity) cost.fullFidelity++;
        }
      }
      before = fidelity;
      count = Math.max(1, Math.floor(count / o.eta));
    }
  }
}

/**
 * The examples and evaluations Hi-Merging counts at most: every grid point of every expert,
 * the heatmap's alone/merged pairs, every reduction tried for `maxSteps` conflicts, and the
 * final report. Repeated recipes are answered from the memo, so fewer merges actually run.
 */
export function hiMergingCostBound(config: HiMergingConfig): SearchCost {
  const E = config.experts.length;
  const L = config.layerCount;
  const f = config.fidelity;
  const grid = config.densities.length * config.weights.length - (config.densities.includes(1) && config.weights.includes(1) ? 1 : 0);
  const modelWise = { evaluations: 1 + E * grid + E, examples: (1 + E * grid + E) * E * f };
  const heatmap = { evaluations: 1 + E * (1 + 2 * L), examples: E * f + E * (1 + 2 * L) * f };
  const perStep = (E - 1) * config.reductions.length + 1;
  const resolution = { evaluations: config.maxSteps * perStep, examples: config.maxSteps * perStep * E * f };
  const final = { evaluations: 1, examples: E * config.maxFidelity };
  const parts = [modelWise, heatmap, resolution, final];
  return {
    examples: parts.reduce((a, p) => a + p.examples, 0),
    evaluations: parts.reduce((a, p) => a + p.evaluations, 0),
    fullFidelity: 1,
  };
}

/**
 * Throughput assumed before a run has measured this machine: deliberately slow (Node scores
 * the zoo at about 250 examples/s on one thread; a browser worker sharing two busy cores
 * with the page managed about 30), plus a merge per evaluation and the models' first load.
 */
export const ASSUMED_RATE = { examplesPerSecond: 30, secondsPerEvaluation: 0.5, startSeconds: 5 } as const;

/** Seconds a cost takes at an assumed rate, or at a measured overall rate (examples/s, overheads included). */
export function estimateSeconds(cost: Pick<SearchCost, 'examples' | 'evaluations'>, measuredExamplesPerSecond: number | null): number {
  if (measuredExamplesPerSecond !== null && measuredExamplesPerSecond > 0) return cost.examples / measuredExamplesPerSecond;
  return ASSUMED_RATE.startSeconds + cost.examples / ASSUMED_RATE.examplesPerSecond + cost.evaluations * ASSUMED_RATE.secondsPerEvaluation;
}

/** "40 s", "3 min", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
