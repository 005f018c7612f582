import type { Edge, Node } from '@xyflow/react';

import type { ParamValue, RecipeSlice } from '@/lib/recipe/schema';

/** A parameter value as the recipe holds it: a scalar, a flag, a gradient list or a filter list. */
export type CanvasParamValue = ParamValue;

export type ModelNodeData = {
  /** Zoo model id (a folder under public/models). */
  modelId: string;
};

export type MergeNodeData = {
  /** Stage name in the recipe; later merges refer to this merge by it. */
  stage: string;
  /** mergekit method name. */
  method: string;
  /** Reference to the base model: a zoo id or another merge's stage name; null when none. */
  baseModel: string | null;
  /** Global parameters (lambda, normalize, …). */
  params: Record<string, CanvasParamValue>;
  /** Per-input parameters, keyed by the id of the input node (weight, density, …). */
  modelParams: Record<string, Record<string, CanvasParamValue>>;
  /**
   * Layer slices (mergekit `slices:`), when the merge stacks layer ranges instead of combining
   * whole models: sources name inputs by their recipe reference. Absent: `models:` syntax.
   */
  slices?: RecipeSlice[];
};

export type ModelNode = Node<ModelNodeData, 'model'>;
export type MergeNode = Node<MergeNodeData, 'merge'>;
export type StudioNode = ModelNode | MergeNode;
export type StudioEdge = Edge;

/** The canvas as the store holds it: the document (nodes, wiring, the previewed merge) and the selection. */
export interface CanvasState {
  nodes: StudioNode[];
  edges: StudioEdge[];
  /** The merge node the preview and the scores follow. */
  activeNodeId: string | null;
  /** The node the inspector shows. */
  selectedNodeId: string | null;
}

export function isMergeNode(node: StudioNode): node is MergeNode {
  return node.type === 'merge';
}
