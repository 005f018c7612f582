/**
 * Multi-fidelity search against random search and CMA-ES at equal cost (examples
 * evaluated), over several seeds, and Hi-Merging against task arithmetic and TIES with
 * their coefficients tuned on dev. Every choice is made on dev; the chosen recipe is then
 * scored on test.
 */
import * as ort from 'onnxruntime-web';
import type { Recipe } from '@/lib/recipe/schema';
import { engineEvaluator } from '@/lib/workers/engineEvaluator';
import { hiMergingConfigSchema, runHiMerging } from '@/lib/search/hiMerging';
import { bestSoFar, bestTrial, runSearch } from '@/lib/search/searchLoop';
import { parseSearchConfig, type OptimizerConfig } from '@/lib/search/searchConfig';
import type { Evaluate } from '@/lib/search/searchLoop';
import { Engine } from '@/lib/workers/engine';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';

export interface SearchBenchOptions {
  experts: Array<{ model: string; skill: string }>;
  seeds: number[];
  /** Budget in full-fidelity evaluations' worth of examples. */
  fullEvaluations: number;
  maxFidelity: number;
  minFidelity: number;
  testItems: number;
}

export interface OptimizerRun {
  seed: number;
  bestDev: number;
  test: number;
  spent: number;
  curve: Array<{ spent: number; best: number }>;
}

export interface SearchBenchResult {
  options: SearchBenchOptions;
  budget: number;
  runs: Record<'hyperband' | 'random' | 'cmaes', OptimizerRun[]>;
  /** Per seed: examples multi-fidelity needed to reach random search's final best (null: never). */
  costToRandomBest: Array<number | null>;
  handTuned: Array<{ method: string; setting: string; dev: number; test: number }>;
  hiMerging: { dev: number; test: number; spent: number; steps: number };
  ms: number;
}

const OPTIMIZERS: Record<'hyperband' | 'random' | 'cmaes', (o: SearchBenchOptions) => OptimizerConfig> = {
  hyperband: (o) => ({ kind: 'hyperband', eta: 3, minFidelity: o.minFidelity, sampler: 'tpe' }),
  random: () => ({ kind: 'random' }),
  cmaes: () => ({ kind: 'cmaes', sigma0: 0.3 }),
};

export async function measureSearch(options: SearchBenchOptions, log: (line: string) => void = console.log): Promise<SearchBenchResult> {
  const start = performance.now();
  ort.env.wasm.numThreads = 1;
  const engine = new Engine(ort, nodeZooFiles(REPO_PUBLIC));
  const dev = engineEvaluator(engine, 'dev', 'bench-dev');
  const test = engineEvaluator(engine, 'test', 'bench-test');
  const skills = options.experts.map((e) => e.skill);
  const experts = options.experts.map((e) => e.model);
  const budget = options.fullEvaluations * options.maxFidelity * skills.length;
  const meanOn = async (evaluate: Evaluate, recipe: Recipe, items: number) => {
    const correct = await evaluate({ recipe, skills, start: 0, end: items });
    return skills.reduce((a, s) => a + (correct[s] ?? 0), 0) / (items * skills.length);
  };

  const runs: SearchBenchResult['runs'] = { hyperband: [], random: [], cmaes: [] };
  for (const kind of ['hyperband', 'random', 'cmaes'] as const) {
    for (const seed of options.seeds) {
      const config = parseSearchConfig({
        space: { kind: 'layerwise', base: 'zoo-base', experts, layerCount: 4, groupSize: 2, tensorGroups: false, methods: ['task_arithmetic', 'ties'], weight: { low: 0, high: 1.5 }, density: { low: 0.2, high: 1 } },
        objective: { kind: 'weighted', weights: Object.fromEntries(skills.map((s) => [s, 1])) },
        optimizer: OPTIMIZERS[kind](options),
        budget,
        maxFidelity: options.maxFidelity,
        seed,
      });
      const state = await runSearch(config, dev);
      const best = bestTrial(state);
      const testScore = best ? await meanOn(test, best.recipe, options.testItems) : 0;
      runs[kind].push({ seed, bestDev: best?.values[0] ?? 0, test: testScore, spent: state.spent, curve: bestSoFar(state) });
      log(`  ${kind.padEnd(9)} seed ${seed}: best dev ${(100 * (best?.values[0] ?? 0)).toFixed(1)}%, its test ${(100 * testScore).toFixed(1)}%, ${state.trials.length} trials, ${state.spent} examples`);
    }
  }
  const costToRandomBest = options.seeds.map((_, i) => {
    const target = runs.random[i]!.bestDev;
    return runs.hyperband[i]!.curve.find((p) => p.best >= target)?.spent ?? null;
  });

  // Hand-tuned single-method merges: the coefficient grid is scored on dev, the winner on test.
  const handTuned: SearchBenchResult['handTuned'] = [];
  const grids: Array<{ method: string; settings: Array<{ label: string; recipe: Recipe }> }> = [
    {
      method: 'task arithmetic',
      settings: [0.4, 0.6, 0.8, 1, 1.2].map((lambda) => ({
        label: `lambda ${lambda}`,
        recipe: { version: 1, stages: [{ name: 'm', merge_method: 'task_arithmetic', base_model: 'zoo-base', models: experts.map((model) => ({ model, parameters: { weight: 1 } })), parameters: { lambda } }] },
      })),
    },
    {
      method: 'TIES',
      settings: [0.2, 0.5, 1].flatMap((density) =>
        [0.8, 1, 1.2].map((lambda) => ({
          label: `density ${density}, lambda ${lambda}`,
          recipe: { version: 1, stages: [{ name: 'm', merge_method: 'ties', base_model: 'zoo-base', models: experts.map((model) => ({ model, parameters: { weight: 1, density } })), parameters: { lambda } }] },
        })),
      ),
    },
  ];
  for (const { method, settings } of grids) {
    let best = { label: '', recipe: settings[0]!.recipe, dev: -1 };
    for (const s of settings) {
      const d = await meanOn(dev, s.recipe, options.maxFidelity);
      if (d > best.dev) best = { label: s.label, recipe: s.recipe, dev: d };
    }
    handTuned.push({ method, setting: best.label, dev: best.dev, test: await meanOn(test, best.recipe, options.testItems) });
    log(`  ${method}: ${best.label}, dev ${(100 * best.dev).toFixed(1)}%`);
  }

  const hi = await runHiMerging(
    hiMergingConfigSchema.parse({ base: 'zoo-base', experts: options.experts, layerCount: 4, fidelity: 40, maxFidelity: options.maxFidelity }),
    dev,
  );
  const hiDev = skills.reduce((a, s) => a + (hi.finalAccuracy[s] ?? 0), 0) / skills.length;
  const hiMerging = { dev: hiDev, test: await meanOn(test, hi.recipe, options.testItems), spent: hi.spent, steps: hi.steps.length };
  log(`  Hi-Merging: dev ${(100 * hiDev).toFixed(1)}%, ${hi.spent} examples`);
  return { options, budget, runs, costToRandomBest, handTuned, hiMerging, ms: performance.now() - start };
}

