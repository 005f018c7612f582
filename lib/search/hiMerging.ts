/**
 * Hi-Merging: training-free multi-task merging in two levels.
 *
 * 1. Model-wise: each expert's task vector is pruned (keep a `density` share by
 *    magnitude) and scaled (`weight`); a grid over density × weight is swept expert by
 *    expert, each choice scored on the merged model's objective.
 * 2. Layer-wise: for every layer l and expert e, the layer's contribution to e's skill is
 *    measured alone (the pruned, scaled expert with and without its layer l) and in the
 *    merge (with and without e's layer l). conflict(l, e) = alone − merged is how much of
 *    the layer's contribution the merge destroys. The worst cells are resolved one at a
 *    time: the other experts' weights at that layer are reduced (each factor tried, every
 *    candidate scored), and the best candidate is kept if it raises the objective.
 *
 * The merge operator is mergekit's `ties` with `normalize: false` (prune by magnitude,
 * elect signs, sum the scaled deltas), per-layer weights as gradient lists inside a
 * `layers.` filter, so the result is a recipe mergekit runs as it is. Every evaluation goes
 * through a memo keyed by recipe and items, so a resumed run replays from its cache.
 */
import { z } from 'zod';
import type { ParamValue, Recipe } from '@/lib/recipe/schema';
import type { Evaluate } from './searchLoop';

export const hiMergingConfigSchema = z.object({
  base: z.string().min(1),
  experts: z.array(z.object({ model: z.string().min(1), skill: z.string().min(1) })).min(2).max(16),
  layerCount: z.number().int().min(1).max(1024),
  densities: z.array(z.number().gt(0).max(1)).min(1).default([0.3, 0.6, 1]),
  weights: z.array(z.number().positive().max(3)).min(1).default([0.7, 1, 1.3]),
  /** Weight factors tried on the other experts at a conflicting layer. */
  reductions: z.array(z.number().min(0).lt(1)).min(1).default([0.5, 0]),
  /** Dev examples per skill for every analysis and resolution step. */
  fidelity: z.number().int().positive(),
  /** Dev examples per skill for the final report of the merged recipe. */
  maxFidelity: z.number().int().positive(),
  maxSteps: z.number().int().min(0).default(4),
});
export type HiMergingConfig = z.infer<typeof hiMergingConfigSchema>;

export interface HiMergingSettings {
  density: number[];
  /** weights[e][l]: expert e's weight at layer l (embeddings, final norm and head use `outside[e]`). */
  weights: number[][];
  outside: number[];
}

export interface HiMergingStep {
  label: string;
  recipe: Recipe;
  accuracy: Record<string, number>;
  value: number;
  accepted: boolean;
  /** Examples spent so far, this step included. */
  spent: number;
}

export interface ConflictCell {
  layer: number;
  expert: string;
  /** The layer's contribution to the expert's skill in the expert alone and in the merge. */
  alone: number;
  merged: number;
  conflict: number;
}

export interface HiMergingResult {
  settings: HiMergingSettings;
  recipe: Recipe;
  /** The model-wise settings the heatmap measured (resolution then changes layers of them). */
  analysed: HiMergingSettings;
  heatmap: ConflictCell[];
  steps: HiMergingStep[];
  /** The final recipe's accuracy on `maxFidelity` dev examples per skill. */
  finalAccuracy: Record<string, number>;
  spent: number;
}

const HI_MERGED_STAGE = 'hi_merged';

function layerWeights(perLayer: readonly number[], outside: number): ParamValue {
  const rounded = perLayer.map((w) => Math.round(w * 1e4) / 1e4);
  const gradient = rounded.every((w) => w === rounded[0]) ? rounded[0]! : rounded;
  return [{ filter: 'layers.', value: gradient }, { value: Math.round(outside * 1e4) / 1e4 }];
}

/** The recipe of a setting over a subset of experts (indices into config.experts). */
function hiMergingRecipe(config: HiMergingConfig, settings: HiMergingSettings, include: readonly number[] = config.experts.map((_, i) => i)): Recipe {
  return {
    version: 1,
    stages: [
      {
        name: HI_MERGED_STAGE,
        merge_method: 'ties',
        base_model: config.base,
        models: include.map((e) => ({
          model: config.experts[e]!.model,
          parameters: { density: settings.density[e]!, weight: layerWeights(settings.weights[e]!, settings.outside[e]!) },
        })),
        parameters: { normalize: false, lambda: 1 },
      },
    ],
    output: HI_MERGED_STAGE,
  };
}

export interface HiMergingOptions {
  /** Evaluations done before (a checkpoint): replayed instead of recomputed. */
  memo?: Record<string, Record<string, number>>;
  onProgress?: (event: { phase: 'model-wise' | 'layer-wise' | 'resolution' | 'final'; spent: number; memo: Record<string, Record<string, number>>; steps: readonly HiMergingStep[] }) => void;
  signal?: AbortSignal;
}

