import { describe, expect, it } from 'vitest';
import { llamaTensorInfo, llamaTensorNames } from '@/lib/arch/llama';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { readZooJson } from '@/testing/zoo';
import { layerT, OUTSIDE_LAYERS_T } from '@/lib/merge/gradient';
import { evaluateParamValue } from '@/lib/merge/parameters';
import { defaultRegistry, mergeMethodNames } from '@/lib/merge/registry';
import { parseRecipe, type ParamValue } from '@/lib/recipe/schema';
import { mergekitYamlFromRecipe, recipeFromMergekitYaml } from '@/lib/recipe/yaml';
import { canvasToRecipe } from './canvasRecipe';
import {
  addAnchor,
  anchorPosition,
  joinLanes,
  LANE_FILTERS,
  laneList,
  lanesDiffer,
  nearestAnchor,
  readLanes,
  removeAnchor,
  setAnchor,
  setLayerOnCurve,
  splitLanes,
  updateLanes,
  valuesPerLayer,
  withLaneAnchors,
  writeLanes,
  type LayerLanes,
} from './layerLanes';
import { addMergeNode, addModelNode, connect, emptyCanvas, setMethod, updateMerge } from './studioStore';
import type { CanvasState } from './canvasTypes';

const config = parseLlamaConfig(await readZooJson('zoo-base', 'config.json'));
const LAYERS = config.num_hidden_layers;
const TENSORS = llamaTensorNames(config);

/** Where mergekit evaluates a gradient for a tensor: its layer's t, or t = 0 outside the layers. */
function tOf(tensorName: string): number {
  const { layer } = llamaTensorInfo(tensorName);
  return layer === null ? OUTSIDE_LAYERS_T : layerT(layer, LAYERS);
}

/** The value every tensor of the zoo's architecture gets from a parameter value. */
function perTensor(value: ParamValue): Map<string, number | boolean | undefined> {
  return new Map(TENSORS.map((name) => [name, evaluateParamValue(value, name, tOf(name))]));
}

describe('reading and writing lanes', () => {
  it('reads scalars and gradient lists as one lane and writes them back unchanged', () => {
    for (const value of [0.7, [1, 0.5], [0, 0.25, 1, 0.5]]) {
      const lanes = readLanes(value, 1);
      expect(lanes?.split).toBe(false);
      expect(writeLanes(lanes!)).toEqual(value);
    }
    expect(readLanes(undefined, 0.3)).toEqual({ split: false, all: [0.3] });
  });

  it('reads the three-entry filter list as lanes, either filter first, and writes it back', () => {
    const value: ParamValue = [
      { filter: 'self_attn', value: [1, 0.2] },
      { filter: 'mlp', value: 0.5 },
      { value: [0, 1, 0] },
    ];
    const lanes = readLanes(value, 1);
    expect(lanes).toEqual({ split: true, attention: [1, 0.2], mlp: [0.5], other: [0, 1, 0] });
    expect(writeLanes(lanes!)).toEqual(value);
    expect(readLanes([value[1]!, value[0]!, value[2]!], 1)).toEqual(lanes);
  });

  it('round-trips lanes through their value', () => {
    const samples: LayerLanes[] = [
      { split: false, all: [0.4] },
      { split: false, all: [1, 0, 1] },
      { split: true, attention: [0.1], mlp: [0.2, 0.3], other: [1] },
    ];
    for (const lanes of samples) expect(readLanes(writeLanes(lanes), 1)).toEqual(lanes);
  });

  it('leaves flags and filter lists of other shapes alone', () => {
    expect(readLanes(true, 1)).toBeNull();
    expect(readLanes([], 1)).toBeNull();
    expect(readLanes([{ filter: 'q_proj', value: 1 }, { value: 0 }], 1)).toBeNull();
    expect(readLanes([{ filter: 'self_attn', value: 1 }, { filter: 'mlp', value: 1 }], 1)).toBeNull();
    expect(readLanes([{ filter: 'self_attn', value: 1 }, { filter: 'mlp', value: 1 }, { filter: '*', value: 1 }], 1)).toBeNull();
    expect(readLanes([{ filter: 'self_attn', value: true }, { filter: 'mlp', value: 1 }, { value: 1 }], 1)).toBeNull();
  });
});

