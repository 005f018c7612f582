import { describe, expect, it } from 'vitest';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { executePlan, type ModelSource } from '../executor';
import type { MergeMethodDefinition, MethodInput, MethodTensorInput } from '../method';
import type { ResolvedParams } from '../parameters';
import { planRecipe } from '../planner';
import { getMergeMethod } from '../registry';
import { seededRng } from '../rng';
import { toyModel, toyTensors } from '@/testing/toyModel';
import { breadcrumbsMethod } from './breadcrumbs';
import { dareTiesMethod } from './dareTies';
import { dellaMethod } from './della';
import { sceMethod } from './sce';
import { taskArithmeticMethod } from './taskArithmetic';
import { TASK_VECTOR_METHODS } from './taskVectorFamily';
import { tiesMethod } from './ties';

const NAME = 'model.layers.0.mlp.up_proj.weight';

function input(model: string, values: readonly number[], params: ResolvedParams, isBase = false): MethodTensorInput {
  return { model, tensorName: NAME, data: Float32Array.from(values), params, isBase };
}

/** A merge call: the base first, then models `[values, tensor params]`; global params completed with the method's defaults. */
function call(
  method: MergeMethodDefinition,
  base: readonly number[],
  models: [readonly number[], ResolvedParams][],
  params: ResolvedParams = {},
  options: { name?: string; shape?: number[]; seed?: number } = {},
): Float32Array {
  const defaults = (defs: MergeMethodDefinition['parameters'], given: ResolvedParams) =>
    Object.fromEntries(defs.filter((d) => d.default !== undefined).map((d) => [d.name, given[d.name] ?? d.default!]));
  const baseInput = input('base', base, {}, true);
  const inputs = [baseInput, ...models.map(([v, p], i) => input(`m${i}`, v, { ...defaults(method.tensorParameters, p), ...p }))];
  const name = options.name ?? NAME;
  const request: MethodInput = {
    tensorName: name,
    shape: options.shape ?? [base.length],
    info: { layer: 0, role: 'mlp', group: 'mlp' },
    inputs,
    base: baseInput,
    params: { ...defaults(method.parameters, params), ...params },
    rng: seededRng(options.seed ?? 0, name),
  };
  return method.merge(request) as Float32Array;
}

const plus = (base: readonly number[], delta: readonly number[]) => base.map((b, j) => b + delta[j]!);

describe('parameters and defaults, as mergekit declares them', () => {
  const table = (m: MergeMethodDefinition) => ({
    global: Object.fromEntries(m.parameters.map((p) => [p.name, p.default])),
    perModel: Object.fromEntries(m.tensorParameters.map((p) => [p.name, p.required ? 'required' : p.default])),
  });
  const gta = (normalize: boolean, rescale: boolean, extra: Record<string, number> = {}) => ({
    global: { int8_mask: false, normalize, rescale, lambda: 1 },
    perModel: { weight: 'required', density: 1, ...extra },
  });

  it('per method', () => {
    const byName = Object.fromEntries(TASK_VECTOR_METHODS.map((m) => [m.name, table(m)]));
    expect(byName).toEqual({
      ties: gta(true, false),
      dare_ties: gta(false, true),
      dare_linear: gta(false, true),
      breadcrumbs: gta(false, false, { gamma: 0.01 }),
      breadcrumbs_ties: gta(false, false, { gamma: 0.01 }),
      della: gta(true, true, { epsilon: 0.15 }),
      della_linear: gta(false, true, { epsilon: 0.15 }),
      sce: { global: { int8_mask: false, select_topk: 1 }, perModel: {} },
    });
    for (const m of TASK_VECTOR_METHODS) {
      expect(getMergeMethod(m.name)).toBe(m);
      expect(m.baseModel).toBe('required');
      expect(m.inMergekit).toBe(true);
      for (const p of [...m.parameters, ...m.tensorParameters]) {
        expect(p.description.length).toBeGreaterThan(10);
        if (p.kind === 'number') expect(p.range).toBeDefined();
      }
    }
  });
});

