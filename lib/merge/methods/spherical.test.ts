import { describe, expect, it } from 'vitest';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { executePlan, type ModelSource } from '../executor';
import type { MergeMethodDefinition, MethodInput, MethodTensorInput } from '../method';
import type { ResolvedParams } from '../parameters';
import { planRecipe, type PlanIssue } from '../planner';
import { getMergeMethod } from '../registry';
import { seededRng } from '../rng';
import { toyModel, toyTensors } from '@/testing/toyModel';
import { karcherMean, karcherMethod } from './karcher';
import { modelStock, modelStockMethod, modelStockRatio } from './modelStock';
import { multislerpMethod, multislerpVectors } from './multislerp';
import { nearswap, nearswapMethod } from './nearswap';
import { nuslerpMethod, nuslerpT, nuslerpVectors } from './nuslerp';
import { slerpMethod, slerpVectors } from './slerp';
import { SPHERICAL_METHODS } from './sphericalFamily';
import { norm } from './vectorOps';

const NAME = 'model.layers.0.self_attn.q_proj.weight';
const f32 = (...xs: number[]) => Float32Array.from(xs);
const H = Math.SQRT1_2;

function input(model: string, values: Float32Array, params: ResolvedParams = {}, isBase = false): MethodTensorInput {
  return { model, tensorName: NAME, data: values, params, isBase };
}

function weightParams(weight: number | undefined): ResolvedParams {
  return weight === undefined ? {} : { weight };
}

function call(inputs: MethodTensorInput[], params: ResolvedParams, shape: number[] = [inputs[0]!.data.length]): MethodInput {
  return { tensorName: NAME, shape, info: { layer: 0, role: 'attn', group: 'attention' }, inputs, base: inputs.find((i) => i.isBase) ?? null, params, rng: seededRng(0, NAME) };
}

/** A method's defaults, overridden. */
function defaults(method: MergeMethodDefinition, overrides: ResolvedParams = {}): ResolvedParams {
  const out: Record<string, number | boolean> = {};
  for (const p of method.parameters) if (p.default !== undefined) out[p.name] = p.default;
  return { ...out, ...overrides };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let j = 0; j < expected.length; j++) expect(actual[j]).toBeCloseTo(expected[j]!, digits);
}

describe('the spherical family in the registry: mergekit names, parameters and defaults', () => {
  const table = (m: MergeMethodDefinition) => ({
    global: Object.fromEntries(m.parameters.map((p) => [p.name, p.required ? 'required' : p.default])),
    perModel: Object.fromEntries(m.tensorParameters.map((p) => [p.name, p.required ? 'required' : p.default])),
    base: m.baseModel,
    inputs: m.inputs,
  });

  it('declares each method once, as mergekit spells it', () => {
    expect(SPHERICAL_METHODS.map((m) => m.name)).toEqual(['slerp', 'nuslerp', 'multislerp', 'karcher', 'model_stock', 'nearswap']);
    for (const m of SPHERICAL_METHODS) {
      expect(getMergeMethod(m.name)).toBe(m);
      expect(m.inMergekit).toBe(true);
      for (const p of [...m.parameters, ...m.tensorParameters]) {
        expect(p.description.length).toBeGreaterThan(0);
        if (p.kind === 'number') expect(p.range).toBeDefined();
      }
    }
  });

  it('parameter tables', () => {
    expect(table(slerpMethod)).toEqual({ global: { t: 'required' }, perModel: {}, base: 'required', inputs: { min: 2, max: 2 } });
    expect(table(nuslerpMethod)).toEqual({
      global: { nuslerp_row_wise: false, nuslerp_flatten: true },
      perModel: { weight: 'required' },
      base: 'optional',
      inputs: { min: 2, max: 3 },
    });
    expect(table(multislerpMethod)).toEqual({ global: { normalize_weights: true, eps: 1e-8 }, perModel: { weight: 'required' }, base: 'optional', inputs: { min: 1 } });
    expect(table(karcherMethod)).toEqual({ global: { max_iter: 10, tol: 1e-5 }, perModel: {}, base: 'optional', inputs: { min: 1 } });
    expect(table(modelStockMethod)).toEqual({ global: { filter_wise: false }, perModel: {}, base: 'required', inputs: { min: 3 } });
    expect(table(nearswapMethod)).toEqual({ global: { t: 'required' }, perModel: {}, base: 'required', inputs: { min: 2, max: 2 } });
  });
});

