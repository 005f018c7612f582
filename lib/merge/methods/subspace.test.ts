import { describe, expect, it } from 'vitest';
import { frobeniusDistance, frobeniusNorm, matmulNT, scaledProductNT, type Matrix } from '@/lib/linalg/matrix';
import { householderQr } from '@/lib/linalg/qr';
import { gaussianMatrix, seededUniform } from '@/lib/linalg/random';
import { polarFactor, svd } from '@/lib/linalg/svd';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import { executePlan, type ModelSource } from '../executor';
import type { MergeMethodDefinition, MethodInput, MethodTensorInput } from '../method';
import type { ResolvedParams } from '../parameters';
import { planRecipe } from '../planner';
import { getMergeMethod } from '../registry';
import { seededRng } from '../rng';
import { toyModel, toyTensors } from '@/testing/toyModel';
import { isoCMethod } from './isoC';
import { isoCtsMethod, isoCtsSplit } from './isoCts';
import { SUBSPACE_METHODS } from './subspaceFamily';
import { tsvMethod } from './tsv';

const NAME = 'model.layers.0.self_attn.q_proj.weight';

function input(model: string, data: Float32Array, isBase = false): MethodTensorInput {
  return { model, tensorName: NAME, data, params: {}, isBase };
}

/** A method call: the base (zeros unless given) and the experts' tensors. */
function call(shape: number[], experts: Float32Array[], params: ResolvedParams, base?: Float32Array, seed = 0): MethodInput {
  const size = shape.reduce((a, b) => a * b, 1);
  const inputs = [...experts.map((x, i) => input(`e${i}`, x)), input('base', base ?? new Float32Array(size), true)];
  return { tensorName: NAME, shape, info: { layer: 0, role: 'attn', group: 'attention' }, inputs, base: inputs.at(-1)!, params, rng: seededRng(seed, NAME) };
}

async function run(method: MergeMethodDefinition, shape: number[], experts: Float32Array[], params: ResolvedParams, base?: Float32Array, seed = 0): Promise<Float32Array> {
  return await method.merge(call(shape, experts, params, base, seed));
}

/** Defaults of a method, overridden. */
function params(method: MergeMethodDefinition, overrides: ResolvedParams = {}): ResolvedParams {
  return { ...Object.fromEntries(method.parameters.map((p) => [p.name, p.default!])), ...overrides };
}

function rows(values: readonly (readonly number[])[]): Float32Array {
  return Float32Array.from(values.flat());
}

/** A seeded m×n matrix with the given singular values (fp32 storage). */
function withSpectrum(m: number, n: number, sigma: readonly number[], seed: number): Float32Array {
  const u = householderQr(gaussianMatrix(m, sigma.length, seededUniform(seed))).Q;
  const v = householderQr(gaussianMatrix(n, sigma.length, seededUniform(seed + 1))).Q;
  return Float32Array.from(scaledProductNT(u, sigma, v).data);
}

function asMatrix(m: number, n: number, data: Float32Array): Matrix {
  return { rows: m, cols: n, data: Float64Array.from(data) };
}

