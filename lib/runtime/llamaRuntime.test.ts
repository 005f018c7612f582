import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLlamaConfig, type LlamaConfig } from '@/lib/formats/hfConfig';
import { tensor, type NamedTensors } from '@/lib/tensors/tensor';
import { createLlamaRuntime, type LlamaRuntime } from './llamaRuntime';
import { argmax } from './sampling';
import { randomLlamaWeights, referenceLlamaLogits } from '@/testing/llamaReferenceForward';
import { loadZooCheckpoint, zooModelIds } from '@/testing/zoo';

ort.env.wasm.numThreads = 1;

function smallConfig(overrides: Record<string, unknown>): LlamaConfig {
  return parseLlamaConfig({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: 37,
    hidden_size: 48,
    intermediate_size: 72,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    rms_norm_eps: 1e-5,
    max_position_embeddings: 64,
    ...overrides,
  });
}

function maxAbsDiff(actual: Float32Array, expected: readonly (readonly number[])[]): number {
  const V = expected[0]!.length;
  expect(actual.length).toBe(expected.length * V);
  let max = 0;
  expected.forEach((row, t) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - actual[t * V + j]!)))));
  return max;
}

/** Greedy continuation by running the whole sequence again for every new token (no cache). */
async function greedyByRecomputing(runtime: LlamaRuntime, prompt: number[], steps: number) {
  const ids = [...prompt];
  const tokens: number[] = [];
  const V = runtime.config.vocab_size;
  for (let i = 0; i < steps; i++) {
    const [logits] = await runtime.logits([ids]);
    const last = logits!.subarray((ids.length - 1) * V);
    const token = argmax(last);
    tokens.push(token);
    ids.push(token);
  }
  return tokens;
}

const zooIds = zooModelIds();

describe.skipIf(zooIds.length === 0)('zoo models (public/models) against the trainer’s reference logits', () => {
  let runtime: LlamaRuntime;
  beforeAll(async () => {
    // One session serves the whole family: every model only swaps weights.
    const first = await loadZooCheckpoint(zooIds[0]!);
    runtime = await createLlamaRuntime(ort, first.config);
  });
  afterAll(() => runtime?.close());

  // The trainer may be rewriting a folder while we read it (weights and reference logits from two
  // different runs): retry after a pause before calling it a failure.
  const rewriteTolerant = { retry: { count: 2, delay: 5000 } };

  it.each(zooIds)('%s: logits at every position of every case within 1e-4', rewriteTolerant, async (id) => {
    const model = await loadZooCheckpoint(id);
    expect(model.config.num_hidden_layers).toBe(runtime.config.num_hidden_layers);
    runtime.setWeights(model.weights);
    const logits = await runtime.logits(model.referenceCases.map((c) => c.input_ids));
    model.referenceCases.forEach((c, i) => {
      expect(maxAbsDiff(logits[i]!, c.logits), `${id} "${c.prompt}"`).toBeLessThan(1e-4);
    });
  });

  it('KV-cache generation equals recomputing the full sequence each step', async () => {
    const model = await loadZooCheckpoint(zooIds[zooIds.length - 1]!);
    runtime.setWeights(model.weights);
    const prompts = ['add: 12+34=', 'reverse: merge=', 'The cat'].map((p) => model.tokenizer.encode(p));
    const cached = await runtime.generateGreedy(prompts, { maxNewTokens: 8 });
    for (let i = 0; i < prompts.length; i++) {
      expect(cached[i]!.tokens).toEqual(await greedyByRecomputing(runtime, prompts[i]!, 8));
    }
  });

  it('batched greedy equals one prompt at a time', async () => {
    const model = await loadZooCheckpoint(zooIds[zooIds.length - 1]!);
    runtime.setWeights(model.weights);
    const texts = ['add: 1+2=', 'add: 41+19=', 'add: 5+93=', 'sort: kvuorvk=', 'recall: b32 o38 h31 ? b=', 'x'];
    const prompts = texts.map((t) => model.tokenizer.encode(t));
    const newline = model.tokenizer.encode('\n').at(-1)!;
    const batched = await runtime.generateGreedy(prompts, { maxNewTokens: 10, stopTokenId: newline });
    // Same-skill prompts share their instruction: the shared-prefix path.
    const sameSkill = await runtime.generateGreedy(prompts.slice(0, 3), { maxNewTokens: 10, stopTokenId: newline });
    for (let i = 0; i < prompts.length; i++) {
      const [alone] = await runtime.generateGreedy([prompts[i]!], { maxNewTokens: 10, stopTokenId: newline });
      expect(batched[i]!.tokens, texts[i]).toEqual(alone!.tokens);
      expect(batched[i]!.stopped).toBe(alone!.stopped);
      if (i < 3) expect(sameSkill[i]!.tokens, texts[i]).toEqual(alone!.tokens);
      batched[i]!.probs.forEach((p, j) => expect(p).toBeCloseTo(alone!.probs[j]!, 4));
    }
  });
});