function meanSd(values: readonly number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return `${(100 * mean).toFixed(1)} ± ${(100 * sd).toFixed(1)}`;
}

export function searchBenchTable(r: SearchBenchResult): string {
  const pair = r.options.experts.map((e) => e.model).join(' + ');
  const reached = r.costToRandomBest.filter((c): c is number => c !== null);
  const costLine =
    reached.length > 0
      ? `Multi-fidelity reached random search's final best dev score in ${reached.length} of ${r.costToRandomBest.length} seeds, after ${meanSd(reached.map((c) => c / r.budget)).replace(/(\d+\.\d) ± (\d+\.\d)/, (_, m: string, s: string) => `${m}% ± ${s}%`)} of the budget (mean ± sd over those seeds).`
      : 'Multi-fidelity never reached random search’s final best dev score.';
  const rows = (['hyperband', 'random', 'cmaes'] as const).map((k) => {
    const label = { hyperband: 'multi-fidelity (Hyperband + TPE)', random: 'random search', cmaes: 'CMA-ES' }[k];
    return `| ${label} | ${meanSd(r.runs[k].map((x) => x.bestDev))} | ${meanSd(r.runs[k].map((x) => x.test))} |`;
  });
  return [
    `${pair}, layer-wise space (2 layer groups; per group a method, task arithmetic or TIES, a weight per expert in [0, 1.5] and a density in [0.2, 1]: 8 dimensions), objective: mean exact match of ${r.options.experts.map((e) => e.skill).join(' and ')}. Budget ${r.budget.toLocaleString('en')} examples each (${r.options.fullEvaluations} full evaluations of ${r.options.maxFidelity} dev items per skill), seeds ${r.options.seeds.join(', ')}; test on ${r.options.testItems} items per skill.`,
    '',
    '| optimiser | best dev (%) | test of its choice (%) |',
    '|---|---|---|',
    ...rows,
    ...r.handTuned.map((h) => `| ${h.method}, tuned on dev (${h.setting}) | ${(100 * h.dev).toFixed(1)} | ${(100 * h.test).toFixed(1)} |`),
    `| Hi-Merging (${r.hiMerging.steps} steps, ${r.hiMerging.spent.toLocaleString('en')} examples) | ${(100 * r.hiMerging.dev).toFixed(1)} | ${(100 * r.hiMerging.test).toFixed(1)} |`,
    '',
    costLine,
  ].join('\n');
}
