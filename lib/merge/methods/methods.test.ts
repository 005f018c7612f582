import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MethodInput, MethodTensorInput } from '../method';
import type { ResolvedParams } from '../parameters';
import { MERGE_METHODS, getMergeMethod, mergeMethodNames } from '../registry';
import { seededRng } from '../rng';
import { linearMethod } from './linear';
import { passthroughMethod } from './passthrough';
import { taskArithmeticMethod } from './taskArithmetic';

function input(model: string, values: readonly number[], params: ResolvedParams, isBase = false): MethodTensorInput {
  return { model, tensorName: 'model.layers.0.mlp.up_proj.weight', data: Float32Array.from(values), params, isBase };
}

function call(inputs: MethodTensorInput[], params: ResolvedParams): MethodInput {
  const n = inputs[0]!.data.length;
  return {
    tensorName: 'model.layers.0.mlp.up_proj.weight',
    shape: [n],
    info: { layer: 0, role: 'mlp', group: 'mlp' },
    inputs,
    base: inputs.find((i) => i.isBase) ?? null,
    params,
    rng: seededRng(0, 'x'),
  };
}

const values = fc.array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 32 });

describe('registry', () => {
  it('holds one definition per name, each declaring its parameters in one place', () => {
    // Every method mergekit users expect, and the subspace methods beyond mergekit, once each.
    const expected = [
      'linear', 'task_arithmetic', 'ties', 'dare_ties', 'dare_linear', 'breadcrumbs', 'breadcrumbs_ties', 'della', 'della_linear',
      'slerp', 'nuslerp', 'multislerp', 'karcher', 'model_stock', 'sce', 'nearswap', 'passthrough', 'tsv', 'iso_c', 'iso_cts',
    ];
    expect([...mergeMethodNames()].sort()).toEqual([...expected].sort());
    expect(getMergeMethod('linear')).toBe(linearMethod);
    expect(getMergeMethod('no_such_method')).toBeUndefined();
    for (const m of MERGE_METHODS) {
      const names = [...m.parameters, ...m.tensorParameters].map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      for (const p of [...m.parameters, ...m.tensorParameters]) expect(p.description.length).toBeGreaterThan(0);
    }
  });
  it('mergekit defaults', () => {
    expect(linearMethod.parameters).toEqual([expect.objectContaining({ name: 'normalize', default: true, required: false })]);
    expect(linearMethod.tensorParameters).toEqual([expect.objectContaining({ name: 'weight', required: true })]);
    const ta = Object.fromEntries(taskArithmeticMethod.parameters.map((p) => [p.name, p.default]));
    expect(ta).toEqual({ lambda: 1, normalize: false });
    expect(taskArithmeticMethod.baseModel).toBe('required');
    expect(passthroughMethod.inputs).toEqual({ min: 1, max: 1 });
    expect(passthroughMethod.tensorParameters).toEqual([expect.objectContaining({ name: 'scale', required: false })]);
    expect('default' in passthroughMethod.tensorParameters[0]!).toBe(false); // mergekit default_value=None
  });
});

describe('linear', () => {
  it('hand-computed: normalize on and off', async () => {
    const inputs = [input('a', [1, 2], { weight: 1 }), input('b', [3, 4], { weight: 3 })];
    expect(await linearMethod.merge(call(inputs, { normalize: true }))).toEqual(Float32Array.of(2.5, 3.5)); // (1+9)/4, (2+12)/4
    expect(await linearMethod.merge(call(inputs, { normalize: false }))).toEqual(Float32Array.of(10, 14));
  });
  it('of one model is that model (weight 1 exactly; any weight within rounding)', () => {
    fc.assert(
      fc.property(values, fc.double({ min: 0.01, max: 100, noNaN: true }), (x, w) => {
        const one = linearMethod.merge(call([input('a', x, { weight: 1 })], { normalize: true })) as Float32Array;
        one.forEach((v, j) => expect(v === Math.fround(x[j]!)).toBe(true)); // -0 becomes +0: fine
        const any = linearMethod.merge(call([input('a', x, { weight: w })], { normalize: true })) as Float32Array;
        any.forEach((v, j) => expect(v).toBeCloseTo(Math.fround(x[j]!), 4));
      }),
    );
  });
  it('refuses to normalize weights that sum to zero', () => {
    expect(() => linearMethod.merge(call([input('a', [1], { weight: 1 }), input('b', [1], { weight: -1 })], { normalize: true }))).toThrow(/sum to 0/);
    expect(linearMethod.checkTensor?.({ tensorName: 't', params: { normalize: true }, inputs: [{ model: 'a', params: { weight: 0 }, isBase: false }] })).toMatch(/divide by zero/);
    expect(linearMethod.checkTensor?.({ tensorName: 't', params: { normalize: false }, inputs: [{ model: 'a', params: { weight: 0 }, isBase: false }] })).toBeUndefined();
  });
});

