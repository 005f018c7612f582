/** The search on the real zoo, in Node, with the engine the worker runs. */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@/lib/recipe/schema';
import { Engine } from '@/lib/workers/engine';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { engineEvaluator } from '@/lib/workers/engineEvaluator';
import { conflictHeatmap, hiMergingConfigSchema, runHiMerging } from './hiMerging';
import { bestTrial, runSearch, type Evaluate } from './searchLoop';
import { parseSearchConfig, type SearchConfigInput } from './searchConfig';

const FIDELITY = 30;
let evaluate: Evaluate;

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  evaluate = engineEvaluator(new Engine(ort, nodeZooFiles(REPO_PUBLIC)));
});

const pair = ['zoo-add', 'zoo-upper'];
const meanOf = (correct: Record<string, number>, items: number) => ((correct['add'] ?? 0) + (correct['upper'] ?? 0)) / (2 * items);

function searchConfig(optimizer: SearchConfigInput['optimizer']): SearchConfigInput {
  return {
    space: { kind: 'layerwise', base: 'zoo-base', experts: pair, layerCount: 4, groupSize: 2, methods: ['task_arithmetic'], weight: { low: 0, high: 1.5 } },
    objective: { kind: 'weighted', weights: { add: 1, upper: 1 } },
    optimizer,
    budget: 12 * FIDELITY * 2,
    maxFidelity: FIDELITY,
    seed: 3,
  };
}

describe('search on the zoo (dev split, fixed seed, small budget)', () => {
  it('each optimiser returns a recipe whose dev score beats the equal-weight average', async () => {
    const average: Recipe = { version: 1, stages: [{ name: 'avg', merge_method: 'linear', models: pair.map((model) => ({ model, parameters: { weight: 0.5 } })) }] };
    const baseline = meanOf(await evaluate({ recipe: average, skills: ['add', 'upper'], start: 0, end: FIDELITY }), FIDELITY);
    for (const optimizer of [{ kind: 'random' as const }, { kind: 'cmaes' as const }, { kind: 'hyperband' as const, minFidelity: 4 }]) {
      const config = parseSearchConfig(searchConfig(optimizer));
      const state = await runSearch(config, evaluate);
      const best = bestTrial(state);
      expect(best, optimizer.kind).not.toBeNull();
      expect(state.spent).toBeLessThanOrEqual(config.budget);
      // The reported score is the recipe's real dev score, re-measured from scratch.
      const rescored = meanOf(await evaluate({ recipe: best!.recipe, skills: ['add', 'upper'], start: 0, end: FIDELITY }), FIDELITY);
      expect(rescored).toBeCloseTo(best!.values[0]!, 10);
      expect(rescored, `${optimizer.kind}: ${rescored} vs average ${baseline}`).toBeGreaterThan(baseline);
    }
  }, 300_000);

  it("Hi-Merging's conflict heatmap equals per-layer scores computed directly", async () => {
    const config = hiMergingConfigSchema.parse({ base: 'zoo-base', experts: [{ model: 'zoo-add', skill: 'add' }, { model: 'zoo-upper', skill: 'upper' }], layerCount: 4, densities: [1], weights: [1], maxSteps: 1, fidelity: 20, maxFidelity: 20 });
    const result = await runHiMerging(config, evaluate);
    expect(result.heatmap).toHaveLength(8);
    // Direct: ties without normalisation, by hand, with and without one expert's layer.
    const ties = (models: Array<{ model: string; layerWeights: number[] }>): Recipe => ({
      version: 1,
      stages: [
        {
          name: 'direct',
          merge_method: 'ties',
          base_model: 'zoo-base',
          parameters: { normalize: false },
          models: models.map(({ model, layerWeights }) => ({ model, parameters: { weight: [{ filter: 'model.layers.', value: layerWeights }, { value: 1 }] } })),
        },
      ],
    });
    const acc = async (recipe: Recipe, skill: string) => ((await evaluate({ recipe, skills: [skill], start: 0, end: 20 }))[skill] ?? 0) / 20;
    const settings = result.analysed;
    for (const layer of [0, 3]) {
      const w = (e: number, drop: boolean) => settings.weights[e]!.map((v, l) => (drop && l === layer ? 0 : v));
      const alone = (await acc(ties([{ model: 'zoo-upper', layerWeights: w(1, false) }]), 'upper')) - (await acc(ties([{ model: 'zoo-upper', layerWeights: w(1, true) }]), 'upper'));
      const merged =
        (await acc(ties([{ model: 'zoo-add', layerWeights: w(0, false) }, { model: 'zoo-upper', layerWeights: w(1, false) }]), 'upper')) -
        (await acc(ties([{ model: 'zoo-add', layerWeights: w(0, false) }, { model: 'zoo-upper', layerWeights: w(1, true) }]), 'upper'));
      const cell = result.heatmap.find((c) => c.layer === layer && c.expert === 'zoo-upper')!;
      expect(cell.alone).toBeCloseTo(alone, 10);
      expect(cell.merged).toBeCloseTo(merged, 10);
      expect(cell.conflict).toBeCloseTo(alone - merged, 10);
    }
    // Recomputing the heatmap from the analysed settings through the public function gives the same cells.
    const again = await conflictHeatmap(config, result.analysed, async (recipe, on) => {
      const correct = await evaluate({ recipe, skills: on, start: 0, end: 20 });
      return Object.fromEntries(on.map((s) => [s, (correct[s] ?? 0) / 20]));
    });
    expect(again).toEqual(result.heatmap);
    expect(result.steps.length).toBeGreaterThan(0);
    expect(Object.keys(result.finalAccuracy).sort()).toEqual(['add', 'upper']);
  }, 300_000);
});
