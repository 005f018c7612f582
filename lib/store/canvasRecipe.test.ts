import { describe, expect, it } from 'vitest';
import { parseRecipe } from '@/lib/recipe/schema';
import { decodeSharePayload, encodeSharePayload } from '@/lib/recipe/urlCodec';
import { canvasLayoutSchema } from './canvasLayout';
import { canvasFromRecipe, canvasToLayout, canvasToRecipe } from './canvasRecipe';
import {
  addMergeNode,
  addModelNode,
  connect,
  connectionProblem,
  emptyCanvas,
  removeNodes,
  setGlobalParam,
  setMethod,
  setSlices,
  updateMerge,
} from './studioStore';
import type { CanvasState } from './canvasTypes';
import { setLayerWeight } from '@/testing/layerSlider';

/** Two experts into a task-arithmetic merge on the base, built as a person would. */
function twoExpertMerge(): { state: CanvasState; a: string; b: string; merge: string } {
  let state = emptyCanvas;
  const added = [addModelNode(state, 'zoo-add')];
  state = added[0]!.state;
  const second = addModelNode(state, 'zoo-upper');
  state = second.state;
  const merge = addMergeNode(state);
  state = merge.state;
  state = connect(state, added[0]!.id, merge.id);
  state = connect(state, second.id, merge.id);
  state = setMethod(state, merge.id, 'task_arithmetic');
  state = updateMerge(state, merge.id, (d) => ({ ...d, baseModel: 'zoo-base' }));
  state = setGlobalParam(state, merge.id, 'lambda', 0.8);
  return { state, a: added[0]!.id, b: second.id, merge: merge.id };
}

describe('canvas actions', () => {
  it('connecting gives each input the weight its method requires', () => {
    const { state, a, b, merge } = twoExpertMerge();
    const node = state.nodes.find((n) => n.id === merge);
    expect(node?.type).toBe('merge');
    if (node?.type !== 'merge') return;
    expect(node.data.modelParams[a]).toEqual({ weight: 1 });
    expect(node.data.modelParams[b]).toEqual({ weight: 1 });
  });

  it('refuses connections that are not into a merge, duplicated, or cyclic', () => {
    let { state, a, merge } = twoExpertMerge();
    expect(connectionProblem(state, merge, a)).toMatch(/into a merge/);
    expect(connectionProblem(state, a, merge)).toMatch(/Already/);
    const twin = addModelNode(state, 'zoo-add');
    expect(connectionProblem(twin.state, twin.id, merge)).toMatch(/zoo-add is already an input/);
    const second = addMergeNode(state);
    state = connect(second.state, merge, second.id);
    expect(connectionProblem(state, second.id, merge)).toMatch(/cycle/);
    expect(connect(state, second.id, merge)).toBe(state);
  });

  it('removing a model drops its edges and its parameters', () => {
    const { state, a, merge } = twoExpertMerge();
    const next = removeNodes(state, [a]);
    expect(next.edges.some((e) => e.source === a)).toBe(false);
    const node = next.nodes.find((n) => n.id === merge);
    expect(node?.type === 'merge' && node.data.modelParams[a]).toBeFalsy();
  });

  it('a layer slider turns a scalar into one anchor per layer and changes only that layer', () => {
    const { state, a, merge } = twoExpertMerge();
    const next = setLayerWeight(state, merge, a, 2, 0.25);
    const node = next.nodes.find((n) => n.id === merge);
    if (node?.type !== 'merge') throw new Error('no merge');
    expect(node.data.modelParams[a]?.weight).toEqual([1, 1, 0.25, 1]);
  });
});