describe('slerp', () => {
  const a = f32(0.5, -1.25, 2, 0.75, -0.125);
  const b = f32(-1, 0.25, 1.5, -2, 0.375);

  it('returns the ends exactly at t = 0 and t = 1', () => {
    expect(slerpVectors(0, a, b)).toEqual(a);
    expect(slerpVectors(1, a, b)).toEqual(b);
  });

  it('of two orthogonal unit vectors at t = 0.5 is the normalised bisector', () => {
    expectClose(slerpVectors(0.5, f32(1, 0, 0), f32(0, 1, 0)), [H, H, 0], 7);
    // At t = 1/3 the angle is 30°: (cos 30°, sin 30°).
    expectClose(slerpVectors(1 / 3, f32(1, 0), f32(0, 1)), [Math.cos(Math.PI / 6), 0.5], 6);
  });

  it('interpolates the norms too (the unnormalised tensors are combined)', () => {
    // Orthogonal, norms 2 and 4: s0 = s1 = sin(π/4)/1, result (2, 4)·√½.
    expectClose(slerpVectors(0.5, f32(2, 0), f32(0, 4)), [2 * H, 4 * H], 6);
  });

  it('falls back to lerp when |cos θ| > 0.9995 (colinear or anti-colinear)', () => {
    expect(slerpVectors(0.25, f32(1, 2, 3), f32(2, 4, 6))).toEqual(f32(1.25, 2.5, 3.75));
    expect(slerpVectors(0.25, f32(1, 2, 3), f32(-1, -2, -3))).toEqual(f32(0.5, 1, 1.5));
    // cos θ = 0.9996 (> threshold): lerp; cos θ = 0.9994: slerp, which leaves the chord.
    const near = (c: number) => f32(c, Math.sqrt(1 - c * c));
    expect(slerpVectors(0.5, f32(1, 0), near(0.9996))).toEqual(Float32Array.from([1, 0].map((x, j) => 0.5 * x + 0.5 * near(0.9996)[j]!)));
    const arc = slerpVectors(0.5, f32(1, 0), near(0.9994));
    expect(norm(arc)).toBeCloseTo(1, 6); // on the unit circle, unlike the lerp midpoint
  });

  it('picks the base as the t = 0 end whatever the source order', () => {
    const out = slerpMethod.merge(call([input('other', b), input('base', a, {}, true)], { t: 0 }));
    expect(out).toEqual(a);
  });
});

describe('nuslerp', () => {
  it('t from the weights: w₁ / (w₀ + w₁), 0.5 when they sum to zero', () => {
    expect(nuslerpT(1, 3)).toBe(0.75);
    expect(nuslerpT(1, -1)).toBe(0.5);
  });

  const x0 = f32(1, 0, 0, 1); // rows (1, 0) and (0, 1)
  const x1 = f32(0, 1, 0, 1); // rows (0, 1) and (0, 1)

  it('row by row (flatten off, row_wise off): each row slerped on its own', () => {
    // Row 0: orthogonal unit vectors → bisector. Row 1: identical → colinear → lerp (itself).
    expectClose(nuslerpVectors(0.5, x0, x1, [2, 2], { flatten: false, rowWise: false }), [H, H, 0, 1], 6);
  });

  it('row_wise slerps the columns (mergekit moves dim 0 to the end)', () => {
    // Columns of x0: (1, 0), (0, 1); of x1: (0, 0), (1, 1).
    // Column 0: x1's column is zero: cos = 0, θ = π/2 → sin(π/4)·(1, 0) + 0.
    // Column 1: (0, 1) and (1, 1) at 45°: (sin(π/8)·(0, 1) + sin(π/8)·(1, 1)) / sin(π/4).
    const c = Math.sin(Math.PI / 8) / Math.sin(Math.PI / 4);
    expectClose(nuslerpVectors(0.5, x0, x1, [2, 2], { flatten: false, rowWise: true }), [H, c, 0, 2 * c], 6);
  });

  it('flattened (the default): one vector', () => {
    // x0·x1 = 1, ‖x0‖ = ‖x1‖ = √2: θ = π/3.
    const c = Math.sin(Math.PI / 6) / Math.sin(Math.PI / 3);
    const expected = [0, 1, 2, 3].map((j) => c * (x0[j]! + x1[j]!));
    expectClose(nuslerpVectors(0.5, x0, x1, [2, 2], { flatten: true, rowWise: false }), expected, 6);
  });

  it('with a base: the base plus the slerp of the task vectors', () => {
    const base = f32(1, 1, 1, 1);
    const a = f32(2, 1, 1, 1); // task vector (1, 0, 0, 0)
    const b = f32(1, 2, 1, 1); // task vector (0, 1, 0, 0)
    const out = nuslerpMethod.merge(
      call([input('a', a, { weight: 1 }), input('b', b, { weight: 1 }), input('base', base, {}, true)], defaults(nuslerpMethod), [2, 2]),
    );
    expectClose(out, [1 + H, 1 + H, 1, 1], 6);
    // Weights 0 and 1: t = 1, the second model.
    const end = nuslerpMethod.merge(
      call([input('a', a, { weight: 0 }), input('b', b, { weight: 2 }), input('base', base, {}, true)], defaults(nuslerpMethod), [2, 2]),
    );
    expectClose(end, b, 6);
  });

  it('checks the count: two models besides the optional base', () => {
    const check = (inputs: { isBase: boolean }[]) =>
      nuslerpMethod.checkTensor!({ tensorName: NAME, params: {}, inputs: inputs.map((i, k) => ({ model: `m${k}`, params: { weight: 1 }, ...i })) });
    expect(check([{ isBase: false }, { isBase: false }])).toBeUndefined();
    expect(check([{ isBase: true }, { isBase: false }, { isBase: false }])).toBeUndefined();
    expect(check([{ isBase: true }, { isBase: false }])).toMatch(/exactly two models besides the base .*got 1/);
    expect(check([{ isBase: false }, { isBase: false }, { isBase: false }])).toMatch(/exactly two models .*got 3/);
  });
});

