/**
 * multislerp (mergekit mergekit/merge_methods/multislerp.py, an `@merge_method`): a
 * weighted barycentre of any number of models on the hypersphere, optionally around a
 * base (then of the task vectors xᵢ − base, and the base is added back).
 *
 * As mergekit computes it, on the flattened tensors vᵢ (xᵢ, or xᵢ − base):
 *   one model: that model, unchanged (even with a base);
 *   w ← w / Σw when `normalize_weights` (default true);
 *   uᵢ = vᵢ / (‖vᵢ‖ + eps);  m = Σ wᵢ·uᵢ;
 *   ‖m‖ < eps: with two models the linear mix w₀·v₀ + w₁·v₁ (+ base); with more, an error
 *   ("the weighted sum of the input tensors is zero", antipodal inputs);
 *   m̂ = m / ‖m‖;  tangents τᵢ = uᵢ − (uᵢ·m̂)·m̂;  τ = Σ wᵢ·τᵢ;  ‖τ‖' = ‖τ‖ + eps;
 *   r = m̂·cos ‖τ‖' + τ·sin ‖τ‖' / ‖τ‖';  result = r · Σ wᵢ‖vᵢ‖ (+ base).
 * Note that τ is zero up to rounding (Σ wᵢ(uᵢ·m̂) = m·m̂ = ‖m‖), so the result is the
 * direction of the weighted mean of the unit vectors, scaled by the weighted mean norm.
 * The steps are computed literally anyway, so rounding follows mergekit's formula.
 *
 * Parameters as mergekit derives them from the function's signature: `weight`
 * (List[float], no default: required per model; the base's is never read),
 * `normalize_weights` (bool = True), `eps` (float = 1e-8); base_model optional
 * (`Optional[torch.Tensor]`), and the base is not one of the `tensors`.
 *
 * Where mergekit would divide by Σw = 0 (normalize_weights with weights summing to zero)
 * and produce NaNs, the planner reports the problem instead. One deliberate departure: when
 * every vᵢ is exactly zero (each model equals the base on this tensor, as fine-tunes with
 * frozen embeddings or norms have), mergekit raises the "weighted sum is zero" error with
 * three or more models; the studio returns the tensor they all share.
 */
import { booleanParam, defineMergeMethod, numberParam } from '../method';
import { difference, dot, norm } from './vectorOps';

const ZERO_WEIGHT_SUM = 1e-8;

/** mergekit's `multislerp(tensors, weight, base_tensor, normalize_weights, eps)` on flat tensors. */
export function multislerpVectors(
  tensors: readonly Float32Array[],
  weights: readonly number[],
  base: Float32Array | null,
  normalizeWeights: boolean,
  eps: number,
): Float32Array {
  const first = tensors[0];
  if (!first) throw new Error('multislerp needs at least one model');
  if (tensors.length === 1) return first.slice();
  const vs = base ? tensors.map((x) => difference(x, base)) : tensors;
  const total = weights.reduce((s, w) => s + w, 0);
  const w = normalizeWeights ? weights.map((x) => x / total) : [...weights];
  const n = first.length;
  const norms = vs.map((v) => norm(v));
  if (norms.every((x) => x === 0)) return (base ?? first).slice();

  const mean = new Float64Array(n);
  vs.forEach((v, i) => {
    const c = w[i]! / (norms[i]! + eps);
    for (let j = 0; j < n; j++) mean[j]! += c * v[j]!;
  });
  const meanNorm = norm(mean);
  const out = new Float32Array(n);
  if (meanNorm < eps) {
    if (vs.length !== 2) {
      throw new Error(
        'the weighted sum of the input tensors is zero (antipodal vectors, or vectors whose weights exactly balance out); try different weights',
      );
    }
    const [v0, v1] = vs as [Float32Array, Float32Array];
    for (let j = 0; j < n; j++) out[j] = v0[j]! * w[0]! + v1[j]! * w[1]! + (base ? base[j]! : 0);
    return out;
  }
  for (let j = 0; j < n; j++) mean[j]! /= meanNorm;

  // τ = Σ wᵢ·(uᵢ − (uᵢ·m̂)·m̂)
  const tangent = new Float64Array(n);
  vs.forEach((v, i) => {
    const scale = 1 / (norms[i]! + eps);
    const d = dot(v, mean) * scale;
    const wi = w[i]!;
    for (let j = 0; j < n; j++) tangent[j]! += wi * (v[j]! * scale - d * mean[j]!);
  });
  const tangentNorm = norm(tangent) + eps;
  const avgNorm = norms.reduce((s, x, i) => s + x * w[i]!, 0);
  const c = Math.cos(tangentNorm) * avgNorm;
  const s = (Math.sin(tangentNorm) / tangentNorm) * avgNorm;
  for (let j = 0; j < n; j++) out[j] = mean[j]! * c + tangent[j]! * s + (base ? base[j]! : 0);
  return out;
}

export const multislerpMethod = defineMergeMethod({
  name: 'multislerp',
  label: 'Multi-SLERP',
  description: 'Weighted spherical barycentre of any number of models, optionally of their task vectors from a base.',
  referenceUrl: 'https://goddard.blog/posts/multislerp-wow-what-a-cool-idea',
  inMergekit: true,
  parameters: [
    {
      name: 'normalize_weights',
      kind: 'boolean',
      required: false,
      default: true,
      description: 'Divide the weights by their sum, so they need not sum to 1.',
    },
    {
      name: 'eps',
      kind: 'number',
      required: false,
      default: 1e-8,
      description: 'Small constant that keeps the normalisations away from division by zero.',
      range: [0, 1e-4],
    },
  ],
  tensorParameters: [
    {
      name: 'weight',
      kind: 'number',
      required: true,
      description: 'How much this model pulls the barycentre towards itself.',
      range: [0, 1],
    },
  ],
  baseModel: 'optional',
  inputs: { min: 1 },
  checkTensor({ params, inputs }) {
    const others = inputs.filter((i) => !i.isBase);
    if (others.length === 0) return 'needs at least one model besides the base; got 0';
    if (others.length === 1 || params.normalize_weights !== true) return undefined;
    const total = others.reduce((s, i) => s + Number(i.params.weight ?? 0), 0);
    return Math.abs(total) < ZERO_WEIGHT_SUM
      ? `the weights sum to ${total}, so normalize_weights: true would divide by zero; change a weight or set normalize_weights: false`
      : undefined;
  },
  merge({ inputs, base, params }) {
    const others = inputs.filter((i) => !i.isBase);
    return multislerpVectors(
      others.map((i) => i.data),
      others.map((i) => numberParam(i.params, 'weight')),
      base?.data ?? null,
      booleanParam(params, 'normalize_weights'),
      numberParam(params, 'eps'),
    );
  },
});
