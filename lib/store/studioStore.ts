import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import { create } from 'zustand';
import { unsetParamValue } from '@/lib/merge/method';
import { getMergeMethod } from '@/lib/merge/registry';
import type { RecipeSlice } from '@/lib/recipe/schema';
import { edgeId, emptyMergeData, inputsOf, mergeOrder, referenceOf } from './canvasRecipe';
import { emptyHistory, recordEdit, redoStep, sealStep, undoStep, type CanvasHistory } from './canvasHistory';
import type { CanvasParamValue, CanvasState, MergeNode, StudioEdge, StudioNode } from './canvasTypes';
import { isMergeNode } from './canvasTypes';

export const emptyCanvas: CanvasState = { nodes: [], edges: [], activeNodeId: null, selectedNodeId: null };

// ------------------------------------------------------------------ pure actions
// Plain functions from state to state, testable without React or a DOM.

export function nextId(state: CanvasState, prefix: string): string {
  const used = new Set(state.nodes.map((n) => n.id));
  for (let i = 1; ; i++) if (!used.has(`${prefix}-${i}`)) return `${prefix}-${i}`;
}

export function nextStageName(state: CanvasState): string {
  const used = new Set(state.nodes.filter(isMergeNode).map((n) => n.data.stage));
  for (let i = 1; ; i++) if (!used.has(`merge-${i}`)) return `merge-${i}`;
}

function defaultPosition(state: CanvasState, type: 'model' | 'merge'): XYPosition {
  const count = state.nodes.filter((n) => n.type === type).length;
  return type === 'model' ? { x: 0, y: count * 110 } : { x: 340, y: count * 160 };
}

export function addModelNode(state: CanvasState, modelId: string, position?: XYPosition): { state: CanvasState; id: string } {
  const id = nextId(state, 'model');
  const node: StudioNode = { id, type: 'model', position: position ?? defaultPosition(state, 'model'), data: { modelId } };
  return { state: { ...state, nodes: [...state.nodes, node] }, id };
}

export function addMergeNode(state: CanvasState, position?: XYPosition): { state: CanvasState; id: string } {
  const id = nextId(state, 'merge');
  const node: MergeNode = {
    id,
    type: 'merge',
    position: position ?? defaultPosition(state, 'merge'),
    data: emptyMergeData(nextStageName(state)),
    selected: true,
  };
  const others = state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  return {
    state: { ...state, nodes: [...others, node], activeNodeId: state.activeNodeId ?? id, selectedNodeId: id },
    id,
  };
}

/** Why a connection is not allowed, or null when it is. */
export function connectionProblem(state: CanvasState, source: string, target: string): string | null {
  const targetNode = state.nodes.find((n) => n.id === target);
  if (!targetNode || !state.nodes.some((n) => n.id === source)) return 'Both ends must exist.';
  if (!isMergeNode(targetNode)) return 'Connect models into a merge node.';
  if (source === target) return 'A merge cannot feed itself.';
  if (state.edges.some((e) => e.source === source && e.target === target)) return 'Already connected.';
  const sourceNode = state.nodes.find((n) => n.id === source);
  const ref = sourceNode ? referenceOf(sourceNode) : null;
  if (inputsOf(target, state.nodes, state.edges).some((n) => referenceOf(n) === ref)) return `${ref} is already an input of this merge.`;
  const trial = [...state.edges, { id: 'trial', source, target }];
  if (mergeOrder(state.nodes, trial).cyclic.length > 0) return 'That would make a cycle.';
  return null;
}

export function connect(state: CanvasState, source: string, target: string): CanvasState {
  if (connectionProblem(state, source, target)) return state;
  const connected = { ...state, edges: [...state.edges, { id: edgeId(source, target), source, target }] };
  return updateMerge(connected, target, (data) => withRequiredDefaults(data, [source]));
}

/**
 * Gives each input a value for every parameter its method requires of it (mergekit fails
 * without them), so a fresh connection runs at once: weight 1 unless the method says otherwise.
 */
function withRequiredDefaults(data: MergeNode['data'], inputIds: readonly string[]): MergeNode['data'] {
  const method = getMergeMethod(data.method);
  if (!method) return data;
  const modelParams = { ...data.modelParams };
  for (const inputId of inputIds) {
    const params = { ...(modelParams[inputId] ?? {}) };
    for (const p of method.tensorParameters) {
      if (p.required && params[p.name] === undefined) params[p.name] = unsetParamValue(p);
    }
    modelParams[inputId] = params;
  }
  return { ...data, modelParams };
}

/** Switches a merge to another method: its global parameters reset, inputs get the new method's required values. */
export function setMethod(state: CanvasState, mergeId: string, method: string): CanvasState {
  const inputIds = state.edges.filter((e) => e.target === mergeId).map((e) => e.source);
  return updateMerge(state, mergeId, (data) => withRequiredDefaults({ ...data, method, params: {} }, inputIds));
}

