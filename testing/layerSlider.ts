import type { CanvasState } from '@/lib/store/canvasTypes';
import { laneList, setLayerOnCurve, updateLanes, withLaneAnchors } from '@/lib/store/layerLanes';

/**
 * What one layer slider of the inspector does to an input's weight (one lane for all tensors,
 * as PerLayerEditor does it): the curve becomes one anchor per layer, and that layer moves.
 */
export function setLayerWeight(state: CanvasState, mergeId: string, inputId: string, layer: number, value: number, layerCount = 4): CanvasState {
  return updateLanes(state, mergeId, inputId, 'weight', 1, (lanes) => withLaneAnchors(lanes, 'all', setLayerOnCurve(laneList(lanes)[0]!.anchors, layer, layerCount, value)));
}
