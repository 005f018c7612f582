/**
 * Layer stacking ("frankenmerges"): passthrough with slices, end to end through the
 * planner and the executor, with mergekit's rules (mergekit/plan.py): slices laid end to
 * end with half-open layer_range, output layers renumbered from 0, embeddings from the
 * first slice's sources, final norm and lm_head from the last slice's, and passthrough's
 * per-model `scale` evaluated against the name of the tensor read from the source.
 */
import { describe, expect, it } from 'vitest';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { executePlan, type ModelSource } from './executor';
import { planRecipe, type MergePlan } from './planner';
import { toyModel, toyShapes, toyTensors } from '@/testing/toyModel';

const sources = new Map<string, ModelSource>([
  ['a', toyModel({ layers: 4, seed: 21 })],
  ['b', toyModel({ layers: 4, seed: 22 })],
]);
const A = toyTensors({ layers: 4, seed: 21 });
const B = toyTensors({ layers: 4, seed: 22 });

const LAYER_PARTS = ['self_attn.q_proj.weight', 'mlp.up_proj.weight', 'input_layernorm.weight'] as const;
const layerName = (layer: number, part: string) => `model.layers.${layer}.${part}`;

function planOf(...stages: RecipeStage[]): MergePlan {
  const planned = planRecipe({ version: 1, stages } satisfies Recipe, sources);
  if (!planned.ok) throw new Error(planned.issues.map((i) => `${i.at}: ${i.message}`).join('\n'));
  return planned.plan;
}

async function run(...stages: RecipeStage[]): Promise<{ plan: MergePlan; out: NamedTensors }> {
  const plan = planOf(...stages);
  return { plan, out: await executePlan(plan, sources) };
}

/** Layers [0, 3) of a, then layers [1, 4) of b: 6 output layers. */
const stack = (bParameters?: RecipeStage['parameters'], stageParameters?: RecipeStage['parameters']): RecipeStage => ({
  name: 'stack',
  merge_method: 'passthrough',
  slices: [
    { sources: [{ model: 'a', layer_range: [0, 3] }] },
    { sources: [{ model: 'b', layer_range: [1, 4], ...(bParameters ? { parameters: bParameters } : {}) }] },
  ],
  ...(stageParameters ? { parameters: stageParameters } : {}),
});

/** Output layer → [source tensors, source layer]. */
const ORIGIN: readonly [NamedTensors, number][] = [
  [A, 0],
  [A, 1],
  [A, 2],
  [B, 1],
  [B, 2],
  [B, 3],
];

