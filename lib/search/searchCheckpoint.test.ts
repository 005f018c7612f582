import { describe, expect, it } from 'vitest';
import { runSearch, type Evaluate } from './searchLoop';
import { memorySearchCheckpointStore, parseSearchCheckpoint, type SearchCheckpoint } from './searchCheckpoint';
import { parseSearchConfig } from './searchConfig';

const evaluate: Evaluate = async ({ skills, start, end }) => Object.fromEntries(skills.map((s, k) => [s, Math.floor((end - start) / (2 + k))]));

async function finishedSearch(): Promise<SearchCheckpoint> {
  const config = parseSearchConfig({
    space: { kind: 'depthwise', sources: ['x', 'y'], layerCount: 3, selection: 'subset', order: true, scale: { low: 0.5, high: 1.5 } },
    objective: { kind: 'pareto', skills: ['add', 'upper'] },
    optimizer: { kind: 'cmaes' },
    budget: 400,
    maxFidelity: 20,
  });
  return { kind: 'search', status: 'finished', savedAt: 1_700_000_000_000, state: await runSearch(config, evaluate) };
}

describe('search checkpoints', () => {
  it('a stored search reads back as it was written, through JSON and through the memory store', async () => {
    const checkpoint = await finishedSearch();
    expect(parseSearchCheckpoint(JSON.parse(JSON.stringify(checkpoint)))).toEqual(checkpoint);
    const store = memorySearchCheckpointStore();
    expect(await store.load()).toBeNull();
    await store.save(checkpoint);
    expect(await store.load()).toEqual(checkpoint);
    await store.clear();
    expect(await store.load()).toBeNull();
  });

  it('refuses records it cannot resume from, saying where they are wrong', async () => {
    const checkpoint = await finishedSearch();
    expect(() => parseSearchCheckpoint(null)).toThrow(/not readable/);
    expect(() => parseSearchCheckpoint({ ...checkpoint, kind: 'evolution' })).toThrow(/kind/);
    if (checkpoint.kind !== 'search') throw new Error('a space search checkpoint');
    const badBudget = { ...checkpoint, state: { ...checkpoint.state, config: { ...checkpoint.state.config, budget: -1 } } };
    expect(() => parseSearchCheckpoint(badBudget)).toThrow(/state\.config\.budget/);
    const badRecipe = { ...checkpoint, state: { ...checkpoint.state, trials: [{ ...checkpoint.state.trials[0]!, recipe: { version: 2, stages: [] } }] } };
    expect(() => parseSearchCheckpoint(badRecipe)).toThrow(/state\.trials\.0\.recipe/);
  });
});
