/**
 * slerp (mergekit `SlerpMerge`, mergekit/merge_methods/slerp.py): spherical linear
 * interpolation between exactly two models, the base being the t = 0 end.
 *
 * On the flattened tensors v0 (base) and v1 (the other model), as mergekit's `slerp()`:
 *   v̂ = v / ‖v‖ (left as is when ‖v‖ ≤ eps = 1e-8);  dot = Σ v̂0·v̂1;
 *   |dot| > DOT_THRESHOLD = 0.9995 (mergekit compares with the threshold itself, not with
 *   1 − threshold): nearly colinear, lerp (1 − t)·v0 + t·v1;
 *   else θ0 = arccos(dot), s0 = sin(θ0 − t·θ0) / sin θ0, s1 = sin(t·θ0) / sin θ0,
 *   result = s0·v0 + s1·v1 (the unnormalised tensors: norms are interpolated too).
 * At t = 0 and t = 1 this returns the ends exactly (s0, s1 are exactly 1, 0 or 0, 1).
 *
 * `t` is a global parameter (mergekit `parameters()`: required, no default), usually a
 * gradient or a filter list (`self_attn` / `mlp` / default), so it is resolved per
 * output tensor; a per-model `t` is ignored, as in mergekit. t outside [0, 1] extrapolates.
 *
 * Inputs: mergekit's `SlerpTask` needs the base among exactly two tensors (one lone tensor
 * is passed through). The studio asks for exactly two: base_model plus one other model
 * (a one-input SLERP would be a copy). mergekit's `rectify_embed_sizes` (embeddings of
 * different vocabulary sizes) has no counterpart: the planner rejects differing shapes.
 */
import { defineMergeMethod, numberParam } from '../method';
import { combineInto, dot, lerp, norm } from './vectorOps';

/** mergekit's `DOT_THRESHOLD`: above this |cos θ| the two tensors count as colinear. */
export const SLERP_DOT_THRESHOLD = 0.9995;
const NORMALIZE_EPS = 1e-8;

/** mergekit's `slerp(t, v0, v1)` on flattened tensors. */
export function slerpVectors(t: number, v0: Float32Array, v1: Float32Array): Float32Array {
  const n0 = norm(v0);
  const n1 = norm(v1);
  const cos = dot(v0, v1) / ((n0 > NORMALIZE_EPS ? n0 : 1) * (n1 > NORMALIZE_EPS ? n1 : 1));
  if (Math.abs(cos) > SLERP_DOT_THRESHOLD) return lerp(t, v0, v1);
  const theta0 = Math.acos(cos);
  const sinTheta0 = Math.sin(theta0);
  const thetaT = theta0 * t;
  const s0 = Math.sin(theta0 - thetaT) / sinTheta0;
  const s1 = Math.sin(thetaT) / sinTheta0;
  const out = new Float32Array(v0.length);
  combineInto(out, s0, v0, s1, v1);
  return out;
}

export const slerpMethod = defineMergeMethod({
  name: 'slerp',
  label: 'SLERP',
  description: 'Spherical interpolation between the base (t = 0) and one other model (t = 1).',
  referenceUrl: 'https://en.wikipedia.org/wiki/Slerp',
  inMergekit: true,
  parameters: [
    {
      name: 't',
      kind: 'number',
      required: true,
      description: 'Position along the arc: 0 is the base model, 1 the other model.',
      range: [0, 1],
    },
  ],
  tensorParameters: [],
  baseModel: 'required',
  inputs: { min: 2, max: 2 },
  merge({ inputs, base, params }) {
    if (inputs.length !== 2) throw new Error(`slerp expects exactly two models (got ${inputs.length})`);
    if (!base) throw new Error('slerp needs the base model among its two inputs');
    const other = inputs.find((i) => i !== base)!;
    return slerpVectors(numberParam(params, 't'), base.data, other.data);
  },
});
