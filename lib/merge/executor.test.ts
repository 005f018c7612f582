import { describe, expect, it } from 'vitest';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import { tensor, type NamedTensors, type Tensor } from '@/lib/tensors/tensor';
import { executePlan, inMemorySource, MergeError, mergeRecipe, type ModelSource } from './executor';
import { defineMergeMethod } from './method';
import { planRecipe, type MergePlan } from './planner';
import { getMergeMethod } from './registry';
import { seededRng } from './rng';
import { constantToyModel, toyModel, toyShapes, toyTensorInfo, toyTensors } from '@/testing/toyModel';

const Q = (layer: number) => `model.layers.${layer}.self_attn.q_proj.weight`;
const UP = (layer: number) => `model.layers.${layer}.mlp.up_proj.weight`;

const sources = new Map<string, ModelSource>([
  ['base', constantToyModel(4, 1)],
  ['math', constantToyModel(4, 3)],
  ['code', constantToyModel(4, -1)],
  ['zero', constantToyModel(4, 0)],
  ['one', constantToyModel(4, 1)],
  ['r1', toyModel({ layers: 4, seed: 11 })],
  ['r2', toyModel({ layers: 4, seed: 12 })],
]);

function recipeOf(...stages: RecipeStage[]): Recipe {
  return { version: 1, stages };
}

async function merge(...stages: RecipeStage[]): Promise<NamedTensors> {
  return (await mergeRecipe(recipeOf(...stages), sources)).tensors;
}

/** The single value of a constant tensor (asserting it is constant). */
function constant(t: Tensor | undefined): number {
  if (!t) throw new Error('missing tensor');
  const v = t.data[0]!;
  expect(t.data.every((x) => x === v)).toBe(true);
  return v;
}

function planOf(recipe: Recipe, catalog: Map<string, ModelSource> = sources): MergePlan {
  const r = planRecipe(recipe, catalog);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
  return r.plan;
}

async function rejection(p: Promise<unknown>): Promise<MergeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MergeError) return err;
    throw err;
  }
  throw new Error('expected a MergeError');
}

describe('executor: linear, hand-computed', () => {
  it('normalize on: Σ wᵢxᵢ / Σ wᵢ; off: Σ wᵢxᵢ', async () => {
    const models = [
      { model: 'math', parameters: { weight: 1 } },
      { model: 'code', parameters: { weight: 3 } },
    ];
    const on = await merge({ name: 's', merge_method: 'linear', models });
    expect(constant(on.get(Q(0)))).toBe(0); // (3 - 3) / 4
    const off = await merge({ name: 's', merge_method: 'linear', models, parameters: { normalize: false } });
    expect(constant(off.get(Q(0)))).toBe(0); // 3 - 3
    const uneven = await merge({ name: 's', merge_method: 'linear', models: [{ model: 'math', parameters: { weight: 0.25 } }, { model: 'base', parameters: { weight: 0.25 } }] });
    expect(constant(uneven.get('lm_head.weight'))).toBe(2); // (0.75 + 0.25) / 0.5
  });

  it('every tensor of the output, with the sources’ shapes', async () => {
    const out = await merge({ name: 's', merge_method: 'linear', models: [{ model: 'r1' }, { model: 'r2' }], parameters: { weight: 0.5 } });
    expect([...out.keys()]).toEqual(['model.embed_tokens.weight', ...[...toyShapes(4).keys()].filter((n) => n.includes('layers')), 'model.norm.weight', 'lm_head.weight']);
    const a = toyTensors({ layers: 4, seed: 11 });
    const b = toyTensors({ layers: 4, seed: 12 });
    for (const [name, t] of out) {
      expect(t.shape).toEqual(a.get(name)!.shape);
      // The toy values are multiples of 1/64: the average is exact.
      expect(t.data).toEqual(a.get(name)!.data.map((x, j) => (x + b.get(name)!.data[j]!) / 2));
    }
  });

  it('filter lists give each tensor its own weight', async () => {
    const out = await merge({
      name: 's',
      merge_method: 'linear',
      models: [{ model: 'math', parameters: { weight: 1 } }, { model: 'base', parameters: { weight: [{ filter: 'mlp', value: 3 }, { value: 1 }] } }],
    });
    expect(constant(out.get(UP(2)))).toBe(1.5); // (3 + 3·1) / 4
    expect(constant(out.get(Q(2)))).toBe(2); // (3 + 1) / 2
    expect(constant(out.get('model.norm.weight'))).toBe(2);
  });

  it('a gradient over the layers gives each layer its own weight', async () => {
    // zero weighted [1, 0], one weighted [0, 1]: layer i gets (i/3)·1 / 1 = i/3.
    const out = await merge({
      name: 's',
      merge_method: 'linear',
      models: [{ model: 'zero', parameters: { weight: [1, 0] } }, { model: 'one', parameters: { weight: [0, 1] } }],
    });
    expect([0, 1, 2, 3].map((l) => constant(out.get(Q(l))))).toEqual([0, 1 / 3, 2 / 3, 1].map(Math.fround));
    expect(constant(out.get('model.embed_tokens.weight'))).toBe(0); // outside the layers: t = 0
    expect(constant(out.get('lm_head.weight'))).toBe(0);
  });

  it('linear of one model is that model', async () => {
    const out = await merge({ name: 's', merge_method: 'linear', models: [{ model: 'r1', parameters: { weight: 0.3 } }] });
    const r1 = toyTensors({ layers: 4, seed: 11 });
    for (const [name, t] of out) t.data.forEach((v, j) => expect(v).toBeCloseTo(r1.get(name)!.data[j]!, 5));
  });
});

