import { describe, expect, it } from 'vitest';
import { resolveParam } from '@/lib/merge/parameters';
import { mergeMethodNames } from '@/lib/merge/registry';
import { layerT, OUTSIDE_LAYERS_T } from '@/lib/merge/gradient';
import { parseRecipe, type ParamMap } from '@/lib/recipe/schema';
import { depthwiseSpace, depthwiseSpaceSchema } from './depthwiseSpace';
import { layerwiseSpace, layerwiseSpaceSchema } from './layerwiseSpace';
import { choiceUnit, realUnit, type ChoiceDimension, type RealDimension, type SearchSpace } from './space';

/** Builds a point from named values (centre of a choice's bin, exact position of a real). */
function pointOf(space: SearchSpace, values: Record<string, string | number>, fallback = 0.5): number[] {
  return space.dimensions.map((d) => {
    const v = values[d.name];
    if (v === undefined) return fallback;
    return d.kind === 'choice' ? choiceUnit(d as ChoiceDimension, String(v)) : realUnit(d as RealDimension, Number(v));
  });
}

const value = (map: ParamMap | undefined, name: string, tensor: string, layer: number | null, layers: number) =>
  resolveParam(name, { global: map }, tensor, layer === null ? OUTSIDE_LAYERS_T : layerT(layer, layers))?.value;

describe('layer-wise fusion space', () => {
  const config = layerwiseSpaceSchema.parse({
    kind: 'layerwise',
    base: 'zoo-base',
    experts: ['zoo-add', 'zoo-upper'],
    layerCount: 4,
    groupSize: 2,
    tensorGroups: true,
    methods: ['task_arithmetic', 'ties'],
  });
  const space = layerwiseSpace(config);

  it('has a method, two weights and density per cell (2 layer groups × 3 tensor groups); lambda is fixed by default', () => {
    expect(space.dimensions).toHaveLength(2 * 3 * 4);
    expect(space.dimensions.map((d) => d.name)).toContain('layers 2-3 mlp weight zoo-upper');
  });

  it('decodes mixed methods into one stage per method and a one-hot linear picker, with exact per-layer values', () => {
    const recipe = space.decode(
      pointOf(space, {
        'layers 0-1 attention method': 'ties',
        'layers 0-1 mlp method': 'task_arithmetic',
        'layers 0-1 other method': 'task_arithmetic',
        'layers 2-3 attention method': 'task_arithmetic',
        'layers 2-3 mlp method': 'ties',
        'layers 2-3 other method': 'task_arithmetic',
        'layers 2-3 mlp weight zoo-upper': 1.2,
        'layers 0-1 mlp weight zoo-upper': 0.3,
      }),
    );
    expect(parseRecipe(recipe, { zooIds: ['zoo-base', 'zoo-add', 'zoo-upper'], methods: mergeMethodNames() })).toEqual({ ok: true, recipe });
    expect(recipe.stages.map((s) => s.name)).toEqual(['fuse_task_arithmetic', 'fuse_ties', 'fused']);
    const picker = recipe.stages[2]!;
    const pickerWeight = (stage: string, tensor: string, layer: number | null) =>
      value(picker.models!.find((m) => m.model === stage)!.parameters, 'weight', tensor, layer, 4);
    expect(pickerWeight('fuse_ties', 'model.layers.1.self_attn.q_proj.weight', 1)).toBe(1);
    expect(pickerWeight('fuse_task_arithmetic', 'model.layers.1.self_attn.q_proj.weight', 1)).toBe(0);
    expect(pickerWeight('fuse_ties', 'model.layers.3.mlp.up_proj.weight', 3)).toBe(1);
    expect(pickerWeight('fuse_ties', 'model.layers.0.mlp.up_proj.weight', 0)).toBe(0);
    expect(pickerWeight('fuse_task_arithmetic', 'model.embed_tokens.weight', null)).toBe(1);
    const ta = recipe.stages[0]!;
    const upperWeight = (tensor: string, layer: number) => value(ta.models!.find((m) => m.model === 'zoo-upper')!.parameters, 'weight', tensor, layer, 4);
    expect(upperWeight('model.layers.3.mlp.down_proj.weight', 3)).toBeCloseTo(1.2, 4);
    expect(upperWeight('model.layers.2.mlp.down_proj.weight', 2)).toBeCloseTo(1.2, 4);
    expect(upperWeight('model.layers.1.mlp.down_proj.weight', 1)).toBeCloseTo(0.3, 4);
  });

  it('a single method decodes to a single stage', () => {
    const single = layerwiseSpace(layerwiseSpaceSchema.parse({ ...config, methods: ['ties'], tensorGroups: false }));
    const recipe = single.decode(single.dimensions.map(() => 0.5));
    expect(recipe.stages).toHaveLength(1);
    expect(recipe.stages[0]!.merge_method).toBe('ties');
  });

  it('refuses slerp with more than two experts', () => {
    expect(layerwiseSpaceSchema.safeParse({ ...config, experts: ['a', 'b', 'c'], methods: ['slerp'] }).success).toBe(false);
  });
});

describe('depth-wise integration space', () => {
  it('stacks the chosen layers slot by slot in the searched order, scaling only the residual writes', () => {
    const config = depthwiseSpaceSchema.parse({ kind: 'depthwise', sources: ['zoo-add', 'zoo-upper'], layerCount: 3, selection: 'subset', order: true, scale: { low: 0, high: 2 } });
    const space = depthwiseSpace(config);
    const recipe = space.decode(
      pointOf(space, {
        'slot 0 include zoo-add': 'yes',
        'slot 0 include zoo-upper': 'yes',
        'slot 0 order zoo-add': 0.9,
        'slot 0 order zoo-upper': 0.1,
        'slot 0 scale': 1,
        'slot 1 include zoo-add': 'no',
        'slot 1 include zoo-upper': 'no',
        'slot 2 include zoo-add': 'yes',
        'slot 2 include zoo-upper': 'no',
        'slot 2 scale': 0.5,
      }),
    );
    expect(parseRecipe(recipe, { methods: mergeMethodNames() })).toEqual({ ok: true, recipe });
    const slices = recipe.stages[0]!.slices!;
    expect(slices.map((s) => [s.sources[0]!.model, s.sources[0]!.layer_range])).toEqual([
      ['zoo-upper', [0, 1]],
      ['zoo-add', [0, 1]],
      ['zoo-add', [2, 3]],
    ]);
    expect(slices[0]!.sources[0]!.parameters).toBeUndefined();
    const scaled = slices[2]!.sources[0]!.parameters;
    expect(value(scaled, 'scale', 'model.layers.2.self_attn.o_proj.weight', 0, 1)).toBe(0.5);
    expect(value(scaled, 'scale', 'model.layers.2.mlp.down_proj.weight', 0, 1)).toBe(0.5);
    expect(value(scaled, 'scale', 'model.layers.2.self_attn.q_proj.weight', 0, 1)).toBe(1);
  });

  it('never decodes an empty model', () => {
    const space = depthwiseSpace(depthwiseSpaceSchema.parse({ kind: 'depthwise', sources: ['a', 'b'], layerCount: 2, selection: 'subset' }));
    const recipe = space.decode(space.dimensions.map(() => 0));
    expect(recipe.stages[0]!.slices).toHaveLength(1);
  });
});
