import { describe, expect, it } from 'vitest';
import type { Recipe } from '@/lib/recipe/schema';
import type { SearchTrials, TrialRecord } from './searchLoop';
import { parseSearchConfig } from './searchConfig';
import { budgetFraction, curveUntil, objectiveTitle, paretoPoints, recipeMethods, topCandidates } from './searchResults';

const recipe = (weight: number): Recipe => ({ version: 1, stages: [{ name: 'fused', merge_method: 'linear', models: [{ model: 'x', parameters: { weight } }] }] });

function trial(id: number, values: number[], fidelity = 20, weight = id): TrialRecord {
  return { id, point: [], recipe: recipe(weight), fidelity, accuracy: {}, values, cost: 0, spent: 0 };
}

function state(objective: object, trials: TrialRecord[]): SearchTrials {
  const config = parseSearchConfig({
    space: { kind: 'layerwise', base: 'b', experts: ['x', 'y'], layerCount: 2, groupSize: 1, methods: ['linear'] },
    objective,
    optimizer: { kind: 'random' },
    budget: 100,
    maxFidelity: 20,
  });
  return { config, trials };
}

describe('search results', () => {
  it('ranks full-fidelity candidates by value, once per recipe, earlier trials first on ties', () => {
    const s = state({ kind: 'skill', skill: 'add' }, [trial(0, [0.5]), trial(1, [0.9], 6), trial(2, [0.7]), trial(3, [0.7]), trial(4, [0.7], 20, 2)]);
    expect(topCandidates(s, 10).map((c) => c.trial.id)).toEqual([2, 3, 0]);
    expect(topCandidates(s, 2).map((c) => c.trial.id)).toEqual([2, 3]);
    expect(topCandidates(s, 10)[0]!.onFront).toBe(true);
  });

  it('with two objectives: the front first, then the rest by mean; scatter points mark the front', () => {
    const s = state({ kind: 'pareto', skills: ['add', 'upper'] }, [trial(0, [0.2, 0.2]), trial(1, [0.9, 0.1]), trial(2, [0.1, 0.8]), trial(3, [0.5, 0.5]), trial(4, [0.4, 0.45])]);
    const ranked = topCandidates(s, 10);
    expect(ranked.map((c) => [c.trial.id, c.onFront])).toEqual([
      [1, true],
      [3, true],
      [2, true],
      [4, false],
      [0, false],
    ]);
    expect(paretoPoints(s).filter((p) => p.onFront).map((p) => p.id).sort()).toEqual([1, 2, 3]);
    expect(paretoPoints(s).find((p) => p.id === 2)).toEqual({ id: 2, x: 0.1, y: 0.8, onFront: true });
  });

  it('names the methods a recipe uses, once each, and the budget share', () => {
    const fused: Recipe = {
      version: 1,
      stages: [
        { name: 'fuse_ties', merge_method: 'ties', base_model: 'b', models: [{ model: 'x' }] },
        { name: 'fuse_slerp', merge_method: 'slerp', base_model: 'x', models: [{ model: 'x' }, { model: 'y' }] },
        { name: 'fused', merge_method: 'linear', models: [{ model: 'fuse_ties' }, { model: 'fuse_slerp' }] },
      ],
    };
    expect(recipeMethods(fused)).toEqual(['ties', 'slerp', 'linear']);
    expect(budgetFraction(30, 120, false)).toBe(0.25);
    expect(budgetFraction(110, 120, true)).toBe(1);
    expect(budgetFraction(130, 120, false)).toBe(1);
  });

  it('titles objectives and carries the anytime curve on to the examples spent', () => {
    expect(objectiveTitle({ kind: 'weighted', weights: { add: 1, upper: 1 } })).toBe('mean of add, upper');
    expect(objectiveTitle({ kind: 'weighted', weights: { add: 2, upper: 1 } })).toBe('weighted mean');
    expect(objectiveTitle({ kind: 'weighted', weights: { add: 1, upper: 0 } })).toBe('add');
    expect(objectiveTitle({ kind: 'skill', skill: 'sort' })).toBe('sort');
    expect(objectiveTitle({ kind: 'pareto', skills: ['add', 'upper'] })).toBe('add and upper');
    const curve = [{ spent: 40, best: 0.2 }, { spent: 90, best: 0.5 }];
    expect(curveUntil(curve, 150)).toEqual([...curve, { spent: 150, best: 0.5 }]);
    expect(curveUntil(curve, 90)).toEqual(curve);
    expect(curveUntil([], 90)).toEqual([]);
  });
});