export function removeNodes(state: CanvasState, ids: readonly string[]): CanvasState {
  const gone = new Set(ids);
  const nodes = state.nodes
    .filter((n) => !gone.has(n.id))
    .map((n) => {
      if (!isMergeNode(n)) return n;
      const modelParams = Object.fromEntries(Object.entries(n.data.modelParams).filter(([k]) => !gone.has(k)));
      return { ...n, data: { ...n.data, modelParams } };
    });
  const merges = nodes.filter(isMergeNode);
  const keep = (id: string | null) => (id && !gone.has(id) ? id : null);
  return {
    nodes,
    edges: state.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
    activeNodeId: keep(state.activeNodeId) ?? merges[0]?.id ?? null,
    selectedNodeId: keep(state.selectedNodeId),
  };
}

export function updateMerge(state: CanvasState, id: string, update: (data: MergeNode['data']) => MergeNode['data']): CanvasState {
  return {
    ...state,
    nodes: state.nodes.map((n) => (n.id === id && isMergeNode(n) ? { ...n, data: update(n.data) } : n)),
  };
}

export function setModelParam(state: CanvasState, mergeId: string, inputId: string, name: string, value: CanvasParamValue | undefined): CanvasState {
  return updateMerge(state, mergeId, (data) => {
    const current = { ...(data.modelParams[inputId] ?? {}) };
    if (value === undefined) delete current[name];
    else current[name] = value;
    return { ...data, modelParams: { ...data.modelParams, [inputId]: current } };
  });
}

export function setGlobalParam(state: CanvasState, mergeId: string, name: string, value: CanvasParamValue | undefined): CanvasState {
  return updateMerge(state, mergeId, (data) => {
    const params = { ...data.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    return { ...data, params };
  });
}

/** Replaces a merge's layer slices; an empty list returns it to `models:` syntax. */
export function setSlices(state: CanvasState, mergeId: string, slices: RecipeSlice[]): CanvasState {
  return updateMerge(state, mergeId, (data) => {
    const { slices: _previous, ...rest } = data;
    return slices.length > 0 ? { ...rest, slices } : rest;
  });
}

export function mergeInputs(state: CanvasState, mergeId: string): StudioNode[] {
  return inputsOf(mergeId, state.nodes, state.edges);
}

// ------------------------------------------------------------------ the store

interface StudioActions {
  /** Puts a canvas in place as one undoable edit (a restore, an imported file). */
  replace(state: CanvasState): void;
  /** Puts a canvas in place as a fresh start (a share link, the autosave at load): nothing to undo before it. */
  load(state: CanvasState): void;
  onNodesChange(changes: NodeChange<StudioNode>[]): void;
  onEdgesChange(changes: EdgeChange<StudioEdge>[]): void;
  apply(action: (state: CanvasState) => CanvasState): void;
  addModel(modelId: string, position?: XYPosition): string;
  addMerge(position?: XYPosition): string;
  select(id: string | null): void;
  activate(id: string): void;
  undo(): void;
  redo(): void;
  /** Ends the current gesture: the next edit is its own undo step. */
  sealHistory(): void;
}

export type StudioStore = CanvasState & StudioActions & { history: CanvasHistory };

function canvasOf(s: CanvasState): CanvasState {
  return { nodes: s.nodes, edges: s.edges, activeNodeId: s.activeNodeId, selectedNodeId: s.selectedNodeId };
}

export const useStudioStore = create<StudioStore>()((set, get) => {
  // Every change of the canvas goes through here, so each edit is recorded for undo.
  const commit = (next: CanvasState) => {
    const { history } = get();
    set({ ...canvasOf(next), history: recordEdit(history, canvasOf(get()), canvasOf(next), Date.now()) });
  };
  // React Flow's own selection follows each node's `selected` flag: keep it in step with the inspector.
  const withSelectionFlags = (state: CanvasState): CanvasState => ({
    ...state,
    nodes: state.nodes.map((n) => ({ ...n, selected: n.id === state.selectedNodeId })),
  });
  const travel = (step: typeof undoStep) => {
    const moved = step(get().history, canvasOf(get()));
    if (moved) set({ ...canvasOf(moved.state), history: moved.history });
  };
  return {
    ...emptyCanvas,
    history: emptyHistory,
    replace: (state) => commit(withSelectionFlags(state)),
    load: (state) => set({ ...canvasOf(withSelectionFlags(state)), history: emptyHistory }),
    onNodesChange: (changes) => {
      const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
      const moved = applyNodeChanges(changes.filter((c) => c.type !== 'remove'), get().nodes);
      const next = { ...canvasOf(get()), nodes: moved };
      commit(removed.length ? removeNodes(next, removed) : next);
    },
    onEdgesChange: (changes) => commit({ ...canvasOf(get()), edges: applyEdgeChanges(changes, get().edges) }),
    apply: (action) => commit(action(canvasOf(get()))),
    addModel: (modelId, position) => {
      const { state, id } = addModelNode(canvasOf(get()), modelId, position);
      commit(state);
      return id;
    },
    addMerge: (position) => {
      const { state, id } = addMergeNode(canvasOf(get()), position);
      commit(state);
      return id;
    },
    select: (id) => set({ selectedNodeId: id }),
    activate: (id) => commit({ ...canvasOf(get()), activeNodeId: id }),
    undo: () => travel(undoStep),
    redo: () => travel(redoStep),
    sealHistory: () => {
      const { history } = get();
      const sealed = sealStep(history);
      if (sealed !== history) set({ history: sealed });
    },
  };
});