describe('layer stacking: passthrough with slices', () => {
  it('renumbers the output layers 0..5 and copies each from the right source layer', async () => {
    const { plan, out } = await run(stack());
    const stage = plan.stages[0]!;
    expect(stage.layerCount).toBe(6);
    expect(stage.inputs).toEqual(['a', 'b']);
    // Checkpoint order of a 6-layer toy model: embeddings, the layers in order, final norm, head.
    expect([...out.keys()]).toEqual([...toyShapes(6).keys()]);
    ORIGIN.forEach(([model, layer], outLayer) => {
      for (const part of LAYER_PARTS) {
        const t = out.get(layerName(outLayer, part))!;
        const source = model.get(layerName(layer, part))!;
        expect(t.shape).toEqual(source.shape);
        expect(t.data).toEqual(source.data);
      }
    });
    // The plan says where each tensor came from.
    const planned = stage.tensors.find((t) => t.name === layerName(3, 'mlp.up_proj.weight'))!;
    expect(planned.sources).toEqual([expect.objectContaining({ model: 'b', tensor: layerName(1, 'mlp.up_proj.weight') })]);
    expect(planned.info.layer).toBe(3);
  });

  it('takes the embeddings from the first slice, the final norm and head from the last (as mergekit)', async () => {
    const { plan, out } = await run(stack());
    expect(out.get('model.embed_tokens.weight')!.data).toEqual(A.get('model.embed_tokens.weight')!.data);
    expect(out.get('model.norm.weight')!.data).toEqual(B.get('model.norm.weight')!.data);
    expect(out.get('lm_head.weight')!.data).toEqual(B.get('lm_head.weight')!.data);
    const sections = Object.fromEntries(plan.stages[0]!.tensors.filter((t) => t.section !== 'layer').map((t) => [t.name, [t.section, t.slice, t.t]]));
    expect(sections).toEqual({ 'model.embed_tokens.weight': ['pre', 0, 0], 'model.norm.weight': ['post', 1, 0], 'lm_head.weight': ['post', 1, 0] });
  });

  it('scale through a filter list scales only the matching tensors, matched on the source tensor name', async () => {
    // b's own list: `mlp` first (first match wins), then `layers.1.`, which names b's layer 1
    // (output layer 3): per-model parameters are evaluated against the tensor read from b.
    // The stage-wide list is reached only where b's list matches nothing (lm_head here).
    const { out } = await run(
      stack(
        { scale: [{ filter: 'mlp', value: 0.5 }, { filter: 'layers.1.', value: 2 }] },
        { scale: [{ filter: 'lm_head', value: 0.25 }, { filter: 'layers.3.', value: 100 }] },
      ),
    );
    const scaleOf = (outLayer: number, part: string): number | undefined => {
      const [model, layer] = ORIGIN[outLayer]!;
      if (model === A) return undefined; // a has no list of its own and the global one names nothing of a's
      if (part.startsWith('mlp')) return 0.5;
      if (layer === 1) return 2;
      if (layer === 3) return 100; // b's layer 3 (output layer 5) matches the global 'layers.3.'
      return undefined;
    };
    ORIGIN.forEach(([model, layer], outLayer) => {
      for (const part of LAYER_PARTS) {
        const source = model.get(layerName(layer, part))!.data;
        const scale = scaleOf(outLayer, part);
        expect(out.get(layerName(outLayer, part))!.data).toEqual(scale === undefined ? source : source.map((x) => x * scale));
      }
    });
    // Output layer 3 is named layers.3 but reads b's layers.1: the global 'layers.3.' does not
    // apply to it (b's own 'layers.1.' does), while b's layers.3 (output 5) gets 100.
    expect(out.get(layerName(3, 'self_attn.q_proj.weight'))!.data).toEqual(B.get(layerName(1, 'self_attn.q_proj.weight'))!.data.map((x) => x * 2));
    expect(out.get('model.embed_tokens.weight')!.data).toEqual(A.get('model.embed_tokens.weight')!.data);
    expect(out.get('model.norm.weight')!.data).toEqual(B.get('model.norm.weight')!.data);
    expect(out.get('lm_head.weight')!.data).toEqual(B.get('lm_head.weight')!.data.map((x) => x * 0.25));
  });

  it('a scale gradient runs over the slice’s own layers; tensors outside the layers take t = 0', async () => {
    const { out } = await run(stack({ scale: [1, 0] }));
    // b's slice has 3 layers: t = 0, 0.5, 1 → scale 1, 0.5, 0 on output layers 3, 4, 5.
    [1, 0.5, 0].forEach((scale, k) => {
      const source = B.get(layerName(1 + k, 'mlp.up_proj.weight'))!.data;
      expect(out.get(layerName(3 + k, 'mlp.up_proj.weight'))!.data).toEqual(source.map((x) => x * scale));
    });
    expect(out.get('lm_head.weight')!.data).toEqual(B.get('lm_head.weight')!.data); // t = 0: scale 1
  });

  it('the stacked model feeds a later stage as a 6-layer model', async () => {
    const { out } = await run(stack(), {
      name: 'top',
      merge_method: 'passthrough',
      slices: [{ sources: [{ model: 'stack', layer_range: [4, 6] }] }],
    });
    expect([...out.keys()]).toEqual([...toyShapes(2).keys()]);
    expect(out.get(layerName(0, 'mlp.up_proj.weight'))!.data).toEqual(B.get(layerName(2, 'mlp.up_proj.weight'))!.data);
    expect(out.get(layerName(1, 'mlp.up_proj.weight'))!.data).toEqual(B.get(layerName(3, 'mlp.up_proj.weight'))!.data);
    expect(out.get('model.embed_tokens.weight')!.data).toEqual(A.get('model.embed_tokens.weight')!.data);
  });

  it('rejects a layer_range past the end of its model, and two sources in a passthrough slice', () => {
    const bad = planRecipe({ version: 1, stages: [{ name: 's', merge_method: 'passthrough', slices: [{ sources: [{ model: 'a', layer_range: [2, 5] }] }] }] }, sources);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.message)).toContain('layer_range [2, 5) goes past the 4 layers of "a"');
    const two = planRecipe(
      {
        version: 1,
        stages: [{ name: 's', merge_method: 'passthrough', slices: [{ sources: [{ model: 'a', layer_range: [0, 2] }, { model: 'b', layer_range: [0, 2] }] }] }],
      },
      sources,
    );
    expect(two.ok).toBe(false);
    if (!two.ok) expect(two.issues.map((i) => i.message)).toContain('passthrough takes exactly 1 input model per tensor; slices[0] gives 2');
  });
});
