import { describe, expect, it } from 'vitest';
import type { Recipe } from '@/lib/recipe/schema';
import { bestSoFar, paretoTrials, runSearch, type Evaluate, type SearchState } from './searchLoop';
import { dominates } from './pareto';
import { parseSearchConfig } from './searchConfig';

/**
 * A stand-in scorer with the engine's contract: item i of a skill is answered correctly when
 * its fixed pseudo-random level lies below the recipe's skill probability, a smooth function
 * of the recipe's parameters. Prefixes are consistent, so incremental scoring can be checked.
 */
function syntheticEvaluator(calls: Array<{ start: number; end: number }>): Evaluate {
  const level = (skill: string, i: number) => ((Math.sin(i * 12.9898 + skill.length * 78.233) * 43758.5453) % 1 + 1) % 1;
  return async ({ recipe, skills, start, end }) => {
    calls.push({ start, end });
    const text = JSON.stringify(recipe);
    const numbers = [...text.matchAll(/-?\d+\.\d+/g)].map((m) => Number(m[0]));
    const mean = numbers.reduce((a, b) => a + b, 0) / Math.max(1, numbers.length);
    return Object.fromEntries(
      skills.map((skill, k) => {
        const p = Math.exp(-((mean - (k === 0 ? 0.6 : 1.1)) ** 2) * 4);
        let correct = 0;
        for (let i = start; i < end; i++) if (level(skill, i) < p) correct++;
        return [skill, correct];
      }),
    );
  };
}

const config = (optimizer: object, objective: object = { kind: 'weighted', weights: { add: 1, upper: 1 } }) =>
  parseSearchConfig({
    space: { kind: 'layerwise', base: 'b', experts: ['x', 'y'], layerCount: 4, groupSize: 2, methods: ['task_arithmetic'] },
    objective,
    optimizer,
    budget: 4000,
    maxFidelity: 60,
    seed: 11,
  });

describe('runSearch', () => {
  it('resumes from any checkpoint to exactly the trials of an uninterrupted run', async () => {
    for (const optimizer of [{ kind: 'hyperband', minFidelity: 6 }, { kind: 'cmaes' }, { kind: 'random' }]) {
      const c = config(optimizer);
      const whole = await runSearch(c, syntheticEvaluator([]));
      let saved: SearchState | undefined;
      const controller = new AbortController();
      await runSearch(c, syntheticEvaluator([]), {
        signal: controller.signal,
        onCheckpoint: (state) => {
          if (state.trials.length === 17) {
            saved = JSON.parse(JSON.stringify(state)) as SearchState;
            controller.abort();
          }
        },
      }).catch((e: unknown) => {
        if (!controller.signal.aborted) throw e;
      });
      expect(saved?.trials).toHaveLength(17);
      const resumed = await runSearch(c, syntheticEvaluator([]), { resume: saved! });
      expect(resumed.trials).toEqual(whole.trials);
      expect(resumed.spent).toBeLessThanOrEqual(c.budget);
    }
  });

  it('multi-fidelity scoring is incremental: a promoted configuration pays only for its new examples', async () => {
    const calls: Array<{ start: number; end: number }> = [];
    const state = await runSearch(config({ kind: 'hyperband', minFidelity: 6 }), syntheticEvaluator(calls));
    expect(calls.some((c) => c.start > 0)).toBe(true);
    const paid = calls.reduce((a, c) => a + (c.end - c.start) * 2, 0);
    expect(paid).toBe(state.spent);
    expect(state.trials.reduce((a, t) => a + t.cost, 0)).toBe(state.spent);
  });

  it('the best-so-far curve only rises, and a Pareto search reports a front with no dominated point', async () => {
    const state = await runSearch(config({ kind: 'hyperband', minFidelity: 6 }, { kind: 'pareto', skills: ['add', 'upper'] }), syntheticEvaluator([]));
    const curve = bestSoFar(state);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!.best).toBeGreaterThan(curve[i - 1]!.best);
    const front = paretoTrials(state);
    expect(front.length).toBeGreaterThan(0);
    for (const a of front) for (const b of state.trials.filter((t) => t.fidelity === 60)) expect(dominates(b.values, a.values)).toBe(false);
    const recipes: Recipe[] = front.map((t) => t.recipe);
    expect(new Set(recipes.map((r) => JSON.stringify(r))).size).toBe(front.length);
  });
});