/** Projector onto the span of the first k columns of X. */
function projector(x: Matrix, k: number): Matrix {
  const cols = new Float64Array(x.rows * k);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < k; j++) cols[i * k + j] = x.data[i * x.cols + j]!;
  const q = { rows: x.rows, cols: k, data: cols };
  return matmulNT(q, q);
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('registry and parameters', () => {
  it('registers tsv, iso_c and iso_cts, none of them in mergekit', () => {
    expect(SUBSPACE_METHODS.map((m) => m.name)).toEqual(['tsv', 'iso_c', 'iso_cts']);
    for (const m of SUBSPACE_METHODS) {
      expect(getMergeMethod(m.name)).toBe(m);
      expect(m.inMergekit).toBe(false);
      expect(m.baseModel).toBe('required');
      for (const p of m.parameters) {
        expect(p.description.length).toBeGreaterThan(0);
        expect(p.range).toBeDefined();
      }
    }
    expect(params(isoCtsMethod)).toEqual({ alpha: 1, common_fraction: 0.8, rank: 1 });
    expect(params(isoCMethod)).toEqual({ alpha: 1, rank: 1 });
    expect(params(tsvMethod)).toEqual({ alpha: 1, rank: 1 });
  });
  it('reports a rank or common fraction out of range at plan time', () => {
    const check = (m: MergeMethodDefinition, p: ResolvedParams) => m.checkTensor?.({ tensorName: NAME, params: p, inputs: [] });
    expect(check(isoCMethod, { alpha: 1, rank: 0 })).toMatch(/rank/);
    expect(check(tsvMethod, { alpha: 1, rank: 1.5 })).toMatch(/rank/);
    expect(check(isoCtsMethod, { alpha: 1, rank: 1, common_fraction: -0.1 })).toMatch(/common_fraction/);
    expect(check(isoCtsMethod, params(isoCtsMethod))).toBeUndefined();
  });
});

describe('Iso-C', () => {
  it('hand-computed: diag(3, −1) becomes 2·diag(1, −1) (mean σ = 2, U·Vᵀ = diag(1, −1))', async () => {
    expectClose(await run(isoCMethod, [2, 2], [rows([[3, 0], [0, -1]])], params(isoCMethod)), [2, 0, 0, -2], 1e-6);
    // Two tasks: the sum diag(3, 1) → diag(2, 2); α = 1.5 → diag(3, 3) on top of the base.
    const out = await run(isoCMethod, [2, 2], [rows([[3, 1], [1, 1]]), rows([[2, 1], [1, 2]])], params(isoCMethod, { alpha: 1.5 }), rows([[1, 1], [1, 1]]));
    expectClose(out, [4, 1, 1, 4], 1e-6);
  });
  it('of one full-rank task vector: σ̄ times its polar factor, the same singular subspaces, a flat spectrum', async () => {
    const sigma = [5, 3, 2, 1, 0.5, 0.25];
    const delta = withSpectrum(10, 6, sigma, 3);
    const base = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i));
    const x = base.map((b, i) => b + delta[i]!);
    const out = await run(isoCMethod, [10, 6], [x], params(isoCMethod), base);
    const merged = asMatrix(10, 6, out.map((v, i) => v - base[i]!));
    const mean = sigma.reduce((a, b) => a + b, 0) / sigma.length;
    const res = svd(merged);
    for (const s of res.S) expect(s).toBeCloseTo(mean, 5);
    const original = svd(asMatrix(10, 6, x.map((v, i) => v - base[i]!)));
    expect(frobeniusDistance(projector(res.U, 6), projector(original.U, 6))).toBeLessThan(1e-5);
    const expected = polarFactor(asMatrix(10, 6, x.map((v, i) => v - base[i]!)));
    expectClose(Float32Array.from(merged.data), expected.data.map((v) => v * mean), 1e-5);
  });
  it('of one low-rank task vector: keeps its rank and its left and right singular subspaces', async () => {
    const sigma = [4, 2, 1];
    const delta = withSpectrum(12, 8, sigma, 5);
    const out = await run(isoCMethod, [12, 8], [delta], params(isoCMethod));
    const res = svd(asMatrix(12, 8, out));
    expect(res.S[0]).toBeCloseTo(7 / 3, 5);
    expect(res.S[2]).toBeCloseTo(7 / 3, 5);
    expect(res.S[3]).toBeLessThan(1e-5); // the null space stays empty
    const original = svd(asMatrix(12, 8, delta));
    expect(frobeniusDistance(projector(res.U, 3), projector(original.U, 3))).toBeLessThan(1e-5);
    expect(frobeniusDistance(projector(res.V, 3), projector(original.V, 3))).toBeLessThan(1e-5);
  });
  it('a rank cap keeps the top directions of the sum, with their mean σ (randomized SVD)', async () => {
    const sigma = Array.from({ length: 40 }, (_, i) => 0.8 ** i);
    const delta = withSpectrum(60, 48, sigma, 7);
    const out = await run(isoCMethod, [60, 48], [delta], params(isoCMethod, { rank: 0.125 })); // r = 6
    const res = svd(asMatrix(60, 48, out));
    const mean = sigma.slice(0, 6).reduce((a, b) => a + b, 0) / 6;
    for (let i = 0; i < 6; i++) expect(res.S[i]).toBeCloseTo(mean, 4);
    expect(res.S[6]).toBeLessThan(1e-5);
    const original = svd(asMatrix(60, 48, delta));
    expect(frobeniusDistance(projector(res.U, 6), projector(original.U, 6))).toBeLessThan(1e-3);
  });
});