describe('multislerp', () => {
  const x = f32(0.5, -1.25, 2, 0.75);

  it('of one model is that model (with or without a base)', () => {
    expect(multislerpVectors([x], [0.3], null, true, 1e-8)).toEqual(x);
    expect(multislerpVectors([x], [0.3], f32(1, 1, 1, 1), true, 1e-8)).toEqual(x);
  });

  it('of identical models is that model', () => {
    expectClose(multislerpVectors([x, x, x], [1, 2, 3], null, true, 1e-8), x, 6);
    const base = f32(0.25, 0.25, -0.5, 1);
    expectClose(multislerpVectors([x, x], [1, 1], base, true, 1e-8), x, 6);
  });

  it('two orthogonal vectors, equal weights: the bisector direction at the mean norm', () => {
    // Norms 1 and 3, mean norm 2; direction (1, 1)/√2.
    expectClose(multislerpVectors([f32(1, 0), f32(0, 3)], [1, 1], null, true, 1e-8), [2 * H, 2 * H], 6);
    // Weights 1 : 3 (normalised 0.25, 0.75): direction ∝ (0.25, 0.75), norm 0.25·1 + 0.75·3 = 2.5.
    const d = Math.hypot(0.25, 0.75);
    expectClose(multislerpVectors([f32(1, 0), f32(0, 3)], [1, 3], null, true, 1e-8), [(2.5 * 0.25) / d, (2.5 * 0.75) / d], 6);
    // Without normalising, weights 2, 2: same direction, norm 2·1 + 2·3 = 8.
    expectClose(multislerpVectors([f32(1, 0), f32(0, 3)], [2, 2], null, false, 1e-8), [8 * H, 8 * H], 5);
  });

  it('antipodal pairs fall back to the linear mix; antipodal triples are an error', () => {
    expect(multislerpVectors([f32(1, 2), f32(-1, -2)], [1, 1], null, true, 1e-8)).toEqual(f32(0, 0));
    expect(() => multislerpVectors([f32(1, 0), f32(-1, 0), f32(0, 0)], [1, 1, 0], null, true, 1e-8)).toThrow(/weighted sum of the input tensors is zero/);
  });

  it('of three or more models that all equal the base is the base (where mergekit raises)', () => {
    const base = f32(0.5, -2, 3);
    expect(multislerpVectors([base, base, base], [1, 1, 1], base, true, 1e-8)).toEqual(base);
    expect(multislerpVectors([f32(0, 0), f32(0, 0), f32(0, 0)], [1, 2, 3], null, true, 1e-8)).toEqual(f32(0, 0));
    expect(() => multislerpVectors([f32(1, 0), f32(-1, 0), f32(0, 0)], [1, 1, 1], f32(0, 0), true, 1e-8)).toThrow(/is zero/);
  });

  it('ignores the base’s weight and needs one model besides it', () => {
    const out = multislerpMethod.merge(call([input('base', f32(0, 0), {}, true), input('a', f32(1, 0), { weight: 1 }), input('b', f32(0, 1), { weight: 1 })], defaults(multislerpMethod)));
    expectClose(out, [H, H], 6);
    const check = (inputs: { isBase: boolean; weight?: number }[], params: ResolvedParams = { normalize_weights: true }) =>
      multislerpMethod.checkTensor!({ tensorName: NAME, params, inputs: inputs.map((i, k) => ({ model: `m${k}`, params: weightParams(i.weight), isBase: i.isBase })) });
    expect(check([{ isBase: true }])).toMatch(/at least one model besides the base; got 0/);
    expect(check([{ isBase: false, weight: 1 }, { isBase: false, weight: -1 }])).toMatch(/sum to 0.*normalize_weights/);
    expect(check([{ isBase: false, weight: 1 }, { isBase: false, weight: -1 }], { normalize_weights: false })).toBeUndefined();
  });
});

