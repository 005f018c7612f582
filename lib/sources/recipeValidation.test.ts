import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubClient } from '@/lib/hub/hubClient';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import { llamaCheckpointFamily, tinyLlamaConfig, wordLevelTokenizer, writeCheckpoint, type CheckpointSpec } from '@/testing/checkpoints';
import { startHubServer, type HubServer } from '@/testing/hubServer';
import { ReadLedger } from './byteReader';
import { openCheckpoint, type CheckpointSource } from './checkpointSource';
import { estimateMergeMemory } from './mergeMemory';
import { formatValidationIssues, validateRecipe, type RecipeValidation } from './recipeValidation';
import { validationModels } from './validationInputs';

let root: string;
let hub: HubServer;
const config = tinyLlamaConfig();

const MODELS: Record<string, Omit<CheckpointSpec, 'family'>> = {
  base: { config, seed: 1 },
  'expert-a': { config, seed: 1, expert: { seed: 2 }, shards: 2 },
  'expert-b': { config, seed: 1, expert: { seed: 3 }, dtype: 'BF16' },
  wide: { config: tinyLlamaConfig({ hidden_size: 64, head_dim: 16 }), seed: 4 },
  chat: { config: tinyLlamaConfig({ vocab_size: 66 }), seed: 1, tokenizer: wordLevelTokenizer(64, { extra: ['<|im_start|>', '<|im_end|>'] }) },
  'other-tokenizer': { config, seed: 1, expert: { seed: 5 }, tokenizer: wordLevelTokenizer(64, { prefix: 'x' }) },
  mistral: { config: { ...config, architectures: ['MistralForCausalLM'], model_type: 'mistral' }, seed: 1 },
};

function stage(models: string[], extra: Partial<RecipeStage> = {}): Recipe {
  return {
    version: 1,
    stages: [{ name: 'merged', merge_method: 'task_arithmetic', base_model: 'test/base', models: models.map((model) => ({ model, parameters: { weight: 1 } })), ...extra }],
  };
}

async function validate(recipe: Recipe, options: Parameters<typeof validateRecipe>[2] = {}): Promise<{ result: RecipeValidation; ledgers: Map<string, ReadLedger> }> {
  const client = new HubClient({ endpoint: hub.endpoint, retryDelayMs: 0 });
  const refs = new Set(recipe.stages.flatMap((s) => [s.base_model, ...(s.models ?? []).map((m) => m.model), ...(s.slices ?? []).flatMap((x) => x.sources.map((y) => y.model))]));
  const sources = new Map<string, CheckpointSource>();
  const ledgers = new Map<string, ReadLedger>();
  for (const ref of refs) {
    if (ref === undefined || recipe.stages.some((s) => s.name === ref)) continue;
    const ledger = new ReadLedger();
    ledgers.set(ref, ledger);
    const snapshot = await client.snapshot({ repo: ref, revision: null });
    sources.set(ref, await openCheckpoint(client.modelFiles(snapshot), { ledger }));
  }
  return { result: validateRecipe(recipe, await validationModels(sources), options), ledgers };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'validation-'));
  const repos = [];
  for (const [name, spec] of Object.entries(MODELS)) {
    const dir = path.join(root, name);
    await writeCheckpoint(dir, { family: llamaCheckpointFamily, ...spec });
    repos.push({ id: `test/${name}`, dir });
  }
  hub = await startHubServer({ repos });
});

afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => hub.reset());

