import { describe, expect, it } from 'vitest';
import { hiMergingConfigSchema, runHiMerging, type HiMergingConfig } from './hiMerging';
import { runSearch, type Evaluate, type EvaluationRequest } from './searchLoop';
import { isResumable, memorySearchCheckpointStore, parseSearchCheckpoint, type SearchCheckpoint, type SearchCheckpointStore } from './searchCheckpoint';
import { parseSearchConfig } from './searchConfig';
import { ALREADY_RUNNING, SearchRunner, type RunEvent } from './searchWorkerRunner';

/** Correct answers from a hash of the recipe, consistent over item prefixes as the engine's are. */
function hashedEvaluator(calls: EvaluationRequest[] = []): Evaluate {
  return async (request) => {
    calls.push(request);
    const text = JSON.stringify(request.recipe);
    let h = 7;
    for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
    return Object.fromEntries(
      request.skills.map((s, k) => {
        let correct = 0;
        for (let i = request.start; i < request.end; i++) if (Math.abs(h ^ (i * 2654435761) ^ k) % 3 === 0) correct++;
        return [s, correct];
      }),
    );
  };
}

const searchConfig = parseSearchConfig({
  space: { kind: 'layerwise', base: 'b', experts: ['x', 'y'], layerCount: 4, groupSize: 2, methods: ['task_arithmetic', 'ties'] },
  objective: { kind: 'weighted', weights: { add: 1, upper: 1 } },
  optimizer: { kind: 'hyperband', minFidelity: 4 },
  budget: 1200,
  maxFidelity: 36,
  seed: 9,
});

const hiConfig: HiMergingConfig = hiMergingConfigSchema.parse({
  base: 'b',
  experts: [{ model: 'x', skill: 'add' }, { model: 'y', skill: 'upper' }],
  layerCount: 3,
  densities: [0.5, 1],
  weights: [1, 1.2],
  maxSteps: 2,
  fidelity: 10,
  maxFidelity: 20,
});

/** A store that remembers every checkpoint written, in order. */
function recordingStore(): SearchCheckpointStore & { saved: SearchCheckpoint[] } {
  const inner = memorySearchCheckpointStore();
  const saved: SearchCheckpoint[] = [];
  return {
    saved,
    load: () => inner.load(),
    save: async (c) => {
      saved.push(structuredClone(c));
      await inner.save(c);
    },
    clear: () => inner.clear(),
  };
}

/** An evaluator that cancels the runner on its n-th call, while that evaluation is in flight. */
function cancellingOn(n: number, runner: () => SearchRunner, evaluate: Evaluate): Evaluate {
  let calls = 0;
  return async (request, signal) => {
    if (++calls === n) runner().cancel();
    return evaluate(request, signal);
  };
}