describe('executor: task arithmetic, hand-computed', () => {
  const stage = (parameters: RecipeStage['parameters']): RecipeStage => ({
    name: 'ta',
    merge_method: 'task_arithmetic',
    base_model: 'base',
    models: [{ model: 'math', parameters: { weight: 0.5 } }, { model: 'code', parameters: { weight: 0.25 } }],
    ...(parameters ? { parameters } : {}),
  });
  it('base + λ·Σ wᵢ(xᵢ − base), normalize off and on', async () => {
    // deltas +2 and −2: mixed = 1 − 0.5 = 0.5.
    expect(constant((await merge(stage(undefined))).get(Q(1)))).toBe(1.5);
    expect(constant((await merge(stage({ lambda: 2 }))).get(Q(1)))).toBe(2);
    expect(constant((await merge(stage({ lambda: 2, normalize: true }))).get(Q(1)))).toBeCloseTo(1 + (0.5 / 0.75) * 2, 6);
  });
  it('λ = 0 is the base', async () => {
    const out = await merge({ ...stage({ lambda: 0 }), models: [{ model: 'r1', parameters: { weight: 0.7 } }], base_model: 'r2' });
    const r2 = toyTensors({ layers: 4, seed: 12 });
    for (const [name, t] of out) expect(t.data).toEqual(r2.get(name)!.data);
  });
  it('one model, weight 1, λ 1 is that model', async () => {
    const out = await merge({ ...stage(undefined), models: [{ model: 'r1', parameters: { weight: 1 } }], base_model: 'r2' });
    const r1 = toyTensors({ layers: 4, seed: 11 });
    for (const [name, t] of out) expect(t.data).toEqual(r1.get(name)!.data); // exact: the toy values are multiples of 1/64
  });
  it('a per-layer λ gradient', async () => {
    const out = await merge({ ...stage({ lambda: [0, 3] }) });
    // mixed 0.5 · λ(t), λ = 0, 1, 2, 3 over the 4 layers.
    expect([0, 1, 2, 3].map((l) => constant(out.get(Q(l))))).toEqual([1, 1.5, 2, 2.5]);
  });
});

