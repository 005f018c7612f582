import { describe, expect, it } from 'vitest';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import type { ModelManifest, PlanIssue } from './planner';
import { planRecipe, renameTensorLayer, type MergePlan, type TensorPlan } from './planner';
import { toyModel, toyShapes, toyTensorInfo } from '@/testing/toyModel';

const catalog = new Map<string, ModelManifest>([
  ['base', toyModel({ layers: 4, seed: 1 })],
  ['math', toyModel({ layers: 4, seed: 2 })],
  ['code', toyModel({ layers: 4, seed: 3 })],
  ['tall', toyModel({ layers: 6, seed: 4 })],
]);

function recipeOf(...stages: RecipeStage[]): Recipe {
  return { version: 1, stages };
}

function planOf(...stages: RecipeStage[]): MergePlan {
  const result = planRecipe(recipeOf(...stages), catalog);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.at}: ${i.message}`).join('\n'));
  return result.plan;
}

function issuesOf(...stages: RecipeStage[]): readonly PlanIssue[] {
  const result = planRecipe(recipeOf(...stages), catalog);
  if (result.ok) throw new Error('expected the plan to fail');
  return result.issues;
}

function tensorOf(plan: MergePlan, name: string, stage = 0): TensorPlan {
  const t = plan.stages[stage]!.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no planned tensor ${name}`);
  return t;
}

const Q = (layer: number) => `model.layers.${layer}.self_attn.q_proj.weight`;
const UP = (layer: number) => `model.layers.${layer}.mlp.up_proj.weight`;

describe('renameTensorLayer', () => {
  it('moves a tensor name to another layer', () => {
    expect(renameTensorLayer('model.layers.3.mlp.up_proj.weight', 3, 12)).toBe('model.layers.12.mlp.up_proj.weight');
    expect(renameTensorLayer('model.layers.1.mlp.up_proj.weight', 3, 12)).toBeUndefined();
    expect(renameTensorLayer('3.x', 3, 4)).toBeUndefined(); // the first segment is never a layer index
  });
});