describe('configs the zoo does not have, against a plain-JS forward', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['grouped-query attention (4 heads, 2 kv heads) and head_dim ≠ hidden/heads', { num_key_value_heads: 2, head_dim: 16 }],
    ['multi-query attention (1 kv head)', { num_key_value_heads: 1, num_attention_heads: 6, hidden_size: 48 }],
    ['tied embeddings with attention and MLP biases', { tie_word_embeddings: true, attention_bias: true, mlp_bias: true }],
    ['llama3 rope scaling and a large theta', { rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 } }],
  ];

  it.each(cases)('%s', async (_, overrides) => {
    const config = smallConfig(overrides);
    const weights = randomLlamaWeights(config, 7);
    const runtime = await createLlamaRuntime(ort, config);
    try {
      runtime.setWeights(weights);
      const sequences = [[1, 5, 9, 2, 30, 7, 7, 11, 4, 20, 33, 36], [1, 3], [1, 17, 22, 8, 8, 0, 31]];
      const logits = await runtime.logits(sequences);
      sequences.forEach((ids, i) => {
        expect(maxAbsDiff(logits[i]!, referenceLlamaLogits(config, weights, ids))).toBeLessThan(1e-4);
      });

      // The cache path on the same config: cached generation = recomputation.
      const prompts = [[1, 5, 9, 2], [1, 5, 9, 2, 30, 7], [1, 36]];
      const generated = await runtime.generateGreedy(prompts, { maxNewTokens: 6 });
      for (let i = 0; i < prompts.length; i++) {
        expect(generated[i]!.tokens).toEqual(await greedyByRecomputing(runtime, prompts[i]!, 6));
      }
    } finally {
      await runtime.close();
    }
  });
});