describe('executor: streaming, progress, cancellation', () => {
  const recipe = recipeOf({ name: 's', merge_method: 'linear', models: [{ model: 'r1' }, { model: 'r2' }], parameters: { weight: 1 } });

  it('reports progress before each tensor and once at the end', async () => {
    const calls: [number, number, string][] = [];
    await executePlan(planOf(recipe), sources, { onProgress: (d, t, n) => calls.push([d, t, n]) });
    expect(calls).toHaveLength(16);
    expect(calls[0]).toEqual([0, 15, 'model.embed_tokens.weight']);
    expect(calls[14]).toEqual([14, 15, 'lm_head.weight']);
    expect(calls[15]).toEqual([15, 15, '']);
  });

  it('streams each output tensor to a sink; collect: false keeps nothing', async () => {
    const seen: string[] = [];
    const out = await executePlan(planOf(recipe), sources, {
      collect: false,
      onTensor: async (name, t, info) => {
        seen.push(name);
        expect(info).toEqual(toyTensorInfo(name));
        expect(t.data.length).toBeGreaterThan(0);
      },
    });
    expect(out.size).toBe(0);
    expect(seen).toEqual([...toyShapes(4).keys()].sort((a, b) => order(a) - order(b)));
  });

  it('is cancelled by an AbortSignal, mid-way or before it starts', async () => {
    const controller = new AbortController();
    let last = 0;
    const run = executePlan(planOf(recipe), sources, {
      signal: controller.signal,
      onProgress: (done) => {
        last = done;
        if (done === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(last).toBe(3);
    await expect(executePlan(planOf(recipe), sources, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

/** Checkpoint order of the toy model as the planner emits it: embeddings, layers, then the rest. */
function order(name: string): number {
  if (name === 'model.embed_tokens.weight') return -1;
  const info = toyTensorInfo(name);
  return info.layer === null ? 1e9 + (name === 'lm_head.weight' ? 1 : 0) : info.layer * 10 + (name.includes('self_attn') ? 0 : name.includes('mlp') ? 1 : 2);
}

describe('executor: stages', () => {
  it('feeds a stage’s output to later stages, in memory', async () => {
    const out = await merge(
      { name: 'avg', merge_method: 'linear', models: [{ model: 'math' }, { model: 'code' }], parameters: { weight: 1 } },
      { name: 'scaled', merge_method: 'passthrough', models: [{ model: 'avg', parameters: { scale: 4 } }] },
    );
    expect(constant(out.get(Q(3)))).toBe(4); // (3 − 1) / 2 · 4
  });
  it('stacks layers with slices (frankenmerge)', async () => {
    const out = await merge({
      name: 'stack',
      merge_method: 'passthrough',
      slices: [{ sources: [{ model: 'math', layer_range: [0, 2] }] }, { sources: [{ model: 'code', layer_range: [1, 4] }] }],
    });
    expect([0, 1, 2, 3, 4].map((l) => constant(out.get(Q(l))))).toEqual([3, 3, -1, -1, -1]);
    expect(constant(out.get('model.embed_tokens.weight'))).toBe(3);
    expect(constant(out.get('lm_head.weight'))).toBe(-1);
    expect(out.has(Q(5))).toBe(false);
  });
  it('runs only the stages the output needs', async () => {
    const exploding: ModelSource = { ...constantToyModel(4, 1), readTensor: () => Promise.reject(new Error('should not be read')) };
    const { tensors } = await mergeRecipe(
      {
        version: 1,
        stages: [
          { name: 'unused', merge_method: 'linear', models: [{ model: 'boom' }], parameters: { weight: 1 } },
          { name: 'out', merge_method: 'linear', models: [{ model: 'math' }], parameters: { weight: 1 } },
        ],
        output: 'out',
      },
      new Map([...sources, ['boom', exploding]]),
    );
    expect(constant(tensors.get(Q(0)))).toBe(3);
  });
});

describe('executor: errors', () => {
  it('a failed plan', async () => {
    const err = await rejection(merge({ name: 's', merge_method: 'linear', models: [{ model: 'math' }] }));
    expect(err.code).toBe('plan');
    expect(err.message).toMatch(/needs parameter "weight" for model "math"/);
    expect(err.details.issues).toHaveLength(1);
  });
  it('a missing model', async () => {
    const plan = planOf(recipeOf({ name: 's', merge_method: 'linear', models: [{ model: 'math' }], parameters: { weight: 1 } }));
    const err = await rejection(executePlan(plan, new Map()));
    expect(err.code).toBe('missing-model');
    expect(err.message).toBe('stage "s" reads model "math", which is not loaded');
  });
  it('a shape mismatch between models, named with the shapes', async () => {
    const wide = toyModel({ layers: 4, hidden: 8 });
    const noShapes: ModelSource = { ...wide, tensorShape: undefined }; // planner cannot see it; the executor must
    const plan = planOf(recipeOf({ name: 's', merge_method: 'linear', models: [{ model: 'math' }, { model: 'wide' }], parameters: { weight: 1 } }), new Map([...sources, ['wide', noShapes]]));
    const err = await rejection(executePlan(plan, new Map([...sources, ['wide', noShapes]])));
    expect(err.code).toBe('shape-mismatch');
    expect(err.message).toBe('shape mismatch for model.embed_tokens.weight in stage "s": "math" has [6, 4], "wide" has [6, 8]');
  });
  it('trusts the plan: what the planner checks is not checked again, and a forged plan fails in the method', async () => {
    const plan = planOf(recipeOf({ name: 's', merge_method: 'linear', models: [{ model: 'math' }], parameters: { weight: 1 } }));
    const forged: MergePlan = {
      ...plan,
      stages: plan.stages.map((s) => ({ ...s, tensors: s.tensors.map((t) => ({ ...t, sources: t.sources.map((src) => ({ ...src, params: {} })) })) })),
    };
    const err = await rejection(executePlan(forged, sources));
    expect(err.code).toBe('bad-output');
    expect(err.message).toBe('linear failed on model.embed_tokens.weight in stage "s": parameter "weight" is missing');
  });
  it('a read that fails', async () => {
    const broken: ModelSource = { ...constantToyModel(4, 1), readTensor: () => Promise.reject(new Error('HTTP 404')) };
    const err = await rejection(mergeRecipe(recipeOf({ name: 's', merge_method: 'linear', models: [{ model: 'broken' }], parameters: { weight: 1 } }), new Map([['broken', broken]])));
    expect(err.code).toBe('read-failed');
    expect(err.message).toBe('reading model.embed_tokens.weight from "broken" failed: HTTP 404');
  });
});

describe('seeded randomness', () => {
  it('the same seed and tensor name give the same stream; others differ', () => {
    const a = seededRng(7, 'model.layers.0.mlp.up_proj.weight');
    const b = seededRng(7, 'model.layers.0.mlp.up_proj.weight');
    const seqA = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const c = seededRng(8, 'model.layers.0.mlp.up_proj.weight');
    const d = seededRng(7, 'model.layers.1.mlp.up_proj.weight');
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(seqA);
    expect(Array.from({ length: 8 }, () => d.next())).not.toEqual(seqA);
  });
  it('a randomized method gives the same bytes for the same recipe, and other bytes for another seed', async () => {
    const noisy = defineMergeMethod({
      name: 'noisy',
      label: 'Noise',
      description: 'Test method: base plus seeded noise.',
      inMergekit: false,
      parameters: [],
      tensorParameters: [],
      baseModel: 'optional',
      inputs: { min: 1 },
      merge: ({ inputs, rng }) => inputs[0]!.data.map((x) => x + rng.next()),
    });
    const registry = { get: (name: string) => (name === 'noisy' ? noisy : getMergeMethod(name)) };
    const run = (seed: number) =>
      mergeRecipe(recipeOf({ name: 's', merge_method: 'noisy', models: [{ model: 'math' }], random_seed: seed }), sources, { registry });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect([...a.tensors.values()].map((t) => [...t.data])).toEqual([...b.tensors.values()].map((t) => [...t.data]));
    expect(a.tensors.get(Q(0))!.data).not.toEqual(c.tensors.get(Q(0))!.data);
  });
});

describe('inMemorySource', () => {
  it('serves the tensors it was given, with their shapes', async () => {
    const t = tensor([2], Float32Array.of(1, 2));
    const source = inMemorySource(new Map([['model.norm.weight', t]]), toyTensorInfo, 0);
    expect(source.tensorNames()).toEqual(['model.norm.weight']);
    expect(source.tensorShape?.('model.norm.weight')).toEqual([2]);
    expect(await source.readTensor('model.norm.weight')).toBe(t);
    await expect(source.readTensor('lm_head.weight')).rejects.toThrow(/no tensor named lm_head.weight/);
  });
});