describe('lanes select the tensor groups of Hugging Face names', () => {
  it('self_attn selects exactly the attention projections, mlp exactly the MLP ones, the rest falls through', () => {
    const lanes = writeLanes({ split: true, attention: [1], mlp: [2], other: [3] });
    const byLane = { 1: 'attention', 2: 'mlp', 3: 'other' } as const;
    for (const [name, value] of perTensor(lanes)) {
      const { group } = llamaTensorInfo(name);
      const expected = group === 'attention' || group === 'mlp' ? group : 'other';
      expect([name, byLane[value as 1 | 2 | 3]]).toEqual([name, expected]);
    }
    expect(TENSORS).toContain('model.layers.0.self_attn.q_proj.weight');
    expect(TENSORS).toContain('model.layers.3.mlp.gate_proj.weight');
    const containing = (filter: string) => TENSORS.filter((n) => n.includes(filter)).length;
    expect([containing(LANE_FILTERS.attention), containing(LANE_FILTERS.mlp)]).toEqual([4 * LAYERS, 3 * LAYERS]);
  });

  it('splitting keeps every tensor’s value, at every layer', () => {
    for (const value of [0.6, [1, 0.5], [0, 1, 0.25, 0.75, 1]]) {
      const split = writeLanes(splitLanes(readLanes(value, 1)!));
      expect(perTensor(split)).toEqual(perTensor(value));
    }
  });

  it('changing the attention lane changes attention tensors only', () => {
    const split = splitLanes(readLanes([1, 0.5], 1)!);
    const before = perTensor(writeLanes(split));
    const after = perTensor(writeLanes(withLaneAnchors(split, 'attention', [0.2, 0.5])));
    for (const name of TENSORS) {
      const changed = before.get(name) !== after.get(name);
      // Layer 3 of 4 sits on the last anchor, which did not move.
      const info = llamaTensorInfo(name);
      expect([name, changed]).toEqual([name, info.group === 'attention' && info.layer !== LAYERS - 1]);
    }
  });

  it('joining equal lanes gives the one curve back; different lanes are reported and the kept one wins', () => {
    const split = splitLanes({ split: false, all: [1, 0.5] });
    expect(lanesDiffer(split)).toBe(false);
    expect(joinLanes(split, 'other')).toEqual({ split: false, all: [1, 0.5] });
    const edited = withLaneAnchors(split, 'mlp', [0.3]);
    expect(lanesDiffer(edited)).toBe(true);
    expect(joinLanes(edited, 'mlp')).toEqual({ split: false, all: [0.3] });
    expect(perTensor(writeLanes(joinLanes(edited, 'attention')))).toEqual(perTensor([1, 0.5]));
    expect(laneList(edited).map((l) => l.id)).toEqual(['attention', 'mlp', 'other']);
  });
});

describe('anchors on a curve', () => {
  it('spreads anchors evenly over the layers, as mergekit interpolates them', () => {
    expect(valuesPerLayer([1, 0.5], 4).map((v) => v.toFixed(4))).toEqual(['1.0000', '0.8333', '0.6667', '0.5000']);
    expect(valuesPerLayer([0.4], 4)).toEqual([0.4, 0.4, 0.4, 0.4]);
    expect([0, 1, 2].map((i) => anchorPosition(i, 3))).toEqual([0, 0.5, 1]);
  });

  it('adding an anchor keeps a straight curve, and the ends of any curve', () => {
    expect(addAnchor([0.4])).toEqual([0.4, 0.4]);
    expect(addAnchor([0, 1])).toEqual([0, 0.5, 1]);
    const bent = addAnchor([0, 1, 0]);
    expect(bent).toEqual([0, 0.6667, 0.6667, 0]);
  });

  it('moves, removes and finds anchors', () => {
    expect(setAnchor([1, 1], 1, 0.49999)).toEqual([1, 0.5]);
    expect(removeAnchor([0, 0.5, 1], 1)).toEqual([0, 1]);
    expect(removeAnchor([0.3], 0)).toEqual([0.3]);
    expect(nearestAnchor(3, 0.7)).toBe(1);
    expect(nearestAnchor(3, 0.8)).toBe(2);
    expect(nearestAnchor(1, 0.9)).toBe(0);
  });

  it('setting one layer makes one anchor per layer and changes that layer only', () => {
    const before = valuesPerLayer([1, 0.5], 4);
    const next = setLayerOnCurve([1, 0.5], 2, 4, 0.1);
    expect(next).toEqual([before[0], before[1], 0.1, before[3]]);
    expect(valuesPerLayer(next, 4)).toEqual(next);
  });
});

