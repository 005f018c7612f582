import { describe, expect, it } from 'vitest';
import { hiMergingConfigSchema, runHiMerging } from './hiMerging';
import { runSearch, type Evaluate } from './searchLoop';
import { estimateSearchCost, estimateSeconds, formatDuration, hiMergingCostBound, ASSUMED_RATE } from './searchCost';
import { parseSearchConfig, type SearchConfigInput } from './searchConfig';

/** Correct answers that depend on the recipe's numbers, so optimisers see different scores. */
const hashedEvaluator: Evaluate = async ({ recipe, skills, start, end }) => {
  const text = JSON.stringify(recipe);
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return Object.fromEntries(skills.map((s, k) => [s, Math.abs(h + k * 7919) % (end - start + 1)]));
};

const layerwise = { kind: 'layerwise', base: 'b', experts: ['x', 'y'], layerCount: 4, groupSize: 2, methods: ['task_arithmetic', 'ties'] } as const;

function config(optimizer: SearchConfigInput['optimizer'], budget: number, maxFidelity: number, objective: SearchConfigInput['objective'] = { kind: 'weighted', weights: { add: 1, upper: 1 } }) {
  return parseSearchConfig({ space: layerwise, objective, optimizer, budget, maxFidelity, seed: 5 });
}

describe('estimateSearchCost', () => {
  it.each([
    ['hyperband η 3', { kind: 'hyperband', minFidelity: 6 } as const, 1500, 60],
    ['hyperband η 2, tiny budget', { kind: 'hyperband', eta: 2, minFidelity: 5 } as const, 160, 20],
    ['hyperband, budget below one full bracket', { kind: 'hyperband', minFidelity: 4 } as const, 100, 36],
    ['random', { kind: 'random' } as const, 1000, 40],
    ['CMA-ES', { kind: 'cmaes' } as const, 700, 30],
  ])('%s: examples and evaluations are what runSearch spends', async (_name, optimizer, budget, maxFidelity) => {
    const c = config(optimizer, budget, maxFidelity);
    const estimate = estimateSearchCost(c);
    const state = await runSearch(c, hashedEvaluator);
    const paid = state.trials.filter((t) => t.cost > 0);
    expect(estimate.examples).toBe(state.spent);
    expect(estimate.evaluations).toBe(paid.length);
    expect(estimate.fullFidelity).toBe(paid.filter((t) => t.fidelity === maxFidelity).length);
    expect(estimate.examples).toBeLessThanOrEqual(budget);
  });

  it('counts the objective skills: one skill costs half of two', () => {
    const one = estimateSearchCost(config({ kind: 'random' }, 1000, 50, { kind: 'skill', skill: 'add' }));
    const two = estimateSearchCost(config({ kind: 'random' }, 1000, 50));
    expect(one).toEqual({ examples: 1000, evaluations: 20, fullFidelity: 20 });
    expect(two).toEqual({ examples: 1000, evaluations: 10, fullFidelity: 10 });
  });

  it('a budget below one evaluation buys nothing', () => {
    expect(estimateSearchCost(config({ kind: 'random' }, 50, 40))).toEqual({ examples: 0, evaluations: 0, fullFidelity: 0 });
    expect(estimateSearchCost(config({ kind: 'hyperband', minFidelity: 10 }, 10, 40))).toEqual({ examples: 0, evaluations: 0, fullFidelity: 0 });
  });
});

describe('hiMergingCostBound', () => {
  const hi = (overrides: object) =>
    hiMergingConfigSchema.parse({ base: 'b', experts: [{ model: 'x', skill: 'add' }, { model: 'y', skill: 'upper' }, { model: 'z', skill: 'sort' }], layerCount: 3, fidelity: 200, maxFidelity: 240, ...overrides });

  it('bounds what Hi-Merging counts, and is reached when every sweep, record and reduction happens', async () => {
    // Every new evaluation scores higher than all before it: each expert's sweep ends on a
    // better setting, every heatmap cell shows a conflict, and every reduction is accepted.
    const rising = (): Evaluate => {
      let calls = 0;
      return async ({ skills }) => {
        calls++;
        return Object.fromEntries(skills.map((s) => [s, calls]));
      };
    };
    for (const overrides of [{}, { densities: [0.5, 1], weights: [1], maxSteps: 2 }, { densities: [0.4], weights: [0.8], reductions: [0.5] }]) {
      const config = hi(overrides);
      const bound = hiMergingCostBound(config);
      expect((await runHiMerging(config, rising())).spent).toBe(bound.examples);
      expect((await runHiMerging(config, hashedEvaluator)).spent).toBeLessThanOrEqual(bound.examples);
    }
  });

  it('adds up the four phases for a hand-worked case', () => {
    // 2 experts, 2 layers, grid 2×2 with (1, 1) skipped = 3, 1 reduction, 1 step, f = 10, final 20.
    const config = hiMergingConfigSchema.parse({
      base: 'b',
      experts: [{ model: 'x', skill: 'add' }, { model: 'y', skill: 'upper' }],
      layerCount: 2,
      densities: [0.5, 1],
      weights: [1, 1.5],
      reductions: [0],
      maxSteps: 1,
      fidelity: 10,
      maxFidelity: 20,
    });
    const modelWise = (1 + 2 * 3 + 2) * 2 * 10; // 180
    const heatmap = 2 * 10 + 2 * (1 + 2 * 2) * 10; // 120
    const resolution = 1 * (1 * 1 + 1) * 2 * 10; // 40
    const final = 2 * 20; // 40
    expect(hiMergingCostBound(config)).toEqual({ examples: modelWise + heatmap + resolution + final, evaluations: 9 + 11 + 2 + 1, fullFidelity: 1 });
  });
});

describe('time estimates', () => {
  it('uses the assumed rate with its overheads until a rate is measured', () => {
    const cost = { examples: 800, evaluations: 10 };
    expect(estimateSeconds(cost, null)).toBeCloseTo(ASSUMED_RATE.startSeconds + 800 / ASSUMED_RATE.examplesPerSecond + 10 * ASSUMED_RATE.secondsPerEvaluation, 10);
    expect(estimateSeconds(cost, 200)).toBe(4);
  });

  it('formats seconds, minutes and hours', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(150)).toBe('3 min');
    expect(formatDuration(3900)).toBe('1 h 5 min');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});
