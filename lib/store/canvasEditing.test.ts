import { describe, expect, it } from 'vitest';
import { canvasToRecipe } from './canvasRecipe';
import { clearSelection, duplicateNodes, duplicateSelection, removeElements, removeSelection, selectedNodeIds } from './canvasEditing';
import { isMergeNode, type MergeNode, type StudioNode } from './canvasTypes';
import { addMergeNode, addModelNode, connect, emptyCanvas, setGlobalParam, setMethod, setModelParam, setSlices, updateMerge } from './studioStore';
import type { CanvasState } from './canvasTypes';

/** Two experts into a task-arithmetic merge with its own weights, the merge selected. */
function tunedMerge(): { state: CanvasState; a: string; b: string; merge: string } {
  const a = addModelNode(emptyCanvas, 'zoo-add');
  const b = addModelNode(a.state, 'zoo-upper');
  const merge = addMergeNode(b.state);
  let state = connect(connect(merge.state, a.id, merge.id), b.id, merge.id);
  state = setMethod(state, merge.id, 'task_arithmetic');
  state = updateMerge(state, merge.id, (d) => ({ ...d, baseModel: 'zoo-base' }));
  state = setGlobalParam(state, merge.id, 'lambda', 0.8);
  state = setModelParam(state, merge.id, a.id, 'weight', [1, 0.5, 0.25]);
  state = setModelParam(state, merge.id, b.id, 'weight', 0.7);
  return { state, a: a.id, b: b.id, merge: merge.id };
}

function mergeNode(state: CanvasState, id: string): MergeNode {
  const node = state.nodes.find((n) => n.id === id);
  if (!node || !isMergeNode(node)) throw new Error(`no merge node ${id}`);
  return node;
}

function overlap(a: StudioNode, b: StudioNode): boolean {
  const size = (n: StudioNode) => ({ w: n.measured?.width ?? 200, h: n.measured?.height ?? 80 });
  return a.position.x < b.position.x + size(b).w && b.position.x < a.position.x + size(a).w && a.position.y < b.position.y + size(b).h && b.position.y < a.position.y + size(a).h;
}