/** Two experts into a task-arithmetic merge on the base, as in the studio. */
function twoExpertMerge(): { state: CanvasState; a: string; merge: string } {
  const first = addModelNode(emptyCanvas, 'zoo-add');
  const second = addModelNode(first.state, 'zoo-upper');
  const merge = addMergeNode(second.state);
  let state = connect(merge.state, first.id, merge.id);
  state = connect(state, second.id, merge.id);
  state = setMethod(state, merge.id, 'task_arithmetic');
  state = updateMerge(state, merge.id, (d) => ({ ...d, baseModel: 'zoo-base' }));
  return { state, a: first.id, merge: merge.id };
}

describe('lanes in the store and in the exported recipe', () => {
  it('updates an input’s parameter through its lanes, and leaves other shapes alone', () => {
    const { state, a, merge } = twoExpertMerge();
    let next = updateLanes(state, merge, a, 'weight', 1, (l) => withLaneAnchors(l, 'all', addAnchor(laneList(l)[0]!.anchors)));
    next = updateLanes(next, merge, a, 'weight', 1, (l) => withLaneAnchors(l, 'all', setAnchor(laneList(l)[0]!.anchors, 1, 0.5)));
    const node = next.nodes.find((n) => n.id === merge);
    expect(node?.type === 'merge' && node.data.modelParams[a]?.weight).toEqual([1, 0.5]);

    const foreign = updateMerge(state, merge, (d) => ({ ...d, modelParams: { ...d.modelParams, [a]: { weight: [{ filter: 'q_proj', value: 1 }] } } }));
    expect(updateLanes(foreign, merge, a, 'weight', 1, splitLanes)).toBe(foreign);
  });

  it('a split gradient reaches mergekit YAML as a filter list of gradients, and reads back the same', () => {
    const { state, a, merge } = twoExpertMerge();
    const split = updateLanes(state, merge, a, 'weight', 1, (l) =>
      withLaneAnchors(withLaneAnchors(splitLanes(l), 'all', [1, 0.5]), 'attention', [0.9, 0.5]),
    );
    const { recipe } = canvasToRecipe(split.nodes, split.edges, split.activeNodeId);
    expect(recipe && parseRecipe(recipe, { methods: mergeMethodNames() }).ok).toBe(true);
    const weight = recipe?.stages[0]?.models?.[0]?.parameters?.weight;
    expect(weight).toEqual([
      { filter: 'self_attn', value: [0.9, 0.5] },
      { filter: 'mlp', value: [1, 0.5] },
      { value: [1, 0.5] },
    ]);

    const { yaml, unsupported } = mergekitYamlFromRecipe(recipe!, { registry: defaultRegistry });
    expect(unsupported).toEqual([]);
    expect(yaml).toContain(
      ['      weight:', '        - filter: self_attn', '          value: [0.9, 0.5]', '        - filter: mlp', '          value: [1, 0.5]', '        - value: [1, 0.5]'].join('\n'),
    );
    const back = recipeFromMergekitYaml(yaml, { methods: mergeMethodNames() });
    expect(back.ok && back.recipe.stages[0]?.models?.[0]?.parameters?.weight).toEqual(weight);
  });
});