describe('Iso-CTS', () => {
  it('splits r like the reference code (Python rounding, T·s + k = r)', () => {
    expect(isoCtsSplit(128, 0.8, 4)).toEqual({ common: 104, perTask: 6 }); // (128 − 102)/4 = 6.5 → 6
    expect(isoCtsSplit(128, 0.8, 3)).toEqual({ common: 101, perTask: 9 });
    expect(isoCtsSplit(100, 1, 3)).toEqual({ common: 100, perTask: 0 });
    expect(isoCtsSplit(10, 0, 4)).toEqual({ common: 2, perTask: 2 }); // 2.5 → 2
    expect(isoCtsSplit(11, 0, 4)).toEqual({ common: 3, perTask: 2 }); // 2.75 → 3 would need 12 > 11
  });
  it('with common_fraction 1 is Iso-C, byte for byte', async () => {
    const base = withSpectrum(16, 12, [1, 1, 1], 40);
    const experts = [1, 2, 3].map((s) => withSpectrum(16, 12, Array.from({ length: 12 }, (_, i) => 0.7 ** i), 10 * s).map((v, i) => v + base[i]!));
    for (const rank of [1, 0.5]) {
      const cts = await run(isoCtsMethod, [16, 12], experts, params(isoCtsMethod, { common_fraction: 1, rank }), base, 9);
      const c = await run(isoCMethod, [16, 12], experts, params(isoCMethod, { rank }), base, 9);
      expect(cts).toEqual(c);
    }
  });
  it('task-specific directions: what the common subspace misses of each task is added back', async () => {
    // Task A: 10·e₁f₁ᵀ + 2·e₂f₂ᵀ; task B: 10·e₁f₁ᵀ + 1·e₃f₃ᵀ. r = 4, T = 2, fraction 0.5 → k = 2, s = 1.
    // Common space (sum 20·e₁f₁ᵀ + 2·e₂f₂ᵀ + e₃f₃ᵀ): e₁, e₂. A lies wholly inside it (adds
    // nothing); B's residual is e₃f₃ᵀ. Result: σ̄·(e₁f₁ᵀ + e₂f₂ᵀ + e₃f₃ᵀ), σ̄ = (20 + 2 + 1)/3.
    const a = new Float32Array(16);
    const b = new Float32Array(16);
    a[0] = 10;
    a[5] = 2;
    b[0] = 10;
    b[10] = 1;
    const out = await run(isoCtsMethod, [4, 4], [a, b], params(isoCtsMethod, { common_fraction: 0.5 }));
    const expected = new Float32Array(16);
    expected[0] = expected[5] = expected[10] = 23 / 3;
    expectClose(out, expected, 1e-5);
    // Iso-C of the same tasks (common space only) would treat e₃ the same way here, but
    // with k = 1 (fraction 0.25 → k₀ = 1, s = (4 − 1)/2 = 1.5 → 2, k = 0): task directions only.
    const taskOnly = await run(isoCtsMethod, [4, 4], [a, b], params(isoCtsMethod, { common_fraction: 0.25 }));
    expect(isoCtsSplit(4, 0.25, 2)).toEqual({ common: 0, perTask: 2 });
    expect(taskOnly.every(Number.isFinite)).toBe(true);
  });
  it('default split on a larger problem: an isotropic spectrum over r directions', async () => {
    const experts = [1, 2, 3, 4].map((s) => withSpectrum(24, 20, Array.from({ length: 20 }, (_, i) => 1 / (1 + i)), s * 7));
    const out = await run(isoCtsMethod, [24, 20], experts, params(isoCtsMethod));
    const res = svd(asMatrix(24, 20, out));
    // r = 20, k₀ = 16, (20 − 16)/4 = 1 → k = 16, s = 1: 20 directions, all with one σ.
    for (let i = 1; i < 20; i++) expect(res.S[i]! / res.S[0]!).toBeCloseTo(1, 5);
  });
});

