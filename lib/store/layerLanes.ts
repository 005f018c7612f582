/**
 * A per-model parameter seen as curves over the decoder layers, one curve per lane.
 *
 * A lane's curve is a mergekit gradient list, as it is: n anchors spread evenly over the
 * layers (anchor k at t = k / (n - 1)), the value of layer i interpolated between them by
 * mergekit's rule (lib/merge/gradient.ts); one anchor is a plain scalar.
 *
 * Lanes are either one curve for all tensors (a scalar or a gradient list), or one per
 * tensor group, written as mergekit's filter list (first matching entry wins):
 *
 *   - filter: self_attn   attention projections (model.layers.N.self_attn.q_proj.weight, …)
 *   - filter: mlp         MLP projections (model.layers.N.mlp.gate_proj.weight, …)
 *   - value: …            everything else: embeddings, layer norms, final norm, lm_head
 *
 * Filter lists of any other shape (imported from YAML) are not lanes: `readLanes` answers
 * null and the editor leaves them as written.
 */
import { gradientAtLayer } from '@/lib/merge/gradient';
import { roundParamNumber } from '@/lib/recipe/paramNumber';
import type { ParamFilterEntry } from '@/lib/recipe/schema';
import type { CanvasParamValue, CanvasState } from './canvasTypes';
import { isMergeNode } from './canvasTypes';
import { setModelParam } from './studioStore';

/** The tensor groups a split parameter has one lane for. */
export type GroupLaneId = 'attention' | 'mlp' | 'other';
export type LaneId = 'all' | GroupLaneId;

export const GROUP_LANES: readonly GroupLaneId[] = ['attention', 'mlp', 'other'];

/** The substring of Hugging Face tensor names that selects each filtered lane. */
export const LANE_FILTERS = { attention: 'self_attn', mlp: 'mlp' } as const;

export type Anchors = readonly number[];

export type LayerLanes =
  | { readonly split: false; readonly all: Anchors }
  | { readonly split: true; readonly attention: Anchors; readonly mlp: Anchors; readonly other: Anchors };

// ------------------------------------------------------------------ reading and writing values

function anchorsOf(value: ParamFilterEntry['value']): Anchors | null {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.length > 0) return value;
  return null;
}

/** The lanes a parameter value holds; null when it is not one of the shapes lanes write (a flag, a foreign filter list). */
export function readLanes(value: CanvasParamValue | undefined, fallback: number): LayerLanes | null {
  if (value === undefined) return { split: false, all: [fallback] };
  if (typeof value === 'boolean') return null;
  if (typeof value === 'number') return { split: false, all: [value] };
  if (value.length === 0) return null;
  if (value.every((v): v is number => typeof v === 'number')) return { split: false, all: value };
  const entries = value.filter((v): v is ParamFilterEntry => typeof v === 'object');
  if (entries.length !== 3) return null;
  const [first, second, rest] = entries;
  if (!first || !second || !rest || rest.filter !== undefined) return null;
  // The two filters select disjoint tensors, so either order means the same.
  const attention = first.filter === LANE_FILTERS.attention ? first : second.filter === LANE_FILTERS.attention ? second : null;
  const mlp = first.filter === LANE_FILTERS.mlp ? first : second.filter === LANE_FILTERS.mlp ? second : null;
  if (!attention || !mlp) return null;
  const lanes = { attention: anchorsOf(attention.value), mlp: anchorsOf(mlp.value), other: anchorsOf(rest.value) };
  if (!lanes.attention || !lanes.mlp || !lanes.other) return null;
  return { split: true, attention: lanes.attention, mlp: lanes.mlp, other: lanes.other };
}

function laneValue(anchors: Anchors): number | number[] {
  return anchors.length === 1 ? anchors[0]! : [...anchors];
}

/** The parameter value of some lanes: a scalar, a gradient list, or the three-entry filter list. */
export function writeLanes(lanes: LayerLanes): CanvasParamValue {
  if (!lanes.split) return laneValue(lanes.all);
  return [
    { filter: LANE_FILTERS.attention, value: laneValue(lanes.attention) },
    { filter: LANE_FILTERS.mlp, value: laneValue(lanes.mlp) },
    { value: laneValue(lanes.other) },
  ];
}

export interface Lane {
  readonly id: LaneId;
  readonly anchors: Anchors;
}