describe('canvas to recipe and back', () => {
  it('writes a valid recipe with mergekit parameter names', () => {
    const { state } = twoExpertMerge();
    const { recipe, problems } = canvasToRecipe(state.nodes, state.edges, state.activeNodeId);
    expect(problems).toEqual([]);
    expect(recipe).toEqual({
      version: 1,
      stages: [
        {
          name: 'merge-1',
          merge_method: 'task_arithmetic',
          base_model: 'zoo-base',
          models: [
            { model: 'zoo-add', parameters: { weight: 1 } },
            { model: 'zoo-upper', parameters: { weight: 1 } },
          ],
          parameters: { lambda: 0.8 },
        },
      ],
      output: 'merge-1',
    });
    expect(parseRecipe(recipe).ok).toBe(true);
  });

  it('leaves out merges without inputs, and merges fed by them, with a reason', () => {
    let { state, merge } = twoExpertMerge();
    const empty = addMergeNode(state);
    const downstream = addMergeNode(empty.state);
    state = connect(downstream.state, empty.id, downstream.id);
    state = connect(state, merge, downstream.id);
    const { recipe, problems } = canvasToRecipe(state.nodes, state.edges, merge);
    expect(recipe?.stages.map((s) => s.name)).toEqual(['merge-1']);
    expect(problems.map((p) => p.nodeId).sort()).toEqual([downstream.id, empty.id].sort());
  });

  it('orders chained merges before the merges that read them', () => {
    let { state, merge } = twoExpertMerge();
    const second = addMergeNode(state);
    const base = addModelNode(second.state, 'zoo-count');
    state = connect(base.state, merge, second.id);
    state = connect(state, base.id, second.id);
    const { recipe } = canvasToRecipe(state.nodes, state.edges, second.id);
    expect(recipe?.stages.map((s) => s.name)).toEqual(['merge-1', 'merge-2']);
    expect(recipe?.stages[1]?.models?.map((m) => m.model)).toEqual(['merge-1', 'zoo-count']);
    expect(recipe?.output).toBe('merge-2');
  });

  it('round-trips through a share link: same recipe, same layout, same wiring', () => {
    const { state } = twoExpertMerge();
    const layered = setLayerWeight(state, 'merge-1', 'model-1', 0, 0.5);
    const { recipe } = canvasToRecipe(layered.nodes, layered.edges, layered.activeNodeId);
    if (!recipe) throw new Error('no recipe');
    const layout = canvasToLayout(layered.nodes, layered.edges, layered.activeNodeId);
    const encoded = encodeSharePayload({ recipe, layout });
    if (!encoded.ok) throw new Error(encoded.error.message);
    const decoded = decodeSharePayload(encoded.hash);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const parsedLayout = canvasLayoutSchema.parse(decoded.payload.layout);
    const restored = canvasFromRecipe(decoded.payload.recipe, parsedLayout);
    expect(canvasToRecipe(restored.nodes, restored.edges, restored.activeNodeId).recipe).toEqual(recipe);
    expect(canvasToLayout(restored.nodes, restored.edges, restored.activeNodeId)).toEqual(layout);
  });

  it('writes layer slices instead of models for a layer stack, and refuses a slice of an unconnected model', () => {
    const { state, merge } = twoExpertMerge();
    const stacked = setSlices(setMethod(state, merge, 'passthrough'), merge, [
      { sources: [{ model: 'zoo-add', layer_range: [0, 3] }] },
      { sources: [{ model: 'zoo-upper', layer_range: [1, 4] }] },
    ]);
    const { recipe } = canvasToRecipe(stacked.nodes, stacked.edges, stacked.activeNodeId);
    expect(recipe?.stages[0]?.slices?.map((s) => s.sources[0]?.layer_range)).toEqual([
      [0, 3],
      [1, 4],
    ]);
    expect(recipe?.stages[0]?.models).toBeUndefined();
    expect(parseRecipe(recipe).ok).toBe(true);
    const restored = canvasFromRecipe(recipe!, null);
    expect(canvasToRecipe(restored.nodes, restored.edges, restored.activeNodeId).recipe?.stages[0]?.slices).toEqual(recipe?.stages[0]?.slices);

    const stray = setSlices(stacked, merge, [{ sources: [{ model: 'zoo-count', layer_range: [0, 2] }] }]);
    const result = canvasToRecipe(stray.nodes, stray.edges, stray.activeNodeId);
    expect(result.recipe).toBeNull();
    expect(result.problems[0]?.message).toMatch(/zoo-count/);
  });

  it('lays out a recipe that comes without a layout', () => {
    const { state } = twoExpertMerge();
    const { recipe } = canvasToRecipe(state.nodes, state.edges, state.activeNodeId);
    if (!recipe) throw new Error('no recipe');
    const restored = canvasFromRecipe(recipe, null);
    expect(restored.nodes.filter((n) => n.type === 'model')).toHaveLength(2);
    expect(canvasToRecipe(restored.nodes, restored.edges, restored.activeNodeId).recipe).toEqual(recipe);
  });

  it('lays out a multi-stage recipe with one node per model, however many stages read it', () => {
    const models = ['zoo-add', 'zoo-upper'].map((model) => ({ model, parameters: { weight: 1 } }));
    const recipe = {
      version: 1 as const,
      stages: [
        { name: 'a', merge_method: 'task_arithmetic', base_model: 'zoo-base', models },
        { name: 'b', merge_method: 'ties', base_model: 'zoo-base', models },
        { name: 'pick', merge_method: 'linear', models: [{ model: 'a', parameters: { weight: 1 } }, { model: 'b', parameters: { weight: 0 } }] },
      ],
    };
    const restored = canvasFromRecipe(recipe, null);
    expect(restored.nodes.filter((n) => n.type === 'model').map((n) => n.data)).toEqual([{ modelId: 'zoo-add' }, { modelId: 'zoo-upper' }]);
    expect(canvasToRecipe(restored.nodes, restored.edges, restored.activeNodeId).recipe).toEqual({ ...recipe, output: 'pick' });
  });
});
