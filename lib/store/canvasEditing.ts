import type { XYPosition } from '@xyflow/react';
import { edgeId } from './canvasRecipe';
import { isMergeNode, type StudioEdge, type StudioNode } from './canvasTypes';
import type { CanvasState } from './canvasTypes';
import { nextId, nextStageName, removeNodes } from './studioStore';

// Editing the selection: duplicate, delete, deselect. Pure functions from state to state,
// applied through the store's `apply` so each one is a single undo step.

/** The selected nodes: React Flow's selection flags plus the node the inspector shows. */
export function selectedNodeIds(state: CanvasState): string[] {
  const ids = state.nodes.filter((n) => n.selected).map((n) => n.id);
  if (state.selectedNodeId && !ids.includes(state.selectedNodeId) && state.nodes.some((n) => n.id === state.selectedNodeId)) {
    ids.push(state.selectedNodeId);
  }
  return ids;
}

export function hasSelection(state: CanvasState): boolean {
  return selectedNodeIds(state).length > 0 || state.edges.some((e) => e.selected);
}

/** Nothing selected: no node, no edge, an empty inspector. */
export function clearSelection(state: CanvasState): CanvasState {
  if (state.selectedNodeId === null && !state.nodes.some((n) => n.selected) && !state.edges.some((e) => e.selected)) return state;
  return {
    ...state,
    nodes: state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
    edges: state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    selectedNodeId: null,
  };
}

/** Removes nodes (with their wiring and the parameters merges kept for them) and edges, in one edit. */
export function removeElements(state: CanvasState, nodeIds: readonly string[], edgeIds: readonly string[]): CanvasState {
  const goneEdges = new Set(edgeIds);
  const unwired = goneEdges.size > 0 ? { ...state, edges: state.edges.filter((e) => !goneEdges.has(e.id)) } : state;
  return nodeIds.length > 0 ? removeNodes(unwired, nodeIds) : unwired;
}

/** Deletes what is selected: nodes and edges. */
export function removeSelection(state: CanvasState): CanvasState {
  return removeElements(
    state,
    selectedNodeIds(state),
    state.edges.filter((e) => e.selected).map((e) => e.id),
  );
}

const FALLBACK_SIZE = { width: 200, height: 80 };
const DUPLICATE_GAP = 30;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function boxOf(node: StudioNode, offset: XYPosition = { x: 0, y: 0 }): Box {
  return {
    x: node.position.x + offset.x,
    y: node.position.y + offset.y,
    width: node.measured?.width ?? FALLBACK_SIZE.width,
    height: node.measured?.height ?? FALLBACK_SIZE.height,
  };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** How far below the originals the copies go: the first offset where no copy covers a node already there. */
function duplicateOffset(originals: readonly StudioNode[], all: readonly StudioNode[]): XYPosition {
  const top = Math.min(...originals.map((n) => boxOf(n).y));
  const bottom = Math.max(...originals.map((n) => boxOf(n).y + boxOf(n).height));
  const step = bottom - top + DUPLICATE_GAP;
  for (let k = 1; k < 100; k++) {
    const offset = { x: 0, y: k * step };
    if (!originals.some((copy) => all.some((other) => overlaps(boxOf(copy, offset), boxOf(other))))) return offset;
  }
  return { x: 0, y: step };
}

/**
 * Copies nodes. A merge copy gets a new stage name and the original's method, parameters,
 * base model, slices and input edges; a model copy gets the same model. When an input is
 * copied along with its merge, the merge copy reads the input's copy, so a copied group
 * stays wired the way the original is. The copies become the selection.
 */
export function duplicateNodes(state: CanvasState, ids: readonly string[]): { state: CanvasState; ids: string[] } {
  const chosen = new Set(ids);
  const originals = state.nodes.filter((n) => chosen.has(n.id));
  if (originals.length === 0) return { state, ids: [] };
  const offset = duplicateOffset(originals, state.nodes);

  const copyId = new Map<string, string>();
  const copyStage = new Map<string, string>();
  let working: CanvasState = state;
  const copies: StudioNode[] = [];
  for (const node of originals) {
    const id = nextId(working, node.type);
    const position = { x: node.position.x + offset.x, y: node.position.y + offset.y };
    const copy: StudioNode = isMergeNode(node)
      ? { id, type: 'merge', position, selected: true, data: { ...structuredClone(node.data), stage: nextStageName(working) } }
      : { id, type: 'model', position, selected: true, data: structuredClone(node.data) };
    copyId.set(node.id, id);
    if (isMergeNode(node) && isMergeNode(copy)) copyStage.set(node.data.stage, copy.data.stage);
    copies.push(copy);
    working = { ...working, nodes: [...working.nodes, copy] };
  }

  const rewired = copies.map((copy): StudioNode => {
    if (!isMergeNode(copy)) return copy;
    const { data } = copy;
    const stageOf = (ref: string) => copyStage.get(ref) ?? ref;
    return {
      ...copy,
      data: {
        ...data,
        baseModel: data.baseModel === null ? null : stageOf(data.baseModel),
        modelParams: Object.fromEntries(Object.entries(data.modelParams).map(([inputId, params]) => [copyId.get(inputId) ?? inputId, params])),
        ...(data.slices
          ? { slices: data.slices.map((slice) => ({ ...slice, sources: slice.sources.map((s) => ({ ...s, model: stageOf(s.model) })) })) }
          : {}),
      },
    };
  });

  const newEdges: StudioEdge[] = state.edges.flatMap((edge) => {
    const target = copyId.get(edge.target);
    if (target === undefined) return [];
    const source = copyId.get(edge.source) ?? edge.source;
    return [{ id: edgeId(source, target), source, target }];
  });

  const newIds = copies.map((n) => n.id);
  const primary = copyId.get(state.selectedNodeId ?? '') ?? copies[0]!.id;
  return {
    state: {
      ...state,
      nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...rewired],
      edges: [...state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...newEdges],
      selectedNodeId: primary,
    },
    ids: newIds,
  };
}

/** Duplicates what is selected (see duplicateNodes). */
export function duplicateSelection(state: CanvasState): CanvasState {
  return duplicateNodes(state, selectedNodeIds(state)).state;
}