describe('task_arithmetic', () => {
  const base = (v: number[]) => input('base', v, {}, true);
  it('hand-computed: base + λ·Σ wᵢ(xᵢ − base) [/ Σ wᵢ]', async () => {
    const inputs = [input('math', [3, 5], { weight: 0.5 }), input('code', [-1, 1], { weight: 0.25 }), base([1, 2])];
    // deltas: math (2, 3), code (-2, -1); mixed = (1 - 0.5, 1.5 - 0.25) = (0.5, 1.25)
    expect(await taskArithmeticMethod.merge(call(inputs, { lambda: 2, normalize: false }))).toEqual(Float32Array.of(2, 4.5));
    // normalized by 0.75: (2/3, 5/3), ×2 → (4/3, 10/3)
    const n = (await taskArithmeticMethod.merge(call(inputs, { lambda: 2, normalize: true }))) as Float32Array;
    expect(n[0]).toBeCloseTo(1 + 4 / 3, 6);
    expect(n[1]).toBeCloseTo(2 + 10 / 3, 6);
  });
  it('the base listed among the models adds nothing, and its weight is not in Σ wᵢ (mergekit get_task_vectors)', async () => {
    const withBaseWeight = [input('math', [3, 5], { weight: 0.5 }), { ...base([1, 2]), params: { weight: 10 } }];
    const without = [input('math', [3, 5], { weight: 0.5 }), base([1, 2])];
    for (const normalize of [false, true]) {
      expect(await taskArithmeticMethod.merge(call(withBaseWeight, { lambda: 1, normalize }))).toEqual(
        await taskArithmeticMethod.merge(call(without, { lambda: 1, normalize })),
      );
    }
    expect(await taskArithmeticMethod.merge(call(without, { lambda: 1, normalize: true }))).toEqual(Float32Array.of(3, 5));
  });
  it('with only the base, returns the base', async () => {
    expect(await taskArithmeticMethod.merge(call([base([1, 2])], { lambda: 1, normalize: true }))).toEqual(Float32Array.of(1, 2));
  });
  it('normalize with Σ wᵢ ≈ 0 divides by 1, as mergekit does', async () => {
    const inputs = [input('a', [2], { weight: 1 }), input('b', [4], { weight: -1 }), base([1])];
    expect(await taskArithmeticMethod.merge(call(inputs, { lambda: 1, normalize: true }))).toEqual(Float32Array.of(-1)); // 1 + (1 - 3)
  });
  it('λ = 0 is the base (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.float({ min: -100, max: 100, noNaN: true }), fc.float({ min: -100, max: 100, noNaN: true })), { minLength: 1, maxLength: 16 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.boolean(), (pairs, w, normalize) => {
        const b = pairs.map((p) => p[0]);
        const x = pairs.map((p) => p[1]);
        const out = taskArithmeticMethod.merge(call([input('m', x, { weight: w }), base(b)], { lambda: 0, normalize })) as Float32Array;
        // Exactly the base (+0 and -0 compare equal: base + 0).
        out.forEach((v, j) => expect(v === Math.fround(b[j]!)).toBe(true));
      }),
    );
  });
  it('one model, weight 1, λ 1 is that model (property, within fp32 rounding of x − base)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.float({ min: -100, max: 100, noNaN: true }), fc.float({ min: -100, max: 100, noNaN: true })), { minLength: 1, maxLength: 16 }), fc.boolean(), (pairs, normalize) => {
        const b = pairs.map((p) => p[0]);
        const x = pairs.map((p) => p[1]);
        const out = taskArithmeticMethod.merge(call([input('m', x, { weight: 1 }), base(b)], { lambda: 1, normalize })) as Float32Array;
        out.forEach((v, j) => expect(Math.abs(v - Math.fround(x[j]!))).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[j]!) + Math.abs(x[j]!))));
      }),
    );
  });
});

describe('passthrough', () => {
  it('copies its input, scaled when asked', async () => {
    const x = input('a', [1, -2], {});
    const copy = (await passthroughMethod.merge(call([x], {}))) as Float32Array;
    expect(copy).toEqual(Float32Array.of(1, -2));
    expect(copy).not.toBe(x.data);
    expect(await passthroughMethod.merge(call([{ ...x, params: { scale: 0.5 } }], {}))).toEqual(Float32Array.of(0.5, -1));
  });
  it('refuses more than one input', () => {
    expect(() => passthroughMethod.merge(call([input('a', [1], {}), input('b', [1], {})], {}))).toThrow(/exactly one/);
  });
});