export async function runHiMerging(config: HiMergingConfig, evaluate: Evaluate, options: HiMergingOptions = {}): Promise<HiMergingResult> {
  const memo = options.memo ? { ...options.memo } : {};
  let spent = 0;
  const skills = config.experts.map((e) => e.skill);
  const E = config.experts.length;
  const L = config.layerCount;

  async function accuracyOf(recipe: Recipe, on: readonly string[], items = config.fidelity): Promise<Record<string, number>> {
    options.signal?.throwIfAborted();
    const key = JSON.stringify([recipe, on, items]);
    let correct = memo[key];
    if (!correct) {
      correct = await evaluate({ recipe, skills: on, start: 0, end: items }, options.signal);
      memo[key] = correct;
    }
    spent += items * on.length;
    return Object.fromEntries(on.map((s) => [s, (correct[s] ?? 0) / items]));
  }
  const mean = (acc: Record<string, number>) => skills.reduce((a, s) => a + (acc[s] ?? 0), 0) / skills.length;
  const steps: HiMergingStep[] = [];
  const record = async (label: string, settings: HiMergingSettings, accepted: boolean, phase: 'model-wise' | 'layer-wise' | 'resolution') => {
    const recipe = hiMergingRecipe(config, settings);
    const accuracy = await accuracyOf(recipe, skills);
    const step = { label, recipe, accuracy, value: mean(accuracy), accepted, spent };
    steps.push(step);
    options.onProgress?.({ phase, spent, memo, steps });
    return step;
  };

  // 1. Model-wise pruning and scaling, expert by expert, in the merged context.
  let current: HiMergingSettings = { density: config.experts.map(() => 1), weights: config.experts.map(() => new Array<number>(L).fill(1)), outside: config.experts.map(() => 1) };
  let currentValue = (await record('all experts, density 1, weight 1', current, true, 'model-wise')).value;
  for (let e = 0; e < E; e++) {
    let best = current;
    let bestValue = currentValue;
    for (const density of config.densities) {
      for (const weight of config.weights) {
        if (density === current.density[e] && weight === current.outside[e]) continue;
        const trial = withExpert(current, e, density, weight, L);
        const value = mean(await accuracyOf(hiMergingRecipe(config, trial), skills));
        if (value > bestValue) {
          bestValue = value;
          best = trial;
        }
      }
    }
    if (best !== current) {
      current = best;
      currentValue = (await record(`${config.experts[e]!.model}: density ${best.density[e]}, weight ${best.outside[e]}`, current, true, 'model-wise')).value;
    }
  }

  // 2. Layer-wise contribution analysis.
  const analysed = current;
  const heatmap = await conflictHeatmap(config, current, accuracyOf);
  options.onProgress?.({ phase: 'layer-wise', spent, memo, steps });

  // 3. Iterative resolution of the worst conflicts.
  const worst = [...heatmap].filter((c) => c.conflict > 0).sort((a, b) => b.conflict - a.conflict).slice(0, config.maxSteps);
  for (const cell of worst) {
    const e = config.experts.findIndex((x) => x.model === cell.expert);
    let best: HiMergingSettings | null = null;
    let bestValue = currentValue;
    let bestLabel = '';
    for (let j = 0; j < E; j++) {
      if (j === e) continue;
      for (const factor of config.reductions) {
        const trial = scaleLayer(current, j, cell.layer, factor);
        const value = mean(await accuracyOf(hiMergingRecipe(config, trial), skills));
        if (value > bestValue) {
          bestValue = value;
          best = trial;
          bestLabel = `layer ${cell.layer} (conflict on ${cell.expert}): ${config.experts[j]!.model} × ${factor}`;
        }
      }
    }
    if (best) {
      current = best;
      currentValue = (await record(bestLabel, current, true, 'resolution')).value;
    } else {
      steps.push({ ...steps[steps.length - 1]!, label: `layer ${cell.layer} (conflict on ${cell.expert}): no reduction helped`, accepted: false, spent });
      options.onProgress?.({ phase: 'resolution', spent, memo, steps });
    }
  }

  const recipe = hiMergingRecipe(config, current);
  const finalAccuracy = await accuracyOf(recipe, skills, config.maxFidelity);
  options.onProgress?.({ phase: 'final', spent, memo, steps });
  return { settings: current, recipe, analysed, heatmap, steps, finalAccuracy, spent };
}

type AccuracyOf = (recipe: Recipe, on: readonly string[]) => Promise<Record<string, number>>;

/** conflict(l, e) = contribution of e's layer l alone − in the merge (see the module comment). */
export async function conflictHeatmap(config: HiMergingConfig, settings: HiMergingSettings, accuracyOf: AccuracyOf): Promise<ConflictCell[]> {
  const cells: ConflictCell[] = [];
  const all = config.experts.map((_, i) => i);
  const mergedFull = await accuracyOf(hiMergingRecipe(config, settings, all), config.experts.map((x) => x.skill));
  for (let e = 0; e < config.experts.length; e++) {
    const { model, skill } = config.experts[e]!;
    const aloneFull = (await accuracyOf(hiMergingRecipe(config, settings, [e]), [skill]))[skill]!;
    for (let l = 0; l < config.layerCount; l++) {
      const without = scaleLayer(settings, e, l, 0);
      const aloneWithout = (await accuracyOf(hiMergingRecipe(config, without, [e]), [skill]))[skill]!;
      const mergedWithout = (await accuracyOf(hiMergingRecipe(config, without, all), [skill]))[skill]!;
      const alone = aloneFull - aloneWithout;
      const merged = mergedFull[skill]! - mergedWithout;
      cells.push({ layer: l, expert: model, alone, merged, conflict: alone - merged });
    }
  }
  return cells;
}

function withExpert(s: HiMergingSettings, e: number, density: number, weight: number, layers: number): HiMergingSettings {
  return {
    density: s.density.map((d, i) => (i === e ? density : d)),
    weights: s.weights.map((w, i) => (i === e ? new Array<number>(layers).fill(weight) : w)),
    outside: s.outside.map((w, i) => (i === e ? weight : w)),
  };
}

function scaleLayer(s: HiMergingSettings, e: number, layer: number, factor: number): HiMergingSettings {
  return { ...s, weights: s.weights.map((w, i) => (i === e ? w.map((v, l) => (l === layer ? v * factor : v)) : w)) };
}