describe('TSV-M', () => {
  it('of one task at full rank returns the task vector', async () => {
    const base = Float32Array.from({ length: 70 }, (_, i) => Math.cos(i));
    const x = Float32Array.from(gaussianMatrix(10, 7, seededUniform(4)).data).map((v, i) => v + base[i]!);
    expectClose(await run(tsvMethod, [10, 7], [x], params(tsvMethod), base), x, 1e-5);
    expectClose(await run(tsvMethod, [7, 10], [x], params(tsvMethod), base), x, 1e-5);
  });
  it('hand-computed: tasks in orthogonal subspaces add up (nothing to decorrelate)', async () => {
    const out = await run(tsvMethod, [3, 3], [rows([[3, 0, 0], [0, 0, 0], [0, 0, 0]]), rows([[0, 0, 0], [0, 0, 2], [0, 0, 0]])], params(tsvMethod, { alpha: 0.5 }));
    expectClose(out, [1.5, 0, 0, 0, 0, 1, 0, 0, 0], 1e-6);
  });
  it('keeps r/T directions per task and decorrelates them: U and V of the result are orthonormal', async () => {
    const experts = [1, 2, 3].map((s) => withSpectrum(18, 12, Array.from({ length: 12 }, (_, i) => 2 / (1 + i)), s * 5));
    const out = await run(tsvMethod, [18, 12], experts, params(tsvMethod));
    // r = 12, T = 3: 4 per task; the result is U·diag(σ)·Vᵀ with U, V orthonormal, so its
    // singular values are the 12 kept σ's: each task's top 4 (2, 1, 2/3, 1/2), three times.
    const res = svd(asMatrix(18, 12, out));
    const expected = [2, 2, 2, 1, 1, 1, 2 / 3, 2 / 3, 2 / 3, 0.5, 0.5, 0.5];
    expected.forEach((s, i) => expect(res.S[i]).toBeCloseTo(s, 5));
  });
  it('rank cap: r/T directions per task from the randomized SVD', async () => {
    const experts = [1, 2].map((s) => withSpectrum(64, 48, Array.from({ length: 48 }, (_, i) => 0.8 ** i), s * 13));
    const out = await run(tsvMethod, [64, 48], experts, params(tsvMethod, { rank: 0.25 })); // r = 12, 6 per task
    const res = svd(asMatrix(64, 48, out));
    expect(res.S[11]).toBeGreaterThan(0.1);
    expect(res.S[12]).toBeLessThan(1e-5);
  });
});