describe('duplicate', () => {
  it('copies a merge node: method, parameters, base model and input edges, under a new stage name', () => {
    const { state, a, b, merge } = tunedMerge();
    const { state: next, ids } = duplicateNodes(state, [merge]);
    expect(ids).toHaveLength(1);
    const copy = mergeNode(next, ids[0]!);
    const original = mergeNode(next, merge);
    expect(copy.data.stage).toBe('merge-2');
    expect(copy.data.method).toBe('task_arithmetic');
    expect(copy.data.baseModel).toBe('zoo-base');
    expect(copy.data.params).toEqual({ lambda: 0.8 });
    expect(copy.data.modelParams).toEqual(original.data.modelParams);
    expect(copy.data.modelParams[a]).toEqual({ weight: [1, 0.5, 0.25] });
    const inputs = next.edges.filter((e) => e.target === copy.id).map((e) => e.source);
    expect(inputs.sort()).toEqual([a, b].sort());
    // Both merges are complete stages of the recipe, with the same settings.
    const { recipe, problems } = canvasToRecipe(next.nodes, next.edges, next.activeNodeId);
    expect(problems).toEqual([]);
    const [first, second] = recipe!.stages;
    expect(second).toEqual({ ...first, name: 'merge-2' });
  });

  it('the copy is independent of the original', () => {
    const { state, a, merge } = tunedMerge();
    const { state: next, ids } = duplicateNodes(state, [merge]);
    const edited = setModelParam(next, ids[0]!, a, 'weight', 0.1);
    expect(mergeNode(edited, merge).data.modelParams[a]).toEqual({ weight: [1, 0.5, 0.25] });
    expect(mergeNode(edited, ids[0]!).data.modelParams[a]).toEqual({ weight: 0.1 });
  });

  it('places the copy where no node is, selects it and keeps the previewed merge', () => {
    const { state, merge } = tunedMerge();
    const { state: next, ids } = duplicateNodes(state, [merge]);
    const copy = next.nodes.find((n) => n.id === ids[0])!;
    for (const other of state.nodes) expect(overlap(copy, other)).toBe(false);
    expect(next.selectedNodeId).toBe(copy.id);
    expect(next.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual([copy.id]);
    expect(next.activeNodeId).toBe(merge);
  });

  it('duplicating twice gives two more stages, none overlapping', () => {
    const { state, merge } = tunedMerge();
    const once = duplicateNodes(state, [merge]).state;
    const twice = duplicateNodes(once, [merge]).state;
    const merges = twice.nodes.filter(isMergeNode);
    expect(merges.map((m) => m.data.stage)).toEqual(['merge-1', 'merge-2', 'merge-3']);
    expect(overlap(merges[1]!, merges[2]!)).toBe(false);
  });

  it('copies a model node as the same model, without wiring', () => {
    const { state, a } = tunedMerge();
    const { state: next, ids } = duplicateNodes(state, [a]);
    const copy = next.nodes.find((n) => n.id === ids[0])!;
    expect(copy.type).toBe('model');
    expect(copy.data).toEqual({ modelId: 'zoo-add' });
    expect(copy.id).not.toBe(a);
    expect(next.edges.some((e) => e.source === copy.id || e.target === copy.id)).toBe(false);
  });

  it('a merge copied with one of its inputs reads that input’s copy, and its values follow it', () => {
    const { state, a, b, merge } = tunedMerge();
    const { state: next, ids } = duplicateNodes(state, [a, merge]);
    const [modelCopy, mergeCopy] = ids;
    const inputs = next.edges.filter((e) => e.target === mergeCopy).map((e) => e.source);
    expect(inputs.sort()).toEqual([b, modelCopy].sort());
    expect(mergeNode(next, mergeCopy!).data.modelParams[modelCopy!]).toEqual({ weight: [1, 0.5, 0.25] });
  });

  it('a merge copied with the merge it reads follows the copy in its base model and slices', () => {
    const { state, a, merge } = tunedMerge();
    const outer = addMergeNode(state);
    let s = connect(connect(outer.state, merge, outer.id), a, outer.id);
    s = setMethod(s, outer.id, 'passthrough');
    s = updateMerge(s, outer.id, (d) => ({ ...d, baseModel: 'merge-1' }));
    s = setSlices(s, outer.id, [{ sources: [{ model: 'merge-1', layer_range: [0, 2] }] }, { sources: [{ model: 'zoo-add', layer_range: [2, 4] }] }]);
    const { state: next, ids } = duplicateNodes(s, [merge, outer.id]);
    const innerCopy = mergeNode(next, ids[0]!);
    const outerCopy = mergeNode(next, ids[1]!);
    expect(outerCopy.data.baseModel).toBe(innerCopy.data.stage);
    expect(outerCopy.data.slices?.map((x) => x.sources[0]!.model)).toEqual([innerCopy.data.stage, 'zoo-add']);
    expect(next.edges.some((e) => e.source === innerCopy.id && e.target === outerCopy.id)).toBe(true);
    expect(canvasToRecipe(next.nodes, next.edges, next.activeNodeId).problems).toEqual([]);
  });

  it('duplicateSelection copies the selected node; nothing selected, nothing copied', () => {
    const { state, merge } = tunedMerge();
    expect(selectedNodeIds(state)).toEqual([merge]);
    expect(duplicateSelection(state).nodes).toHaveLength(state.nodes.length + 1);
    const none = clearSelection(state);
    expect(duplicateSelection(none)).toBe(none);
  });
});

describe('delete and selection', () => {
  it('removes nodes with their edges and the values merges kept for them, in one edit', () => {
    const { state, a, merge } = tunedMerge();
    const edgesOfA = state.edges.filter((e) => e.source === a).map((e) => e.id);
    const next = removeElements(state, [a], edgesOfA);
    expect(next.nodes.some((n) => n.id === a)).toBe(false);
    expect(next.edges.some((e) => e.source === a)).toBe(false);
    expect(mergeNode(next, merge).data.modelParams[a]).toBeUndefined();
  });

  it('removes a selected edge alone', () => {
    const { state, a, merge } = tunedMerge();
    const edge = state.edges.find((e) => e.source === a)!;
    const selected = { ...clearSelection(state), edges: state.edges.map((e) => (e.id === edge.id ? { ...e, selected: true } : e)) };
    const next = removeSelection(selected);
    expect(next.nodes).toHaveLength(state.nodes.length);
    expect(next.edges.map((e) => e.id)).not.toContain(edge.id);
    expect(next.edges.some((e) => e.target === merge)).toBe(true);
  });

  it('deleting the selected merge clears the selection and the preview moves on', () => {
    const { state, merge } = tunedMerge();
    const { state: two, ids } = duplicateNodes(state, [merge]);
    const next = removeSelection(two);
    expect(next.nodes.some((n) => n.id === ids[0])).toBe(false);
    expect(next.selectedNodeId).toBeNull();
    expect(next.activeNodeId).toBe(merge);
    const withoutOriginal = removeSelection({ ...clearSelection(two), selectedNodeId: merge });
    expect(withoutOriginal.activeNodeId).toBe(ids[0]);
  });

  it('clearSelection unselects nodes and edges', () => {
    const { state } = tunedMerge();
    const withEdge = { ...state, edges: state.edges.map((e, i) => (i === 0 ? { ...e, selected: true } : e)) };
    const cleared = clearSelection(withEdge);
    expect(cleared.selectedNodeId).toBeNull();
    expect(cleared.nodes.some((n) => n.selected)).toBe(false);
    expect(cleared.edges.some((e) => e.selected)).toBe(false);
    expect(clearSelection(cleared)).toBe(cleared);
  });
});