describe('karcher', () => {
  const x = f32(0.5, -1.25, 2, 0.75);

  it('of one model is that model; of identical models, that model', () => {
    expect(karcherMean([x], [1], 10, 1e-5)).toEqual(x);
    expectClose(karcherMean([x, x, x], [1 / 3, 1 / 3, 1 / 3], 10, 1e-5), x, 6);
  });

  it('of two orthogonal unit vectors is the geodesic midpoint', () => {
    expectClose(karcherMean([f32(1, 0, 0), f32(0, 1, 0)], [0.5, 0.5], 10, 1e-5), [H, H, 0], 6);
  });

  it('of three orthonormal vectors is their normalised sum, scaled by the mean norm', () => {
    const s = 1 / Math.sqrt(3);
    // Norms 1, 2, 3 (mean 2): the directions are e1, e2, e3.
    expectClose(karcherMean([f32(1, 0, 0), f32(0, 2, 0), f32(0, 0, 3)], [1 / 3, 1 / 3, 1 / 3], 10, 1e-5), [2 * s, 2 * s, 2 * s], 6);
  });

  it('converges to the weighted geodesic point for unequal weights', () => {
    // Two unit vectors 90° apart, weights 1/4, 3/4: the Karcher mean sits at 3/4 of the arc (67.5°).
    const out = karcherMean([f32(1, 0), f32(0, 1)], [0.25, 0.75], 50, 1e-9);
    expectClose(out, [Math.cos((3 * Math.PI) / 8), Math.sin((3 * Math.PI) / 8)], 5);
  });

  it('zero tensors: skipped for the direction, counted in the scale; all zero gives zeros', () => {
    // Directions: only e1 is valid; scale = (1/2)·2 + (1/2)·0 = 1.
    expectClose(karcherMean([f32(2, 0), f32(0, 0)], [0.5, 0.5], 10, 1e-5), [1, 0], 7);
    expect(karcherMean([f32(0, 0), f32(0, 0)], [0.5, 0.5], 10, 1e-5)).toEqual(f32(0, 0));
  });

  it('uses equal weights over every input, the base included (mergekit’s karcher has no weights)', () => {
    const out = karcherMethod.merge(call([input('base', f32(1, 0), { weight: 100 }, true), input('a', f32(0, 1), { weight: 0 })], defaults(karcherMethod)));
    expectClose(out, [H, H], 6);
    expect(karcherMethod.checkTensor!({ tensorName: NAME, params: { max_iter: 2.5, tol: 1e-5 }, inputs: [] })).toMatch(/max_iter must be a whole number.*2\.5/);
    expect(karcherMethod.checkTensor!({ tensorName: NAME, params: { max_iter: 3, tol: 1e-5 }, inputs: [] })).toBeUndefined();
  });
});

