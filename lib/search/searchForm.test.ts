import { describe, expect, it } from 'vitest';
import { estimateSearchCost } from './searchCost';
import { defaultSearchForm, hiMergingConfigFromForm, searchConfigFromForm, type SearchForm, type SearchFormContext } from './searchForm';

const context: SearchFormContext = {
  skillOf: { 'zoo-add': 'add', 'zoo-upper': 'upper', 'zoo-sort': 'sort' },
  layerCount: 4,
  devItems: { add: 120, upper: 120, sort: 120 },
};
const form = (overrides: Partial<SearchForm> = {}): SearchForm => ({ ...defaultSearchForm(['zoo-add', 'zoo-upper', 'zoo-sort'], 'zoo-base'), ...overrides });

describe('search form', () => {
  it('the defaults make a valid multi-fidelity search of the first two experts, for the mean of their skills', () => {
    const result = searchConfigFromForm(form(), context);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.space).toMatchObject({ kind: 'layerwise', base: 'zoo-base', experts: ['zoo-add', 'zoo-upper'], layerCount: 4, groupSize: 2, lambda: 1 });
    expect(result.config.objective).toEqual({ kind: 'weighted', weights: { add: 1, upper: 1 } });
    expect(result.config.optimizer).toEqual({ kind: 'hyperband', eta: 3, minFidelity: 6, sampler: 'tpe' });
    const cost = estimateSearchCost(result.config);
    expect(cost.fullFidelity).toBeGreaterThan(5);
    expect(cost.examples).toBeLessThanOrEqual(2400);
  });

  it('builds the depth-wise space, one skill and Pareto objectives, and fixed knobs', () => {
    const depth = searchConfigFromForm(form({ space: 'depthwise', baseAsSource: true, selection: 'subset', scale: { free: true, low: '0.5', high: '1.2', value: '1' }, objective: 'skill', skill: 'upper' }), context);
    if (!depth.ok) throw new Error(JSON.stringify(depth.issues));
    expect(depth.config.space).toMatchObject({ kind: 'depthwise', sources: ['zoo-base', 'zoo-add', 'zoo-upper'], selection: 'subset', scale: { low: 0.5, high: 1.2 } });
    expect(depth.config.objective).toEqual({ kind: 'skill', skill: 'upper' });
    const pareto = searchConfigFromForm(form({ objective: 'pareto', paretoSkills: ['upper', 'add'], weight: { free: false, low: '0', high: '1', value: '0.8' }, optimizer: 'cmaes' }), context);
    if (!pareto.ok) throw new Error(JSON.stringify(pareto.issues));
    expect(pareto.config.objective).toEqual({ kind: 'pareto', skills: ['upper', 'add'] });
    expect(pareto.config.space).toMatchObject({ weight: 0.8 });
    expect(pareto.config.optimizer).toEqual({ kind: 'cmaes', sigma0: 0.3 });
  });

  it('puts each problem next to its field: typed numbers, the schema’s rules, the dev split and the budget', () => {
    const bad = searchConfigFromForm(form({ experts: ['zoo-add'], budget: '', groupSize: '1.5', maxFidelity: '500' }), context);
    expect(bad).toEqual({
      ok: false,
      issues: { experts: ['choose at least two experts'], groupSize: ['enter a whole number'], budget: ['enter a number'], maxFidelity: ['the dev split has 120 examples per skill'] },
    });
    const slerp = searchConfigFromForm(form({ experts: ['zoo-add', 'zoo-upper', 'zoo-sort'], methods: ['slerp'] }), context);
    expect(slerp).toMatchObject({ ok: false, issues: { methods: ['slerp merges exactly two models; choose two experts or drop slerp'] } });
    const range = searchConfigFromForm(form({ weight: { free: true, low: '2', high: '1', value: '1' } }), context);
    expect(range).toMatchObject({ ok: false, issues: { weight: ['low must not exceed high'] } });
    const rung = searchConfigFromForm(form({ minFidelity: '80' }), context);
    expect(rung).toMatchObject({ ok: false, issues: { minFidelity: ['the lowest rung cannot use more examples than full fidelity'] } });
    const pareto = searchConfigFromForm(form({ objective: 'pareto', paretoSkills: ['add', 'add'] }), context);
    expect(pareto).toMatchObject({ ok: false, issues: { objective: ['choose two different skills'] } });
    const budget = searchConfigFromForm(form({ optimizer: 'random', budget: '100' }), context);
    expect(budget).toMatchObject({ ok: false, issues: { budget: ['too small for one evaluation (120 examples at full fidelity)'] } });
    const loading = searchConfigFromForm(form(), { ...context, layerCount: null });
    expect(loading).toMatchObject({ ok: false, issues: { base: ['the base model’s config is still loading'] } });
  });

  it('Hi-Merging: lists of numbers, fidelities within the dev split', () => {
    const ok = hiMergingConfigFromForm(form({ mode: 'hi-merging' }), context);
    if (!ok.ok) throw new Error(JSON.stringify(ok.issues));
    expect(ok.config).toMatchObject({
      base: 'zoo-base',
      experts: [{ model: 'zoo-add', skill: 'add' }, { model: 'zoo-upper', skill: 'upper' }],
      layerCount: 4,
      densities: [0.3, 0.6, 1],
      weights: [0.7, 1, 1.3],
      reductions: [0.5, 0],
      fidelity: 20,
      maxFidelity: 60,
      maxSteps: 4,
    });
    const bad = hiMergingConfigFromForm(form({ mode: 'hi-merging', densities: '0.5, x', hiMaxFidelity: '200', weights: '4' }), context);
    expect(bad).toMatchObject({ ok: false, issues: { densities: ['enter numbers separated by commas'], hiMaxFidelity: ['the dev split has 120 examples per skill'] } });
    const schema = hiMergingConfigFromForm(form({ mode: 'hi-merging', weights: '4' }), context);
    expect(schema.ok).toBe(false);
    if (!schema.ok) expect(schema.issues.weights).toHaveLength(1);
  });
});