describe('planner: models syntax', () => {
  const linear: RecipeStage = {
    name: 'soup',
    merge_method: 'linear',
    models: [
      { model: 'math', parameters: { weight: 0.25 } },
      { model: 'code', parameters: { weight: 0.75 } },
    ],
  };

  it('plans every tensor in order: embeddings, layers, then norm and head', () => {
    const plan = planOf(linear);
    expect(plan.output).toBe('soup');
    expect(plan.run).toEqual(['soup']);
    const names = plan.stages[0]!.tensors.map((t) => t.name);
    expect(names).toEqual(['model.embed_tokens.weight', ...[...toyShapes(4).keys()].filter((n) => n.startsWith('model.layers.')), 'model.norm.weight', 'lm_head.weight']);
    expect(plan.stages[0]!.layerCount).toBe(4);
  });

  it('resolves per-model weights and the default normalize', () => {
    const t = tensorOf(planOf(linear), Q(2));
    expect(t.params).toEqual({ normalize: true });
    expect(t.origins).toEqual({ normalize: 'default' });
    expect(t.sources).toEqual([
      { model: 'math', tensor: Q(2), isBase: false, params: { weight: 0.25 }, origins: { weight: 'model' } },
      { model: 'code', tensor: Q(2), isBase: false, params: { weight: 0.75 }, origins: { weight: 'model' } },
    ]);
    expect(t.shape).toEqual([4, 4]);
    expect(t.info).toEqual(toyTensorInfo(Q(2)));
  });

  it('evaluates gradients at the layer position t = i/(N-1); tensors outside the layers at t = 0', () => {
    const plan = planOf({ ...linear, models: [{ model: 'math', parameters: { weight: [0, 1] } }, { model: 'code', parameters: { weight: 1 } }] });
    expect([0, 1, 2, 3].map((l) => tensorOf(plan, Q(l)).t)).toEqual([0, 1 / 3, 2 / 3, 1]);
    expect([0, 1, 2, 3].map((l) => tensorOf(plan, Q(l)).sources[0]!.params.weight)).toEqual([0, 1 / 3, 2 / 3, 1]);
    expect(tensorOf(plan, 'lm_head.weight').sources[0]!.params.weight).toBe(0);
    expect(tensorOf(plan, 'model.embed_tokens.weight').t).toBe(0);
  });

  it('applies filter lists per tensor name', () => {
    const plan = planOf({
      ...linear,
      parameters: { weight: [{ filter: 'self_attn', value: 0.1 }, { filter: 'mlp', value: 0.2 }, { value: 0.3 }] },
      models: [{ model: 'math' }, { model: 'code', parameters: { weight: [{ filter: 'mlp', value: 0.9 }] } }],
    });
    expect(tensorOf(plan, Q(0)).sources.map((s) => [s.params.weight, s.origins.weight])).toEqual([[0.1, 'global'], [0.1, 'global']]);
    expect(tensorOf(plan, UP(0)).sources.map((s) => [s.params.weight, s.origins.weight])).toEqual([[0.2, 'global'], [0.9, 'model']]);
    expect(tensorOf(plan, 'model.norm.weight').sources.map((s) => s.params.weight)).toEqual([0.3, 0.3]);
  });

  it('per-model beats global; booleans coerce like Python', () => {
    const plan = planOf({ ...linear, parameters: { weight: 0.5, normalize: 0 }, models: [{ model: 'math' }, { model: 'code', parameters: { weight: 2 } }] });
    const t = tensorOf(plan, Q(1));
    expect(t.sources.map((s) => s.params.weight)).toEqual([0.5, 2]);
    expect(t.params).toEqual({ normalize: false });
  });

  it('adds an unlisted base_model as one more input (mergekit normalize_config)', () => {
    const plan = planOf({
      name: 'ta',
      merge_method: 'task_arithmetic',
      base_model: 'base',
      models: [{ model: 'math', parameters: { weight: 0.5 } }],
      parameters: { lambda: 0.8 },
    });
    const t = tensorOf(plan, UP(3));
    expect(t.sources.map((s) => [s.model, s.isBase, s.params])).toEqual([
      ['math', false, { weight: 0.5 }],
      ['base', true, {}],
    ]);
    expect(t.params).toEqual({ lambda: 0.8, normalize: false });
    expect(plan.stages[0]!.inputs).toEqual(['math', 'base']);
  });

  it('for linear the base is an ordinary input: its weight comes from global parameters, or the plan fails with a hint', () => {
    const ok = planOf({ ...linear, base_model: 'base', parameters: { weight: 0.1 } });
    expect(tensorOf(ok, Q(0)).sources.map((s) => [s.model, s.params.weight])).toEqual([['math', 0.25], ['code', 0.75], ['base', 0.1]]);
    const issues = issuesOf({ ...linear, base_model: 'base' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.at).toBe('stages[0].base_model');
    expect(issues[0]!.message).toMatch(/linear needs parameter "weight" for model "base" \(missing for model\.embed_tokens\.weight and \d+ other tensors\); the base model is an input of linear/);
  });

  it('needs the models to have the same number of layers', () => {
    const issues = issuesOf({ ...linear, models: [{ model: 'math', parameters: { weight: 1 } }, { model: 'tall', parameters: { weight: 1 } }] });
    expect(issues[0]!.message).toMatch(/different layer counts \("math": 4, "tall": 6\)/);
  });
});

describe('planner: slices', () => {
  it('stacks layers end to end (frankenmerge) and renames them', () => {
    const plan = planOf({
      name: 'stack',
      merge_method: 'passthrough',
      slices: [{ sources: [{ model: 'math', layer_range: [0, 3] }] }, { sources: [{ model: 'tall', layer_range: [2, 6], parameters: { scale: 0.5 } }] }],
    });
    const stage = plan.stages[0]!;
    expect(stage.layerCount).toBe(7);
    // Output layer 4 is the second slice's offset 1: tall's layer 3.
    const t = tensorOf(plan, Q(4));
    expect(t.sources).toEqual([{ model: 'tall', tensor: Q(3), isBase: false, params: { scale: 0.5 }, origins: { scale: 'model' } }]);
    expect(t.info.layer).toBe(4);
    expect(t.slice).toBe(1);
    expect(t.t).toBe(1 / 3);
    expect(tensorOf(plan, Q(2)).sources[0]!.tensor).toBe(Q(2));
    // Embeddings come from the first slice's sources, final norm and head from the last slice's.
    expect(tensorOf(plan, 'model.embed_tokens.weight').sources.map((s) => s.model)).toEqual(['math']);
    expect(tensorOf(plan, 'lm_head.weight').sources.map((s) => [s.model, s.params])).toEqual([['tall', { scale: 0.5 }]]);
    expect(stage.tensors.filter((x) => x.section === 'layer')).toHaveLength(7 * 3);
  });

  it('precedence: per-model in a slice > slice > global', () => {
    const plan = planOf({
      name: 'mix',
      merge_method: 'task_arithmetic',
      base_model: 'base',
      slices: [
        {
          sources: [
            { model: 'base', layer_range: [0, 4] },
            { model: 'math', layer_range: [0, 4], parameters: { weight: 0.9 } },
            { model: 'code', layer_range: [0, 4] },
          ],
          parameters: { weight: 0.4, lambda: 0.5 },
        },
      ],
      parameters: { weight: 0.1, lambda: 2, normalize: true },
    });
    const t = tensorOf(plan, Q(0));
    expect(t.sources.map((s) => [s.model, s.params.weight, s.origins.weight])).toEqual([
      ['base', 0.4, 'slice'],
      ['math', 0.9, 'model'],
      ['code', 0.4, 'slice'],
    ]);
    expect(t.params).toEqual({ lambda: 0.5, normalize: true });
    expect(t.origins).toEqual({ lambda: 'slice', normalize: 'global' });
  });

  it('evaluates per-model filters against the source tensor name, global ones against the output name (as mergekit)', () => {
    const plan = planOf({
      name: 'shifted',
      merge_method: 'linear',
      slices: [
        {
          sources: [
            { model: 'tall', layer_range: [2, 4], parameters: { weight: [{ filter: 'layers.2.', value: 5 }, { value: 1 }] } },
            { model: 'math', layer_range: [0, 2], parameters: { weight: 1 } },
          ],
        },
      ],
      parameters: { normalize: [{ filter: 'layers.0.', value: false }, { value: true }] },
    });
    const t = tensorOf(plan, Q(0)); // output layer 0 reads tall's layer 2 and math's layer 0
    expect(t.sources.map((s) => [s.tensor, s.params.weight])).toEqual([[Q(2), 5], [Q(0), 1]]);
    expect(t.params.normalize).toBe(false);
    expect(tensorOf(plan, Q(1)).params.normalize).toBe(true);
  });

  it('a gradient over a slice uses the position within that slice', () => {
    const plan = planOf({
      name: 'two',
      merge_method: 'linear',
      slices: [
        { sources: [{ model: 'math', layer_range: [0, 2] }, { model: 'code', layer_range: [0, 2] }], parameters: { weight: [0, 1] } },
        { sources: [{ model: 'math', layer_range: [2, 3] }, { model: 'code', layer_range: [2, 3] }], parameters: { weight: [0, 1] } },
      ],
      parameters: { normalize: false },
    });
    expect([0, 1, 2].map((l) => tensorOf(plan, Q(l)).sources[0]!.params.weight)).toEqual([0, 1, 1]);
  });
});

describe('planner: errors and warnings', () => {
  it('unknown models and methods', () => {
    const issues = issuesOf({ name: 's', merge_method: 'tiez', models: [{ model: 'nope' }] });
    expect(issues.map((i) => [i.at, i.message])).toEqual([
      ['stages[0].merge_method', 'unknown merge method "tiez"'],
      ['stages[0].models[0].model', expect.stringMatching(/unknown model "nope"/)],
    ]);
  });
  it('task_arithmetic needs a base, and the base among each slice’s sources', () => {
    expect(issuesOf({ name: 's', merge_method: 'task_arithmetic', models: [{ model: 'math', parameters: { weight: 1 } }] })[0]!.message).toBe(
      'task_arithmetic needs a base_model',
    );
    const issues = issuesOf({
      name: 's',
      merge_method: 'task_arithmetic',
      base_model: 'base',
      slices: [{ sources: [{ model: 'math', layer_range: [0, 4], parameters: { weight: 1 } }] }],
    });
    expect(issues[0]).toMatchObject({ at: 'stages[0].slices[0]', message: expect.stringMatching(/not among the sources of slices\[0\]/) });
  });
  it('the wrong number of models for a method', () => {
    const issues = issuesOf({ name: 's', merge_method: 'passthrough', base_model: 'base', models: [{ model: 'math' }] });
    expect(issues[0]!.message).toMatch(/passthrough takes exactly 1 input model per tensor; this stage gives 2 \(base_model "base" counts/);
  });
  it('a missing required parameter, reported once with a count', () => {
    const issues = issuesOf({ name: 's', merge_method: 'linear', models: [{ model: 'math', parameters: { weight: 1 } }, { model: 'code' }] });
    expect(issues).toEqual([
      expect.objectContaining({
        at: 'stages[0].models[1]',
        message: 'linear needs parameter "weight" for model "code" (missing for model.embed_tokens.weight and 14 other tensors)',
      }),
    ]);
  });
  it('a filter list that matches nothing is missing, not zero', () => {
    const issues = issuesOf({ name: 's', merge_method: 'linear', models: [{ model: 'math', parameters: { weight: [{ filter: 'mlp', value: 1 }] } }] });
    expect(issues[0]!.message).toMatch(/missing for model\.embed_tokens\.weight and 10 other tensors/);
  });
  it('layer ranges past a model’s layers', () => {
    const issues = issuesOf({ name: 's', merge_method: 'passthrough', slices: [{ sources: [{ model: 'math', layer_range: [2, 6] }] }] });
    expect(issues[0]).toMatchObject({ at: 'stages[0].slices[0].sources[0].layer_range', message: 'layer_range [2, 6) goes past the 4 layers of "math"' });
  });
  it('shape mismatches, named with the shapes', () => {
    const wide = new Map(catalog);
    wide.set('wide', toyModel({ layers: 4, hidden: 8 }));
    const result = planRecipe(recipeOf({ name: 's', merge_method: 'linear', models: [{ model: 'math' }, { model: 'wide' }], parameters: { weight: 1 } }), wide);
    expect(!result.ok && result.issues[0]!.message).toBe('shape mismatch for model.embed_tokens.weight: "math" has [6, 4], "wide" has [6, 8]');
  });
  it('a model missing a tensor', () => {
    const names = [...toyShapes(4).keys()].filter((n) => n !== UP(1));
    const partial: ModelManifest = { tensorNames: () => names, tensorInfo: toyTensorInfo, layerCount: 4 };
    const result = planRecipe(
      recipeOf({ name: 's', merge_method: 'linear', models: [{ model: 'math' }, { model: 'partial' }], parameters: { weight: 1 } }),
      new Map([...catalog, ['partial', partial]]),
    );
    expect(!result.ok && result.issues[0]!.message).toBe(`model "partial" has no tensor ${UP(1)}`);
  });
  it('linear with normalize and weights summing to zero', () => {
    const issues = issuesOf({ name: 's', merge_method: 'linear', models: [{ model: 'math', parameters: { weight: 1 } }, { model: 'code', parameters: { weight: -1 } }] });
    expect(issues[0]!.message).toMatch(/weights sum to 0, so normalize: true would divide by zero/);
  });
  it('warns about parameters the method does not use, and stages that do not feed the output', () => {
    const result = planRecipe(
      {
        version: 1,
        stages: [
          { name: 'unused', merge_method: 'linear', models: [{ model: 'math', parameters: { weight: 1 } }] },
          { name: 'out', merge_method: 'linear', models: [{ model: 'code', parameters: { weight: 1, normalize: false, density: 0.5 } }] },
        ],
      },
      catalog,
    );
    if (!result.ok) throw new Error('expected a plan');
    expect(result.plan.run).toEqual(['out']);
    expect(result.plan.warnings.map((w) => [w.at, w.message])).toEqual([
      ['stages[1].models[0].parameters.normalize', expect.stringMatching(/global parameter of linear; a per-model value is ignored/)],
      ['stages[1].models[0].parameters.density', 'parameter "density" is not used by linear (mergekit ignores it too)'],
      ['stages[0]', expect.stringMatching(/does not feed the output "out"/)],
    ]);
  });
});

describe('planner: stages', () => {
  it('a later stage reads an earlier stage’s output as a model', () => {
    const result = planRecipe(
      {
        version: 1,
        stages: [
          { name: 'stack', merge_method: 'passthrough', slices: [{ sources: [{ model: 'math', layer_range: [0, 4] }] }, { sources: [{ model: 'code', layer_range: [2, 4] }] }] },
          { name: 'soup', merge_method: 'linear', models: [{ model: 'stack' }, { model: 'tall' }], parameters: { weight: 0.5 } },
        ],
      },
      catalog,
    );
    if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
    expect(result.plan.run).toEqual(['stack', 'soup']);
    expect(result.plan.stages[1]!.layerCount).toBe(6);
    expect(tensorOf(result.plan, Q(5), 1).sources.map((s) => [s.model, s.tensor])).toEqual([['stack', Q(5)], ['tall', Q(5)]]);
  });
  it('a stage reading a failed stage says so', () => {
    const result = planRecipe(
      {
        version: 1,
        stages: [
          { name: 'bad', merge_method: 'linear', models: [{ model: 'math' }] },
          { name: 'next', merge_method: 'linear', models: [{ model: 'bad' }], parameters: { weight: 1 } },
        ],
      },
      catalog,
    );
    expect(!result.ok && result.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/needs parameter "weight" for model "math"/),
      'uses stage "bad", which could not be planned (see its issues)',
    ]);
  });
});

describe('duplicate inputs', () => {
  it('refuses a model listed twice, which mergekit would merge once', () => {
    const catalog = new Map([['a', toyModel({ layers: 2 })]]);
    const result = planRecipe(
      { version: 1, stages: [{ name: 's', merge_method: 'linear', models: [{ model: 'a', parameters: { weight: 1 } }, { model: 'a', parameters: { weight: 3 } }] }] },
      catalog,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => i.message).join('\n')).toMatch(/listed twice/);
  });
});