describe('model_stock', () => {
  const base = f32(1, -1, 0.5, 2);

  it('t = N·cos θ / (1 + (N − 1)·cos θ)', () => {
    expect(modelStockRatio(2, 1)).toBe(1);
    expect(modelStockRatio(2, 0)).toBe(0);
    expect(modelStockRatio(2, 0.5)).toBeCloseTo(2 / 3, 12);
    expect(modelStockRatio(3, 0.5)).toBeCloseTo(0.75, 12);
  });

  it('identical task vectors: cos θ = 1, t = 1, base + task vector', () => {
    const delta = [0.5, 0.25, -1, 0.125];
    const w = Float32Array.from(base.map((b, j) => b + delta[j]!));
    expectClose(modelStock(base, [w, w, w], [4], false), w, 6);
  });

  it('orthogonal task vectors: t = 0, the base; at 60°: t = 2/3 of the way to the average', () => {
    const w1 = Float32Array.from(base.map((b, j) => b + (j === 0 ? 1 : 0)));
    const w2 = Float32Array.from(base.map((b, j) => b + (j === 1 ? 1 : 0)));
    expectClose(modelStock(base, [w1, w2], [4], false), base, 7);
    // δ1 = (1, 0, 0, 0), δ2 = (½, √3/2, 0, 0): cos θ = ½, t = 2/3; average offset (¾, √3/4, 0, 0).
    const w3 = Float32Array.from(base.map((b, j) => b + [0.5, Math.sqrt(3) / 2, 0, 0][j]!));
    const t = 2 / 3;
    expectClose(modelStock(base, [w1, w3], [4], false), base.map((b, j) => b + t * [0.75, Math.sqrt(3) / 4, 0, 0][j]!), 6);
  });

  it('filter_wise: a ratio per row', () => {
    const b2 = f32(0, 0, 0, 0); // 2×2
    const w1 = f32(1, 0, 1, 0); // row 0 offsets: (1, 0) and (1, 0): aligned; row 1: (1, 0) and (0, 1): orthogonal
    const w2 = f32(1, 0, 0, 1);
    expectClose(modelStock(b2, [w1, w2], [2, 2], true), [1, 0, 0, 0], 7);
    // Flattened: cos θ = 1/2, t = 2/3 of the average (1, 0, 0.5, 0.5).
    expectClose(modelStock(b2, [w1, w2], [2, 2], false), [2 / 3, 0, 1 / 3, 1 / 3], 6);
  });
});

describe('nearswap', () => {
  it('hand-worked: swapped where within t, moved by t towards the other elsewhere', () => {
    const base = f32(0, 1, 2, 3, -1);
    const other = f32(0, 1.5, 2.125, 5, -1.25);
    // |a − b| = (0, 0.5, 0.125, 2, 0.25); t = 0.25: w = (1, 0.5, 1, 0.125, 1).
    expect(nearswap(0.25, base, other)).toEqual(f32(0, 1.25, 2.125, 3.25, -1.25));
    expect(nearswap(0, base, other)).toEqual(base);
    const out = nearswapMethod.merge(call([input('other', other), input('base', base, {}, true)], { t: 0.25 }));
    expect(out).toEqual(f32(0, 1.25, 2.125, 3.25, -1.25));
  });
});

// ---------------------------------------------------------------------------
// End to end: planRecipe + executePlan on toy models, mergekit parameter names.

// `twin` holds the same weights as `math` under another name: mergekit keys a slice's inputs
// by model, so listing one model twice would collapse into one input there.
const seeds = { base: 1, math: 2, code: 3, chat: 4, twin: 2 } as const;
const sources = new Map<string, ModelSource>(Object.entries(seeds).map(([id, seed]) => [id, toyModel({ layers: 4, seed })]));
const data = Object.fromEntries(Object.entries(seeds).map(([id, seed]) => [id, toyTensors({ layers: 4, seed })])) as Record<keyof typeof seeds, NamedTensors>;
const Q = (layer: number) => `model.layers.${layer}.self_attn.q_proj.weight`;
const UP = (layer: number) => `model.layers.${layer}.mlp.up_proj.weight`;

async function merge(stage: RecipeStage): Promise<NamedTensors> {
  const recipe: Recipe = { version: 1, stages: [stage] };
  const planned = planRecipe(recipe, sources);
  if (!planned.ok) throw new Error(planned.issues.map((i) => `${i.at}: ${i.message}`).join('\n'));
  return executePlan(planned.plan, sources);
}

