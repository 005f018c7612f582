/**
 * sce (mergekit `merge_methods/sce.py`, "Select, Calculate, Erase" from FuseChat,
 * https://arxiv.org/abs/2408.07990). Per output tensor, with task vectors δᵢ = xᵢ − base
 * of the inputs other than the base (none: the result is the base):
 *
 *   Select (only when select_topk < 1): the variance across models of each position,
 *     var[j] = mean over i of (δᵢ[j] − mean δ[j])² (torch.var, unbiased=False); keep the
 *     k = int(count(var ≠ 0)·select_topk) positions of largest variance in every δᵢ, zero the
 *     others (k = 0 or select_topk ≤ 0 zeroes all).
 *   Calculate: one weight per model, wᵢ = mean(δᵢ²) / Σₖ mean(δₖ²) (1/m each when that sum is
 *     below 1e-6).
 *   Erase: TIES sign election on the unweighted δᵢ (majority = sign of Σᵢ δᵢ[j], ≥ 0 → +1);
 *     result = base + Σᵢ agreeᵢ·wᵢ·δᵢ / max(Σᵢ agreeᵢ·wᵢ, 1e-6).
 *
 * mergekit declares no per-model parameters for sce (no `weight`, no `lambda`): the weights
 * are computed. Equal variances at the top-k cut are kept by lower index first (torch.topk
 * picks arbitrarily among ties).
 */
import { defineMergeMethod, numberParam } from '../method';
import { keepLargest } from './sparsify';

/** mergekit: `torch.sum(erased_weights).clamp(min=1e-6)`, in fp32. */
const MIN_DIVISOR = Math.fround(1e-6);
/** mergekit `sce_weight`: a weight sum below this gives equal weights. */
const ZERO_WEIGHT_SUM = 1e-6;

/** Zero, in every task vector, the positions outside the top select_topk fraction by variance across models. */
function selectByVariance(tvs: readonly Float32Array[], n: number, selectTopk: number): void {
  if (selectTopk <= 0) {
    for (const tv of tvs) tv.fill(0);
    return;
  }
  const m = tvs.length;
  const variance = new Float32Array(n);
  let nonzero = 0;
  for (let j = 0; j < n; j++) {
    let mean = 0;
    for (let i = 0; i < m; i++) mean += tvs[i]![j]!;
    mean /= m;
    let v = 0;
    for (let i = 0; i < m; i++) {
      const d = tvs[i]![j]! - mean;
      v += d * d;
    }
    variance[j] = v / m;
    if (variance[j] !== 0) nonzero++;
  }
  const k = Math.trunc(nonzero * selectTopk);
  // The k kept positions all have a non-zero variance (k ≤ nonzero), so "kept" is "still non-zero".
  keepLargest(variance, k);
  for (const tv of tvs) for (let j = 0; j < n; j++) if (variance[j] === 0) tv[j] = 0;
}

/** mergekit `sce_weight`: mean square per task vector, normalized to sum to 1. */
function sceWeights(tvs: readonly Float32Array[]): Float64Array {
  const m = tvs.length;
  const weights = new Float64Array(m);
  let sum = 0;
  tvs.forEach((tv, i) => {
    let s = 0;
    for (let j = 0; j < tv.length; j++) s += tv[j]! * tv[j]!;
    weights[i] = Math.fround(s / tv.length);
    sum = Math.fround(sum + weights[i]!);
  });
  for (let i = 0; i < m; i++) weights[i] = Math.abs(sum) < ZERO_WEIGHT_SUM ? Math.fround(1 / m) : Math.fround(weights[i]! / sum);
  return weights;
}

export const sceMethod = defineMergeMethod({
  name: 'sce',
  label: 'SCE',
  description: 'Keeps the positions where the models differ most, weights each model by the size of its changes, and averages the changes that agree in sign.',
  referenceUrl: 'https://arxiv.org/abs/2408.07990',
  inMergekit: true,
  parameters: [
    {
      name: 'int8_mask',
      kind: 'boolean',
      required: false,
      default: false,
      description: 'Hold the sign-election mask as int8 to save memory in mergekit; the merged weights are the same.',
    },
    {
      name: 'select_topk',
      kind: 'number',
      required: false,
      default: 1,
      description: 'Fraction of positions kept: those whose changes vary most across the models (1 keeps all).',
      range: [0, 1],
    },
  ],
  tensorParameters: [],
  baseModel: 'required',
  inputs: { min: 1 },
  merge({ inputs, base, params }) {
    if (!base) throw new Error('sce needs a base model');
    const b = base.data;
    const others = inputs.filter((i) => !i.isBase);
    if (others.length === 0) return b.slice();
    const n = b.length;
    const tvs = others.map(({ data: x }) => {
      const tv = new Float32Array(n);
      for (let j = 0; j < n; j++) tv[j] = x[j]! - b[j]!;
      return tv;
    });
    const selectTopk = numberParam(params, 'select_topk');
    if (selectTopk < 1) selectByVariance(tvs, n, selectTopk);
    const weights = sceWeights(tvs);
    const m = tvs.length;
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < m; i++) sum = Math.fround(sum + tvs[i]![j]!);
      const positive = sum >= 0;
      let merged = 0;
      let divisor = 0;
      for (let i = 0; i < m; i++) {
        const v = tvs[i]![j]!;
        if (positive ? v > 0 : v < 0) {
          merged = Math.fround(merged + Math.fround(v * weights[i]!));
          divisor = Math.fround(divisor + weights[i]!);
        }
      }
      out[j] = b[j]! + Math.fround(merged / Math.max(divisor, MIN_DIVISOR));
    }
    return out;
  },
});
