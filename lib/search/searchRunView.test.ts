import { describe, expect, it } from 'vitest';
import { hiMergingConfigSchema, runHiMerging, type HiMergingStep } from './hiMerging';
import { runSearch, type Evaluate } from './searchLoop';
import { parseSearchConfig } from './searchConfig';
import { hiMergingCostBound } from './searchCost';
import { measuredRate, newHiMergingRun, newSpaceRun, runFraction, runFromCheckpoint, withEvent, withOutcome, type SearchRun } from './searchRunView';

const evaluate: Evaluate = async ({ skills, start, end }) => Object.fromEntries(skills.map((s) => [s, Math.floor((end - start) / 2)]));
const config = parseSearchConfig({
  space: { kind: 'layerwise', base: 'b', experts: ['x', 'y'], layerCount: 2, groupSize: 1, methods: ['task_arithmetic'] },
  objective: { kind: 'weighted', weights: { add: 1, upper: 1 } },
  optimizer: { kind: 'random' },
  budget: 400,
  maxFidelity: 20,
});
const hiConfig = hiMergingConfigSchema.parse({ base: 'b', experts: [{ model: 'x', skill: 'add' }, { model: 'y', skill: 'upper' }], layerCount: 2, densities: [1], weights: [1], maxSteps: 1, fidelity: 5, maxFidelity: 10 });

describe('the page’s view of a run', () => {
  it('follows trial events, measures the rate from its first event on, and takes the outcome as final', async () => {
    const state = await runSearch(config, evaluate);
    let run: SearchRun = newSpaceRun(config);
    state.trials.forEach((trial, i) => {
      run = withEvent(run, { kind: 'trial', trial, spent: trial.spent, budget: config.budget }, 1000 + 2000 * i);
    });
    expect(run.kind === 'search' && run.trials).toEqual(state.trials);
    expect(run.spent).toBe(400);
    // 10 trials of 40 examples; the first event starts the clock: 360 examples in 18 s.
    expect(measuredRate(run)).toBe(20);
    expect(runFraction(run)).toBe(1);
    const done = withOutcome(run, { kind: 'search', status: 'finished', state });
    expect(done.status).toBe('finished');
    expect(withOutcome(run, { kind: 'search', status: 'cancelled', state }).status).toBe('cancelled');
    // One event gives no rate; neither does Hi-Merging, whose count includes memo hits.
    expect(measuredRate(withEvent(newSpaceRun(config), { kind: 'trial', trial: state.trials[0]!, spent: 40, budget: 400 }, 5))).toBeNull();
    expect(measuredRate(newHiMergingRun(hiConfig))).toBeNull();
  });

  it('shows a stored checkpoint as interrupted, failed or finished, Hi-Merging with its bound', async () => {
    const state = await runSearch(config, evaluate);
    expect(runFromCheckpoint({ kind: 'search', status: 'running', savedAt: 0, state })).toMatchObject({ status: 'interrupted', spent: 400, error: null });
    expect(runFromCheckpoint({ kind: 'search', status: 'stopped', savedAt: 0, state, error: 'boom' })).toMatchObject({ status: 'failed', error: 'boom' });
    const result = await runHiMerging(hiConfig, evaluate);
    const hi = runFromCheckpoint({ kind: 'hi-merging', status: 'finished', savedAt: 0, config: hiConfig, memo: {}, steps: [], spent: result.spent, phase: 'final', result });
    expect(hi).toMatchObject({ kind: 'hi-merging', status: 'finished', steps: result.steps, bound: hiMergingCostBound(hiConfig).examples });
    const steps: HiMergingStep[] = result.steps.slice(0, 1);
    const running = withEvent(newHiMergingRun(hiConfig), { kind: 'hi-merging', phase: 'layer-wise', spent: 30, steps }, 0);
    expect(running).toMatchObject({ phase: 'layer-wise', spent: 30, steps });
    expect(runFraction(running)).toBeCloseTo(30 / hiMergingCostBound(hiConfig).examples, 12);
    expect(withOutcome(running, { kind: 'hi-merging', status: 'finished', result })).toMatchObject({ status: 'finished', result, phase: 'final', spent: result.spent });
  });
});