describe('all three', () => {
  it('average 1-D tensors: base + α·mean(xᵢ − base)', async () => {
    const base = Float32Array.of(1, 2);
    const experts = [Float32Array.of(3, 2), Float32Array.of(1, 6)]; // deltas (2, 0), (0, 4): mean (1, 2)
    for (const m of SUBSPACE_METHODS) {
      expect(await run(m, [2], experts, params(m), base)).toEqual(Float32Array.of(2, 4));
      expect(await run(m, [2], experts, params(m, { alpha: 0.5 }), base)).toEqual(Float32Array.of(1.5, 3));
    }
  });
  it('with the base alone, return the base; α = 0 returns the base', async () => {
    const base = Float32Array.of(1, 2, 3, 4);
    for (const m of SUBSPACE_METHODS) {
      const only = await m.merge({ ...call([2, 2], [], params(m), base), inputs: [input('base', base, true)] });
      expect(only).toEqual(base);
      expect(await run(m, [2, 2], [Float32Array.of(5, 1, 2, 0)], params(m, { alpha: 0 }), base)).toEqual(base);
    }
  });
  it('identical experts leave a zero task vector at zero', async () => {
    const base = Float32Array.of(1, 2, 3, 4, 5, 6);
    for (const m of SUBSPACE_METHODS) expect(await run(m, [3, 2], [base, base], params(m), base)).toEqual(base);
  });
  it('are deterministic from the seed (randomized SVD path included)', async () => {
    const experts = [1, 2, 3].map((s) => withSpectrum(40, 32, Array.from({ length: 32 }, (_, i) => 0.9 ** i), s * 3));
    for (const m of SUBSPACE_METHODS) {
      const p = params(m, { rank: 0.25 });
      const a = await run(m, [40, 32], experts, p, undefined, 5);
      const b = await run(m, [40, 32], experts, p, undefined, 5);
      expect(a).toEqual(b);
      expect(a.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('end to end: planRecipe + executePlan on toy models', () => {
  const layers = 2;
  const hidden = 8;
  const catalog = new Map<string, ModelSource>([
    ['base', toyModel({ layers, hidden, seed: 1 })],
    ['a', toyModel({ layers, hidden, seed: 2 })],
    ['b', toyModel({ layers, hidden, seed: 3 })],
  ]);
  const tensors = Object.fromEntries(['base', 'a', 'b'].map((id, i) => [id, toyTensors({ layers, hidden, seed: i + 1 })]));

  for (const method of SUBSPACE_METHODS) {
    it(`${method.name}: every tensor merged, norms averaged, matrices as the method computes them, same bytes twice`, async () => {
      const stage: RecipeStage = { name: 'merged', merge_method: method.name, base_model: 'base', models: [{ model: 'a' }, { model: 'b' }], random_seed: 3 };
      const recipe: Recipe = { version: 1, stages: [stage] };
      const planned = planRecipe(recipe, catalog);
      if (!planned.ok) throw new Error(planned.issues.map((i) => i.message).join('\n'));
      const out = await executePlan(planned.plan, catalog);
      const again = await executePlan(planned.plan, catalog);
      expect([...out.keys()]).toEqual([...tensors.base!.keys()]);
      for (const [name, t] of out) {
        expect(t.shape).toEqual(tensors.base!.get(name)!.shape);
        expect(t.data).toEqual(again.get(name)!.data);
        expect(t.data.every(Number.isFinite)).toBe(true);
      }
      // Norms: base + mean of the deltas (toy values are multiples of 1/64: exact).
      const norm = 'model.norm.weight';
      const [b, x, y] = [tensors.base!, tensors.a!, tensors.b!].map((m) => m.get(norm)!.data);
      expect(out.get(norm)!.data).toEqual(b!.map((v, i) => v + ((x![i]! - v) + (y![i]! - v)) / 2));
      // A matrix: what the method computes on the same inputs and the same seeded rng.
      const q = 'model.layers.1.self_attn.q_proj.weight';
      const direct = await method.merge({
        ...call([hidden, hidden], [tensors.a!.get(q)!.data, tensors.b!.get(q)!.data], params(method), tensors.base!.get(q)!.data),
        tensorName: q,
        rng: seededRng(3, q),
      });
      expect(out.get(q)!.data).toEqual(direct);
      // And it moved away from the base by a task vector of sensible size.
      const moved = asMatrix(hidden, hidden, out.get(q)!.data.map((v, i) => v - tensors.base!.get(q)!.data[i]!));
      expect(frobeniusNorm(moved)).toBeGreaterThan(0.1);
    });
  }
});