describe('validateRecipe', () => {
  it('passes fine-tunes of one base (sharded and not, bf16 and fp32) from headers alone, reading no tokenizer when the hub lists the same one', async () => {
    const { result, ledgers } = await validate(stage(['test/expert-a', 'test/expert-b']));
    expect(formatValidationIssues(result.issues)).toBe('');
    expect(result.ok).toBe(true);
    expect(result.plan?.stages[0]?.tensors.length).toBe(2 * 9 + 3);
    expect(hub.weightRequests()).toEqual([]);
    expect(hub.requests.some((r) => r.file === 'tokenizer.json')).toBe(false);
    for (const ledger of ledgers.values()) expect(ledger.bytes).toBeLessThan(10_000);
  });

  it('refuses models of different sizes, once, with the reason and the fix, before any weight request', async () => {
    const { result } = await validate(stage(['test/expert-a', 'test/wide']));
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => [i.code, i.at])).toEqual([['dimensions', 'stages[0].models[1].model']]);
    expect(result.issues[0]!.message).toBe(
      '"test/base" and "test/wide" are models of different sizes (hidden_size 32 vs 64, head_dim 8 vs 16): they are not fine-tunes of one base model, so their weights cannot be combined tensor by tensor. Merge models fine-tuned from the same base.',
    );
    expect(hub.weightRequests()).toEqual([]);
    expect(hub.requests.filter((r) => r.kind === 'cdn').every((r) => r.range![0] <= 8)).toBe(true);
  });

  it('explains a vocabulary that one model extends, reading only tokenizers, not weights', async () => {
    const { result } = await validate(stage(['test/expert-a', 'test/chat']));
    expect(result.issues.map((i) => i.code)).toEqual(['vocabulary']);
    expect(result.issues[0]!.message).toBe(
      '"test/chat" adds 2 tokens to the vocabulary of "test/base" ("<|im_start|>", "<|im_end|>"), so their embeddings have 64 and 66 rows. ' +
        'mergekit merges such models with tokenizer_source: union (or base), rebuilding the embedding rows by token text; the studio does not rebuild embeddings yet. Merge models that share a vocabulary, or run this merge with mergekit.',
    );
    expect(hub.requests.some((r) => r.file === 'tokenizer.json' && r.status === 206)).toBe(true);
    expect(hub.weightRequests()).toEqual([]);
  });

  it('says plainly when vocabularies cannot be reconciled', async () => {
    const { result } = await validate(stage(['test/expert-a', 'test/other-tokenizer']));
    expect(result.ok).toBe(false);
    expect(result.issues[0]!.message).toBe(
      '"test/base" and "test/other-tokenizer" use different tokenizers: 63 of 64 token ids stand for different text (token id 1 is "w1" in "test/base" and "x1" in "test/other-tokenizer"). ' +
        'Their embedding rows cannot be merged one to one, and the vocabularies are too far apart to reconcile. Merge models that share a tokenizer (fine-tunes of one base model).',
    );
    expect(hub.weightRequests()).toEqual([]);
  });

  it('refuses models of different architectures', async () => {
    const { result } = await validate(stage(['test/expert-a', 'test/mistral']));
    const mixed = result.issues.find((i) => i.code === 'mixed-architectures');
    expect(mixed?.message).toBe(
      '"test/base" is a LlamaForCausalLM and "test/mistral" is a MistralForCausalLM: a merge combines models of one architecture, fine-tuned from the same base model. Replace "test/mistral" with a LlamaForCausalLM fine-tune of the same base.',
    );
    expect(hub.weightRequests()).toEqual([]);
  });

  it('checks layer ranges against each model\'s layers (the planner), and the memory estimate against a budget', async () => {
    const slices: Recipe = {
      version: 1,
      stages: [{ name: 'stack', merge_method: 'passthrough', slices: [{ sources: [{ model: 'test/base', layer_range: [0, 2] }] }, { sources: [{ model: 'test/expert-a', layer_range: [1, 3] }] }] }],
    };
    const { result } = await validate(slices);
    expect(result.issues.map((i) => [i.code, i.at, i.message])).toEqual([
      ['plan', 'stages[0].slices[1].sources[0].layer_range', 'layer_range [1, 3) goes past the 2 layers of "test/expert-a"'],
    ]);

    const { result: fits } = await validate(stage(['test/expert-a', 'test/expert-b']));
    const memory = fits.memory!;
    expect(memory).toEqual(estimateMergeMemory(fits.plan!));
    const parameters = [...fits.plan!.stages[0]!.tensors].reduce((n, t) => n + t.shape!.reduce((a, b) => a * b, 1), 0);
    expect(memory.outputBytes).toBe(4 * parameters);
    // The largest tensor (the 64 × 32 embedding or head) with 3 inputs: inputs, their task vectors, the output.
    expect(memory.workingBytes).toBe(4 * 64 * 32 * 7);
    expect(memory.peakBytes).toBe(memory.outputBytes + memory.workingBytes);
    const { result: tight } = await validate(stage(['test/expert-a', 'test/expert-b']), { memoryBudgetBytes: memory.peakBytes - 1 });
    expect(tight.issues.map((i) => i.code)).toEqual(['memory']);
    expect(tight.issues[0]!.message).toMatch(/^This merge needs about .* of memory \(the merged model in fp32: .*\), more than the .* available here\. Merge fewer models at once, or run it with the CLI/);
    const { result: streamed } = await validate(stage(['test/expert-a', 'test/expert-b']), { memoryBudgetBytes: memory.peakBytes - 1, keepOutput: false });
    expect(streamed.ok).toBe(true);
  });

  it('counts intermediate stages that later stages still read', () => {
    const plan = {
      output: 'b',
      run: ['a', 'b'],
      warnings: [],
      stages: [
        { name: 'a', inputs: ['m1', 'm2'], tensors: [{ name: 'x', shape: [10], sources: [{}, {}] }] },
        { name: 'b', inputs: ['a', 'm3'], tensors: [{ name: 'x', shape: [10], sources: [{}, {}] }] },
      ],
    } as unknown as Parameters<typeof estimateMergeMemory>[0];
    // Stage b holds a's output (40 B), its own output (40 B) and 5 working copies of x (200 B).
    expect(estimateMergeMemory(plan)).toEqual({ peakBytes: 280, outputBytes: 40, intermediateBytes: 40, workingBytes: 200, largestTensor: 'x' });
    expect(estimateMergeMemory(plan, { keepOutput: false }).peakBytes).toBe(240);
  });
});