/** The lanes in the order the editor shows them (the filter list's order). */
export function laneList(lanes: LayerLanes): Lane[] {
  if (!lanes.split) return [{ id: 'all', anchors: lanes.all }];
  return GROUP_LANES.map((id) => ({ id, anchors: lanes[id] }));
}

/** Gives lane `id` a new curve ('all' gives it to every lane). */
export function withLaneAnchors(lanes: LayerLanes, id: LaneId, anchors: Anchors): LayerLanes {
  if (!lanes.split) return { split: false, all: anchors };
  if (id === 'all') return { split: true, attention: anchors, mlp: anchors, other: anchors };
  return { ...lanes, [id]: anchors };
}

/** One lane per tensor group, each starting from the one curve: every tensor keeps its value. */
export function splitLanes(lanes: LayerLanes): LayerLanes {
  if (lanes.split) return lanes;
  return { split: true, attention: lanes.all, mlp: lanes.all, other: lanes.all };
}

function sameAnchors(a: Anchors, b: Anchors): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Whether joining the lanes back into one curve would change some tensor's value. */
export function lanesDiffer(lanes: LayerLanes): boolean {
  return lanes.split && !(sameAnchors(lanes.attention, lanes.mlp) && sameAnchors(lanes.attention, lanes.other));
}

/** One curve for all tensors again: the curve of the lane `keep`. */
export function joinLanes(lanes: LayerLanes, keep: GroupLaneId): LayerLanes {
  if (!lanes.split) return lanes;
  return { split: false, all: lanes[keep] };
}

// ------------------------------------------------------------------ anchors on a curve

/**
 * Where anchor `index` of `count` sits on the layer axis, as a fraction t ∈ [0, 1] (layer
 * t·(L − 1)). A single anchor is a constant; it is drawn in the middle.
 */
export function anchorPosition(index: number, count: number): number {
  return count > 1 ? index / (count - 1) : 0.5;
}

/** The value every layer gets, by mergekit's rule. */
export function valuesPerLayer(anchors: Anchors, layerCount: number): number[] {
  return Array.from({ length: layerCount }, (_, i) => gradientAtLayer(anchors, i, layerCount));
}

export function setAnchor(anchors: Anchors, index: number, value: number): number[] {
  return anchors.map((v, i) => (i === index ? roundParamNumber(value) : v));
}

/** One more anchor, the curve resampled at the new, evenly spread positions (exact where it was straight). */
export function addAnchor(anchors: Anchors): number[] {
  const count = anchors.length + 1;
  return Array.from({ length: count }, (_, k) => roundParamNumber(gradientAtLayer(anchors, k, count)));
}

/** The anchor of a curve of `count` anchors closest to position t. */
export function nearestAnchor(count: number, t: number): number {
  return count > 1 ? Math.round(Math.min(1, Math.max(0, t)) * (count - 1)) : 0;
}

/** Drops one anchor; the others spread evenly again. The last anchor stays. */
export function removeAnchor(anchors: Anchors, index: number): number[] {
  return anchors.length > 1 ? anchors.filter((_, i) => i !== index) : [...anchors];
}

/**
 * Sets the value of one layer: the curve becomes one anchor per layer (each anchor sits
 * exactly on its layer, so no other layer changes), as the per-layer sliders edit it.
 */
export function setLayerOnCurve(anchors: Anchors, layer: number, layerCount: number, value: number): number[] {
  return valuesPerLayer(anchors, layerCount).map((v, i) => (i === layer ? roundParamNumber(value) : v));
}

// ------------------------------------------------------------------ store action

/**
 * Updates the lanes of an input's parameter on a merge node, reading the value from the
 * state it is applied to. A value that holds no lanes is left as it is.
 */
export function updateLanes(
  state: CanvasState,
  mergeId: string,
  inputId: string,
  name: string,
  fallback: number,
  update: (lanes: LayerLanes) => LayerLanes,
): CanvasState {
  const merge = state.nodes.find((n) => n.id === mergeId);
  if (!merge || !isMergeNode(merge)) return state;
  const lanes = readLanes(merge.data.modelParams[inputId]?.[name], fallback);
  return lanes ? setModelParam(state, mergeId, inputId, name, writeLanes(update(lanes))) : state;
}