describe('ties', () => {
  it('one model, density 1: task arithmetic (normalize divides by the weight)', () => {
    const rng = seededRng(1, 'v');
    const base = Array.from({ length: 64 }, () => rng.next() - 0.5);
    const x = Array.from({ length: 64 }, () => rng.next() - 0.5);
    for (const [weight, lambda, normalize] of [
      [1, 1, true],
      [0.3, 1.7, true],
      [0.3, 0.5, false],
      [-0.5, 1, true],
    ] as const) {
      const ties = call(tiesMethod, base, [[x, { weight }]], { lambda, normalize });
      const ta = call(taskArithmeticMethod, base, [[x, { weight }]], { lambda, normalize });
      ties.forEach((v, j) => expect(v).toBeCloseTo(ta[j]!, 6));
      // Normalized, one model is base + λ·δ whatever its weight.
      if (normalize) ties.forEach((v, j) => expect(v).toBeCloseTo(base[j]! + lambda * (x[j]! - base[j]!), 6));
    }
    // Exact on values exact in fp32.
    const exact = call(tiesMethod, [1, 2, 3, 4], [[[1.5, 0, 3, 6], { weight: 1 }]]);
    expect(exact).toEqual(call(taskArithmeticMethod, [1, 2, 3, 4], [[[1.5, 0, 3, 6], { weight: 1 }]], { normalize: true }));
  });

  it('hand-worked: trim to density, elect signs, disjoint mean', () => {
    const base = [1, 1, 1, 1, 1, 1];
    // Task vectors; density 0.5 keeps int(0.5·6) = 3 entries of each:
    const t1 = [4, -1, 2, 0.5, -3, 1]; //   → [4, 0, 2, 0, −3, 0]
    const t2 = [3.5, 3, 1, -4, 2.5, -1]; // → [3.5, 3, 0, −4, 0, 0]
    const t3 = [1, -5, -6, 2, 1.5, 3]; //   → [0, −5, −6, 0, 0, 3]
    const models: [number[], ResolvedParams][] = [
      [plus(base, t1), { weight: 1, density: 0.5 }],
      [plus(base, t2), { weight: 2, density: 0.5 }],
      [plus(base, t3), { weight: 0.5, density: 0.5 }],
    ];
    // Weighted: [4, 0, 2, 0, −3, 0], [7, 6, 0, −8, 0, 0], [0, −2.5, −3, 0, 0, 1.5]
    // Sums:      11,  3.5, −1,  −8,  −3,  1.5 → signs + + − − − +
    // Agreeing:  {1,2} {2} {3} {2} {1} {3}
    // Mixed:     11,  6,  −3,  −8,  −3,  1.5;  divisors 3, 2, 0.5, 2, 1, 0.5
    const normalized = call(tiesMethod, base, models);
    [11 / 3, 3, -6, -4, -3, 3].forEach((d, j) => expect(normalized[j]).toBeCloseTo(1 + d, 6));
    const summed = call(tiesMethod, base, models, { normalize: false, lambda: 0.5 });
    [11, 6, -3, -8, -3, 1.5].forEach((d, j) => expect(summed[j]).toBeCloseTo(1 + 0.5 * d, 6));
  });

  it('a sum of exactly zero elects +; equal magnitudes at the cut are kept by index', () => {
    // 2·1 + 1·(−2) = 0 → +: only the first model agrees, divided by its weight.
    expect(call(tiesMethod, [0], [[[1], { weight: 2 }], [[-2], { weight: 1 }]])).toEqual(Float32Array.of(1));
    // |δ| all 1, density 0.5: the first two entries.
    expect(call(tiesMethod, [0, 0, 0, 0], [[[1, -1, 1, 1], { weight: 1, density: 0.5 }]])).toEqual(Float32Array.of(1, -1, 0, 0));
  });

  it('rescale scales the trimmed task vector to its L1 norm', () => {
    // Kept [4, 0, 0, −2] of [4, 1, 1, −2]: ×8/6.
    const out = call(tiesMethod, [0, 0, 0, 0], [[[4, 1, 1, -2], { weight: 1, density: 0.5 }]], { rescale: true });
    [16 / 3, 0, 0, -8 / 3].forEach((v, j) => expect(out[j]).toBeCloseTo(v, 5));
  });

  it('the base alone is the base; zero weights are no votes', () => {
    expect(call(tiesMethod, [1, 2], [])).toEqual(Float32Array.of(1, 2));
    expect(call(tiesMethod, [1, 2], [[[5, 5], { weight: 0 }]])).toEqual(Float32Array.of(1, 2));
  });
});