describe('SearchRunner: space search', () => {
  it('reports every trial, stores a checkpoint after each, and a finished one at the end', async () => {
    const store = recordingStore();
    const events: RunEvent[] = [];
    const outcome = await new SearchRunner(hashedEvaluator(), store).startSearch(searchConfig, (e) => events.push(e));
    const direct = await runSearch(searchConfig, hashedEvaluator());
    expect(outcome.kind === 'search' && outcome.status).toBe('finished');
    if (outcome.kind !== 'search') throw new Error('a space search outcome');
    expect(outcome.state.trials).toEqual(direct.trials);
    const trials = events.flatMap((e) => (e.kind === 'trial' ? [e] : []));
    expect(trials.map((e) => e.trial)).toEqual(direct.trials);
    expect(trials.every((e) => e.budget === searchConfig.budget)).toBe(true);
    expect(trials.at(-1)?.spent).toBe(direct.spent);
    // One checkpoint at the start, one per trial, one at the end.
    expect(store.saved).toHaveLength(direct.trials.length + 2);
    const last = await store.load();
    expect(last?.status).toBe('finished');
    expect(last && isResumable(last)).toBe(false);
  });

  it('cancel stops the evaluation in flight; the stored checkpoint resumes to the trials of an uninterrupted run', async () => {
    const store = memorySearchCheckpointStore();
    let runner!: SearchRunner;
    runner = new SearchRunner(cancellingOn(9, () => runner, hashedEvaluator()), store);
    const cancelled = await runner.startSearch(searchConfig, () => {});
    expect(cancelled.status).toBe('cancelled');
    expect(runner.running).toBe(false);
    const saved = await store.load();
    expect(saved?.status).toBe('stopped');
    expect(saved && isResumable(saved)).toBe(true);
    if (saved?.kind !== 'search') throw new Error('a space search checkpoint');
    // The eighth evaluation was the last one completed; the ninth never reported.
    expect(saved.state.trials.filter((t) => t.cost > 0)).toHaveLength(8);

    // As after a reload: the checkpoint travels as plain data.
    const reloaded = parseSearchCheckpoint(JSON.parse(JSON.stringify(saved)));
    const resumed = await new SearchRunner(hashedEvaluator(), store).resume(reloaded, () => {});
    const direct = await runSearch(searchConfig, hashedEvaluator());
    if (resumed.kind !== 'search') throw new Error('a space search outcome');
    expect(resumed.state.trials).toEqual(direct.trials);
    expect((await store.load())?.status).toBe('finished');
  });

  it('refuses a second search while one runs, and records why a failed search stopped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Evaluate = async (request) => {
      await gate;
      return hashedEvaluator()(request);
    };
    const runner = new SearchRunner(slow, memorySearchCheckpointStore());
    const first = runner.startSearch(searchConfig, () => {});
    await expect(runner.startSearch(searchConfig, () => {})).rejects.toThrow(ALREADY_RUNNING);
    runner.cancel();
    release();
    expect((await first).status).toBe('cancelled');

    const store = memorySearchCheckpointStore();
    const failing = new SearchRunner(async () => {
      throw new Error('merge failed: shapes differ');
    }, store);
    await expect(failing.startSearch(searchConfig, () => {})).rejects.toThrow('shapes differ');
    expect(await store.load()).toMatchObject({ status: 'stopped', error: 'merge failed: shapes differ' });
  });

  it('a store that cannot write is reported once and does not stop the search', async () => {
    const broken: SearchCheckpointStore = {
      load: async () => null,
      save: async () => {
        throw new Error('quota exceeded');
      },
      clear: async () => {},
    };
    const events: RunEvent[] = [];
    const outcome = await new SearchRunner(hashedEvaluator(), broken).startSearch(searchConfig, (e) => events.push(e));
    expect(outcome.status).toBe('finished');
    const warnings = events.filter((e) => e.kind === 'not-saved');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: expect.stringContaining('quota exceeded') });
  });
});

describe('SearchRunner: Hi-Merging', () => {
  it('resumes from the stored memo without scoring again what was scored, to the same result', async () => {
    const direct = await runHiMerging(hiConfig, hashedEvaluator());
    const store = memorySearchCheckpointStore();
    let runner!: SearchRunner;
    const firstCalls: EvaluationRequest[] = [];
    runner = new SearchRunner(cancellingOn(12, () => runner, hashedEvaluator(firstCalls)), store);
    const events: RunEvent[] = [];
    expect((await runner.startHiMerging(hiConfig, (e) => events.push(e))).status).toBe('cancelled');
    expect(events.some((e) => e.kind === 'hi-merging')).toBe(true);
    const saved = parseSearchCheckpoint(JSON.parse(JSON.stringify(await store.load())));
    if (saved.kind !== 'hi-merging') throw new Error('a Hi-Merging checkpoint');
    expect(saved.status).toBe('stopped');
    const remembered = Object.keys(saved.memo).length;
    expect(remembered).toBeGreaterThan(0);

    const resumedCalls: EvaluationRequest[] = [];
    const outcome = await new SearchRunner(hashedEvaluator(resumedCalls), store).resume(saved, () => {});
    if (outcome.kind !== 'hi-merging' || outcome.status !== 'finished') throw new Error('a finished Hi-Merging outcome');
    expect(outcome.result).toEqual(direct);
    const directCalls: EvaluationRequest[] = [];
    await runHiMerging(hiConfig, hashedEvaluator(directCalls));
    expect(resumedCalls).toHaveLength(directCalls.length - remembered);
    const finished = await store.load();
    expect(finished).toMatchObject({ kind: 'hi-merging', status: 'finished', phase: 'final' });
    if (finished?.kind !== 'hi-merging') throw new Error('a Hi-Merging checkpoint');
    expect(finished.result).toEqual(direct);
  });
});