function issues(stage: RecipeStage): readonly PlanIssue[] {
  const planned = planRecipe({ version: 1, stages: [stage] }, sources);
  if (planned.ok) throw new Error('expected the plan to fail');
  return planned.issues;
}

const get = (model: keyof typeof seeds, name: string) => data[model].get(name)!.data;

describe('end to end through the planner and the executor', () => {
  it('slerp: a t filter list with gradients, the base at t = 0', async () => {
    const out = await merge({
      name: 's',
      merge_method: 'slerp',
      base_model: 'base',
      models: [{ model: 'base' }, { model: 'math' }],
      parameters: { t: [{ filter: 'self_attn', value: [0, 1] }, { filter: 'mlp', value: [1, 0] }, { value: 0.5 }] },
    });
    expect(out.size).toBe(data.base.size);
    expect(out.get(Q(0))!.data).toEqual(get('base', Q(0)));
    expect(out.get(Q(3))!.data).toEqual(get('math', Q(3)));
    expect(out.get(UP(0))!.data).toEqual(get('math', UP(0)));
    expect(out.get(UP(3))!.data).toEqual(get('base', UP(3)));
    expect(out.get(Q(1))!.data).toEqual(slerpVectors(1 / 3, get('base', Q(1)), get('math', Q(1))));
    // Outside the layers (t = 0 of the gradient rule) nothing matches but the default: 0.5.
    expect(out.get('lm_head.weight')!.data).toEqual(slerpVectors(0.5, get('base', 'lm_head.weight'), get('math', 'lm_head.weight')));
  });

  it('nuslerp: with a base (task vectors) and without, default flatten', async () => {
    const models = [
      { model: 'math', parameters: { weight: 1 } },
      { model: 'code', parameters: { weight: 3 } },
    ];
    const withBase = await merge({ name: 's', merge_method: 'nuslerp', base_model: 'base', models });
    const b = get('base', UP(2));
    const task = (m: 'math' | 'code') => get(m, UP(2)).map((x, j) => x - b[j]!);
    const slerped = nuslerpVectors(0.75, task('math'), task('code'), [8, 4], { flatten: true, rowWise: false });
    expect(withBase.get(UP(2))!.data).toEqual(slerped.map((x, j) => b[j]! + x));
    const rows = await merge({ name: 's', merge_method: 'nuslerp', models, parameters: { nuslerp_flatten: false } });
    expect(rows.get(UP(2))!.data).toEqual(nuslerpVectors(0.75, get('math', UP(2)), get('code', UP(2)), [8, 4], { flatten: false, rowWise: false }));
  });

  it('multislerp: of one model is that model; of several, the barycentre around the base', async () => {
    const one = await merge({ name: 's', merge_method: 'multislerp', models: [{ model: 'math', parameters: { weight: 0.7 } }] });
    for (const [name, t] of one) expect(t.data).toEqual(get('math', name));
    const same = await merge({ name: 's', merge_method: 'multislerp', models: [{ model: 'math', parameters: { weight: 1 } }, { model: 'twin', parameters: { weight: 2 } }] });
    for (const [name, t] of same) expectClose(t.data, get('math', name), 5);
    const three = await merge({
      name: 's',
      merge_method: 'multislerp',
      base_model: 'base',
      models: ['math', 'code', 'chat'].map((model) => ({ model, parameters: { weight: 1 } })),
      parameters: { normalize_weights: true },
    });
    expect(three.get(Q(1))!.data).toEqual(multislerpVectors([get('math', Q(1)), get('code', Q(1)), get('chat', Q(1))], [1, 1, 1], get('base', Q(1)), true, 1e-8));
  });

  it('karcher: of one model is that model; an unlisted base is one more input', async () => {
    const one = await merge({ name: 's', merge_method: 'karcher', models: [{ model: 'code' }] });
    for (const [name, t] of one) expect(t.data).toEqual(get('code', name));
    const same = await merge({ name: 's', merge_method: 'karcher', models: [{ model: 'math' }, { model: 'twin' }] });
    for (const [name, t] of same) expectClose(t.data, get('math', name), 5);
    const withBase = await merge({ name: 's', merge_method: 'karcher', base_model: 'base', models: [{ model: 'math' }, { model: 'code' }], parameters: { max_iter: 20, tol: 1e-6 } });
    expect(withBase.get(Q(2))!.data).toEqual(karcherMean([get('math', Q(2)), get('code', Q(2)), get('base', Q(2))], [1 / 3, 1 / 3, 1 / 3], 20, 1e-6));
  });

  it('model_stock: the base plus two or more models; identical models give base + task vector', async () => {
    const same = await merge({ name: 's', merge_method: 'model_stock', base_model: 'base', models: [{ model: 'math' }, { model: 'twin' }] });
    for (const [name, t] of same) expectClose(t.data, get('math', name), 5);
    const out = await merge({ name: 's', merge_method: 'model_stock', base_model: 'base', models: [{ model: 'math' }, { model: 'code' }, { model: 'chat' }], parameters: { filter_wise: true } });
    expect(out.get(UP(1))!.data).toEqual(modelStock(get('base', UP(1)), [get('math', UP(1)), get('code', UP(1)), get('chat', UP(1))], [8, 4], true));
  });

  it('nearswap: the base and one other model, a global t', async () => {
    const out = await merge({ name: 's', merge_method: 'nearswap', base_model: 'base', models: [{ model: 'code' }], parameters: { t: 0.5 } });
    for (const [name, t] of out) expect(t.data).toEqual(nearswap(0.5, get('base', name), get('code', name)));
  });
});