describe('LlamaRuntime behaviour', () => {
  const config = smallConfig({ num_key_value_heads: 2 });
  const weights = randomLlamaWeights(config, 3);
  let runtime: LlamaRuntime;
  beforeAll(async () => {
    runtime = await createLlamaRuntime(ort, config);
    runtime.setWeights(weights);
  });
  afterAll(() => runtime?.close());

  it('batches of unequal lengths give the same logits as one sequence at a time', async () => {
    const sequences = [[1, 4, 5, 6, 7, 8, 9], [1, 4], [1, 30, 31, 32]];
    const batched = await runtime.logits(sequences);
    for (let i = 0; i < sequences.length; i++) {
      const [alone] = await runtime.logits([sequences[i]!]);
      expect(batched[i]!.length).toBe(sequences[i]!.length * config.vocab_size);
      batched[i]!.forEach((v, j) => expect(Math.abs(v - alone![j]!)).toBeLessThan(1e-5));
    }
  });

  it('batched greedy (shared prefix, padding, early finishers) equals one prompt at a time', async () => {
    const shared = [1, 10, 11, 12, 13, 14, 15];
    const prompts = [
      ...Array.from({ length: 12 }, (_, i) => [...shared, 20 + (i % 7), ...Array<number>(i % 4).fill(3)]),
      [1, 2, 3],
      [5],
    ];
    const stopTokenId = 0;
    const batched = await runtime.generateGreedy(prompts, { maxNewTokens: 9, stopTokenId });
    const sharedOnly = await runtime.generateGreedy(prompts.slice(0, 12), { maxNewTokens: 9, stopTokenId });
    for (let i = 0; i < prompts.length; i++) {
      const [alone] = await runtime.generateGreedy([prompts[i]!], { maxNewTokens: 9, stopTokenId });
      expect(batched[i]!.tokens).toEqual(alone!.tokens);
      if (i < 12) expect(sharedOnly[i]!.tokens).toEqual(alone!.tokens);
    }
  });

  it('stops a row at its stop token, and early through stopWhen', async () => {
    const prompt = [1, 6, 7, 8];
    const [free] = await runtime.generateGreedy([prompt], { maxNewTokens: 6 });
    expect(free!.tokens).toHaveLength(6);
    expect(free!.stopped).toBe(false);
    const stop = free!.tokens[2]!;
    const [stopped] = await runtime.generateGreedy([prompt], { maxNewTokens: 6, stopTokenId: stop });
    expect(stopped!.tokens).toEqual(free!.tokens.slice(0, free!.tokens.indexOf(stop) + 1));
    expect(stopped!.stopped).toBe(true);
    const [ended] = await runtime.generateGreedy([prompt], { maxNewTokens: 6, stopWhen: (_, tokens) => tokens.length === 2 });
    expect(ended!.tokens).toEqual(free!.tokens.slice(0, 2));
    // One row of eight ends early; the others keep the batch (and that row) running.
    const eight = Array.from({ length: 8 }, () => prompt);
    const mixed = await runtime.generateGreedy(eight, { maxNewTokens: 6, stopWhen: (row, tokens) => row === 0 && tokens.length === 2 });
    expect(mixed[0]!.tokens).toEqual(free!.tokens.slice(0, 2));
    for (const row of mixed.slice(1)) expect(row.tokens).toEqual(free!.tokens);
  });

  it('reports each token’s probability and streams tokens through onToken', async () => {
    const prompts = [[1, 6, 7], [1, 9]];
    const streamed: [number, number][] = [];
    const out = await runtime.generateGreedy(prompts, { maxNewTokens: 4, onToken: (row, token) => streamed.push([row, token]) });
    expect(streamed.filter(([row]) => row === 1).map(([, t]) => t)).toEqual(out[1]!.tokens);
    const V = config.vocab_size;
    const [logits] = await runtime.logits([prompts[0]!]);
    const last = Array.from(logits!.subarray(2 * V, 3 * V));
    const max = Math.max(...last);
    const sum = last.reduce((s, v) => s + Math.exp(v - max), 0);
    expect(out[0]!.probs[0]).toBeCloseTo(Math.exp(last[out[0]!.tokens[0]!]! - max) / sum, 5);
    for (const p of out.flatMap((o) => o.probs)) expect(p > 0 && p <= 1).toBe(true);
  });

  it('samples reproducibly from a seed; temperature 0 and top-k 1 are greedy', async () => {
    const prompts = [[1, 6, 7], [1, 9, 9, 9]];
    const settings = { maxNewTokens: 8, temperature: 1.5, topK: 10, seed: 42 };
    const a = await runtime.generateSample(prompts, settings);
    const b = await runtime.generateSample(prompts, settings);
    expect(a.map((s) => s.tokens)).toEqual(b.map((s) => s.tokens));
    const others = await Promise.all([1, 2, 3].map((seed) => runtime.generateSample(prompts, { ...settings, seed })));
    expect(others.some((o) => JSON.stringify(o.map((s) => s.tokens)) !== JSON.stringify(a.map((s) => s.tokens)))).toBe(true);
    // Row r's draws depend on (seed, r) only, not on the rows beside it.
    const [firstAlone] = await runtime.generateSample(prompts.slice(0, 1), settings);
    expect(firstAlone!.tokens).toEqual(a[0]!.tokens);
    const greedy = (await runtime.generateGreedy(prompts, { maxNewTokens: 8 })).map((s) => s.tokens);
    expect((await runtime.generateSample(prompts, { ...settings, temperature: 0 })).map((s) => s.tokens)).toEqual(greedy);
    expect((await runtime.generateSample(prompts, { ...settings, topK: 1 })).map((s) => s.tokens)).toEqual(greedy);
  });

  it('new weights take effect without a new session', async () => {
    const [before] = await runtime.logits([[1, 2, 3]]);
    runtime.setWeights(randomLlamaWeights(config, 99));
    const [after] = await runtime.logits([[1, 2, 3]]);
    runtime.setWeights(weights);
    const [again] = await runtime.logits([[1, 2, 3]]);
    expect(Array.from(after!)).not.toEqual(Array.from(before!));
    expect(Array.from(again!)).toEqual(Array.from(before!));
  });

  it('rejects weights that do not fit the config, naming each problem', () => {
    const broken: NamedTensors = new Map(weights);
    broken.delete('model.layers.1.mlp.up_proj.weight');
    broken.set('model.layers.0.self_attn.k_proj.weight', tensor([48, 48], new Float32Array(48 * 48)));
    broken.set('model.layers.9.self_attn.q_proj.weight', tensor([1], new Float32Array(1)));
    expect(() => runtime.setWeights(broken)).toThrowError(/weights do not fit/);
    const message = (() => {
      try {
        runtime.setWeights(broken);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('missing model.layers.1.mlp.up_proj.weight [72, 48]');
    expect(message).toContain('model.layers.0.self_attn.k_proj.weight has shape [48, 48], expected [24, 48]');
    expect(message).toContain('unexpected tensor model.layers.9.self_attn.q_proj.weight');
    // The runtime keeps its previous weights.
    expect(runtime.hasWeights).toBe(true);
  });

  it('with baked weights gives the same results and refuses new weights', async () => {
    const baked = await createLlamaRuntime(ort, config, { bakedWeights: weights });
    try {
      expect(baked.hasWeights).toBe(true);
      const ids = [[1, 4, 5, 6], [1, 9]];
      const [fed, fromBaked] = [await runtime.logits(ids), await baked.logits(ids)];
      fed.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - fromBaked[i]![j]!)).toBeLessThan(1e-5)));
      const options = { maxNewTokens: 5 };
      expect((await baked.generateGreedy(ids, options)).map((g) => g.tokens)).toEqual((await runtime.generateGreedy(ids, options)).map((g) => g.tokens));
      expect(() => baked.setWeights(weights)).toThrow(/baked/);
    } finally {
      await baked.close();
    }
  });

  it('rejects token ids outside the vocabulary and empty prompts', async () => {
    await expect(runtime.logits([[1, 37]])).rejects.toThrow(/outside the vocabulary/);
    await expect(runtime.generateGreedy([[]], { maxNewTokens: 2 })).rejects.toThrow(/at least one token/);
  });
});

it('needs weights before running', async () => {
  const runtime = await createLlamaRuntime(ort, smallConfig({}));
  await expect(runtime.logits([[1]])).rejects.toThrow(/setWeights/);
  await runtime.close();
  await expect(runtime.logits([[1]])).rejects.toThrow(/closed/);
});