describe('breadcrumbs', () => {
  it('hand-worked cut-offs: the gamma largest and the smallest dropped', () => {
    const base = Array.from({ length: 10 }, () => 0.5);
    const delta = [1, -2, 3, -4, 5, -6, 7, -8, 9, -10];
    // density 0.5, gamma 0.1: keeps |δ| 5..9 (target 5, n_top 1, n_bot 4).
    const out = call(breadcrumbsMethod, base, [[plus(base, delta), { weight: 1, density: 0.5, gamma: 0.1 }]]);
    expect([...out]).toEqual(plus(base, [0, 0, 0, 0, 5, -6, 7, -8, 9, 0]));
    // Default gamma 0.01 on 10 entries: int(0.1) = 0 outliers, and mergekit's slice keeps nothing.
    expect([...call(breadcrumbsMethod, base, [[plus(base, delta), { weight: 1, density: 0.5 }]])]).toEqual(base);
  });
});

describe('della', () => {
  it('keeps larger magnitudes more often (rank within the row) and is deterministic per tensor', () => {
    const rows = 4000;
    const base = new Array(rows * 4).fill(0);
    const x = base.map((_, j) => (j % 4) + 1); // every row: magnitudes 1, 2, 3, 4
    const run = (name: string) =>
      call(dellaMethod, base, [[x, { weight: 1, density: 0.5, epsilon: 0.3 }]], { rescale: false }, { name, shape: [rows, 4] });
    const out = run(NAME);
    // Probabilities 0.2, 0.4, 0.6, 0.8 by rank.
    [0.2, 0.4, 0.6, 0.8].forEach((p, col) => {
      let kept = 0;
      for (let r = 0; r < rows; r++) kept += out[r * 4 + col] !== 0 ? 1 : 0;
      expect(Math.abs(kept / rows - p)).toBeLessThan(0.03);
    });
    expect(run(NAME)).toEqual(out);
    expect(run('model.layers.1.mlp.up_proj.weight')).not.toEqual(out);
  });
});

