/**
 * mergekit's gradient rule (mergekit/config.py `evaluate_setting`, mergekit/plan.py `plan_slice`).
 *
 * A gradient is a list of n anchors spread over the layers of a slice. Layer i of
 * a slice of N layers sits at t = i / (N - 1) (t = 1 when N = 1); s = t·(n - 1);
 * the value interpolates linearly between anchors floor(s) and floor(s) + 1, the
 * upper index clamped to the last anchor. Tensors outside the layers (embeddings,
 * final norm, lm_head) are evaluated at t = 0.
 */

/** Position t ∈ [0, 1] of layer `index` within a slice of `layerCount` layers. */
export function layerT(index: number, layerCount: number): number {
  if (!Number.isInteger(layerCount) || layerCount < 1) throw new RangeError(`layerCount must be a positive integer (got ${layerCount})`);
  if (!Number.isInteger(index) || index < 0 || index >= layerCount) {
    throw new RangeError(`layer ${index} is outside a slice of ${layerCount} layers`);
  }
  return layerCount > 1 ? index / (layerCount - 1) : 1;
}

/** The t of tensors outside the decoder layers. */
export const OUTSIDE_LAYERS_T = 0;

/**
 * Value of a gradient at t, exactly as mergekit computes it:
 * `scaled = t·(n-1); i0 = int(scaled); i1 = min(n-1, i0+1); frac = scaled - i0;
 *  (1 - frac)·a[i0] + frac·a[i1]`. t is clamped to [0, 1].
 */
export function interpolateGradient(anchors: readonly number[], t: number): number {
  const n = anchors.length;
  if (n === 0) throw new RangeError('a gradient needs at least one anchor');
  const tc = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const scaled = tc * (n - 1);
  const i0 = Math.trunc(scaled);
  const i1 = Math.min(n - 1, i0 + 1);
  const frac = scaled - i0;
  return (1 - frac) * anchors[i0]! + frac * anchors[i1]!;
}

/** Value of a gradient at layer `index` of a slice of `layerCount` layers. */
export function gradientAtLayer(anchors: readonly number[], index: number, layerCount: number): number {
  return interpolateGradient(anchors, layerT(index, layerCount));
}