describe('impossible setups fail in planning, naming the method and the count', () => {
  const messages = (stage: RecipeStage) => issues(stage).map((i) => i.message);

  it('slerp with three models, or without a base', () => {
    expect(messages({ name: 's', merge_method: 'slerp', base_model: 'base', models: [{ model: 'math' }, { model: 'code' }], parameters: { t: 0.5 } })).toContainEqual(
      expect.stringMatching(/^slerp takes exactly 2 input models per tensor; this stage gives 3 \(base_model "base" counts/),
    );
    expect(messages({ name: 's', merge_method: 'slerp', models: [{ model: 'math' }, { model: 'code' }], parameters: { t: 0.5 } })).toEqual(['slerp needs a base_model']);
    expect(messages({ name: 's', merge_method: 'slerp', base_model: 'base', models: [{ model: 'math' }] })).toEqual([
      expect.stringMatching(/^slerp needs parameter "t"/),
    ]);
  });

  it('model_stock without a base, or with one model', () => {
    const noBase = messages({ name: 's', merge_method: 'model_stock', models: [{ model: 'math' }, { model: 'code' }] });
    expect(noBase).toContain('model_stock needs a base_model');
    expect(noBase).toContain('model_stock takes at least 3 input models per tensor; this stage gives 2');
    expect(messages({ name: 's', merge_method: 'model_stock', base_model: 'base', models: [{ model: 'math' }] })).toEqual([
      expect.stringMatching(/^model_stock takes at least 3 input models per tensor; this stage gives 2 \(base_model "base" counts/),
    ]);
  });

  it('nearswap and nuslerp with the wrong number of models', () => {
    expect(messages({ name: 's', merge_method: 'nearswap', base_model: 'base', models: [{ model: 'math' }, { model: 'code' }], parameters: { t: 0.1 } })).toContainEqual(
      expect.stringMatching(/^nearswap takes exactly 2 input models per tensor; this stage gives 3/),
    );
    expect(messages({ name: 's', merge_method: 'nuslerp', base_model: 'base', models: [{ model: 'math', parameters: { weight: 1 } }] })).toEqual([
      expect.stringMatching(/^nuslerp: with a base_model it merges exactly two models besides the base .*got 1 \(model\.embed_tokens\.weight/),
    ]);
    expect(
      messages({ name: 's', merge_method: 'nuslerp', models: ['math', 'code', 'chat'].map((model) => ({ model, parameters: { weight: 1 } })) }),
    ).toEqual([expect.stringMatching(/^nuslerp: it merges exactly two models \(plus an optional base_model\); got 3/)]);
  });

  it('multislerp of the base alone; karcher with a fractional max_iter', () => {
    expect(messages({ name: 's', merge_method: 'multislerp', base_model: 'base', models: [{ model: 'base' }] })).toEqual([
      expect.stringMatching(/^multislerp: needs at least one model besides the base; got 0/),
    ]);
    expect(messages({ name: 's', merge_method: 'karcher', models: [{ model: 'math' }, { model: 'code' }], parameters: { max_iter: 2.5 } })).toEqual([
      expect.stringMatching(/^karcher: max_iter must be a whole number of iterations, got 2\.5/),
    ]);
  });
});