describe('dare_ties', () => {
  const n = 100_000;
  const rng = seededRng(9, 'v');
  const base = Array.from({ length: n }, () => rng.next() - 0.5);
  const x = base.map((b) => b + (rng.next() - 0.2));

  it('keeps about density of the entries and preserves the expected sum when rescaled', () => {
    const out = call(dareTiesMethod, base, [[x, { weight: 1, density: 0.3 }]]);
    let kept = 0;
    let sum = 0;
    let expected = 0;
    for (let j = 0; j < n; j++) {
      if (out[j] !== Math.fround(base[j]!)) kept++;
      sum += out[j]! - Math.fround(base[j]!);
      expected += Math.fround(x[j]!) - Math.fround(base[j]!);
    }
    expect(Math.abs(kept / n - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(sum - expected) / expected).toBeLessThan(0.05);
  });

  it('same seed and tensor name, same bytes; another name or seed, another mask', () => {
    const models: [number[], ResolvedParams][] = [
      [x, { weight: 1, density: 0.5 }],
      [base.map((b, j) => b - x[j]! / 2), { weight: 0.7, density: 0.5 }],
    ];
    const a = call(dareTiesMethod, base, models);
    expect(call(dareTiesMethod, base, models)).toEqual(a);
    expect(call(dareTiesMethod, base, models, {}, { name: 'model.layers.1.mlp.up_proj.weight' })).not.toEqual(a);
    expect(call(dareTiesMethod, base, models, {}, { seed: 1 })).not.toEqual(a);
  });
});

describe('sce', () => {
  it('hand-worked: mean-square weights, sign election, no selection', () => {
    // tv1 = [1, −2, 3, 0], tv2 = [3, 2, −1, 1]; mean squares 3.5 and 3.75 (sum 7.25).
    // Signs of the sums: + (4), + (0: elects +), + (2), + (1).
    const out = call(sceMethod, [0, 0, 0, 0], [[[1, -2, 3, 0], {}], [[3, 2, -1, 1], {}]]);
    [(3.5 * 1 + 3.75 * 3) / 7.25, 2, 3, 1].forEach((v, j) => expect(out[j]).toBeCloseTo(v, 6));
  });

  it('select_topk keeps the positions of largest variance across models', () => {
    // Variances 1, 4, 4, 0.25; k = int(4·0.5) = 2 keeps positions 1 and 2.
    const out = call(sceMethod, [0, 0, 0, 0], [[[1, -2, 3, 0], {}], [[3, 2, -1, 1], {}]], { select_topk: 0.5 });
    [0, 2, 3, 0].forEach((v, j) => expect(out[j]).toBeCloseTo(v, 6));
    expect([...call(sceMethod, [5, 6], [[[1, 2], {}]], { select_topk: 0 })]).toEqual([5, 6]);
  });
});

describe('planning: what mergekit would refuse is reported up front', () => {
  const sources = new Map<string, ModelSource>([
    ['base', toyModel({ layers: 2, seed: 1 })],
    ['a', toyModel({ layers: 2, seed: 2 })],
  ]);
  const issues = (stage: Omit<RecipeStage, 'name'>) => {
    const r = planRecipe({ version: 1, stages: [{ name: 's', ...stage }] }, sources);
    return r.ok ? [] : r.issues.map((i) => i.message);
  };
  it('della with density ± epsilon outside (0, 1); ties with density 0', () => {
    expect(issues({ merge_method: 'della', base_model: 'base', models: [{ model: 'a', parameters: { weight: 1, density: 0.1 } }] })).toEqual([
      expect.stringMatching(/density 0\.1 ± epsilon 0\.15/),
    ]);
    expect(issues({ merge_method: 'della', base_model: 'base', models: [{ model: 'a', parameters: { weight: 1, density: 0.5 } }] })).toEqual([]);
    expect(issues({ merge_method: 'ties', base_model: 'base', models: [{ model: 'a', parameters: { weight: 1, density: 0 } }] })).toEqual([
      expect.stringMatching(/prune the whole task vector/),
    ]);
  });
});

describe('executor: every method end to end on toy models', () => {
  const layers = 3;
  const sources = new Map<string, ModelSource>([
    ['base', toyModel({ layers, seed: 1 })],
    ['math', toyModel({ layers, seed: 2 })],
    ['code', toyModel({ layers, seed: 3 })],
    ['chat', toyModel({ layers, seed: 4 })],
  ]);
  const experts = ['math', 'code', 'chat'];
  /** mergekit parameter names, as a mergekit YAML would give them. */
  const perModel: Record<string, Record<string, number>> = {
    ties: { weight: 1, density: 0.5 },
    dare_ties: { weight: 1, density: 0.5 },
    dare_linear: { weight: 0.4, density: 0.6 },
    breadcrumbs: { weight: 0.5, density: 0.6, gamma: 0.1 },
    breadcrumbs_ties: { weight: 0.5, density: 0.6, gamma: 0.1 },
    della: { weight: 1, density: 0.5, epsilon: 0.1 },
    della_linear: { weight: 0.5, density: 0.5, epsilon: 0.1 },
    sce: {},
  };
  const global: Record<string, Record<string, number | boolean>> = {
    ties: { normalize: true, lambda: 0.8, int8_mask: true },
    dare_ties: { rescale: true, lambda: 1.2 },
    dare_linear: { normalize: true },
    breadcrumbs: { lambda: 1 },
    breadcrumbs_ties: { normalize: true },
    della: { lambda: 1, rescale: false },
    della_linear: { rescale: true },
    sce: { select_topk: 0.5, int8_mask: false },
  };

  async function run(method: string, seed = 0): Promise<NamedTensors> {
    const recipe: Recipe = {
      version: 1,
      stages: [
        {
          name: 'merged',
          merge_method: method,
          base_model: 'base',
          models: experts.map((model) => ({ model, parameters: perModel[method]! })),
          parameters: global[method]!,
          random_seed: seed,
        },
      ],
    };
    const planned = planRecipe(recipe, sources);
    if (!planned.ok) throw new Error(planned.issues.map((i) => i.message).join('\n'));
    expect(planned.plan.warnings).toEqual([]);
    return executePlan(planned.plan, sources);
  }

  for (const method of TASK_VECTOR_METHODS.map((m) => m.name)) {
    it(method, async () => {
      const out = await run(method);
      const base = toyTensors({ layers, seed: 1 });
      expect([...out.keys()]).toEqual([...base.keys()]);
      let changed = 0;
      for (const [name, t] of out) {
        expect(t.shape).toEqual(base.get(name)!.shape);
        expect(t.data.every(Number.isFinite)).toBe(true);
        changed += t.data.filter((v, j) => v !== base.get(name)!.data[j]).length;
      }
      expect(changed).toBeGreaterThan(0);
      // The same recipe gives the same bytes.
      const again = await run(method);
      for (const [name, t] of out) expect(again.get(name)!.data).toEqual(t.data);
    });
  }

  it('random_seed changes DARE’s masks, not TIES’s', async () => {
    const differs = (a: NamedTensors, b: NamedTensors) => [...a].some(([name, t]) => t.data.some((v, j) => v !== b.get(name)!.data[j]));
    expect(differs(await run('dare_ties', 0), await run('dare_ties', 1))).toBe(true);
    expect(differs(await run('ties', 0), await run('ties', 1))).toBe(false);
  });
});
