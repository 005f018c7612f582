/**
 * nearswap (mergekit mergekit/merge_methods/nearswap.py, an `@merge_method`; from
 * https://huggingface.co/alchemonaut/QuartetAnemoi-70B-t0.0001): takes the other model's
 * value wherever it is close to the base's, and keeps mostly the base where they differ.
 *
 * Elementwise, with a the base and b the other model:
 *   w = clamp(t / max(|a − b|, 1e-6), 0, 1);  result = w·b + (1 − w)·a.
 * Where |a − b| ≤ t the result is b; further apart it is pulled towards b by t/|a − b|
 * (so it moves by exactly t from a towards b). t ≤ 0 gives the base.
 *
 * Parameters as mergekit derives them from `nearswap_merge(tensors, base_tensor, t: float)`:
 * `t` is global and required (no default); base_model is required (`base_tensor:
 * torch.Tensor`) and is not one of the `tensors`. Inputs: exactly the base and one other
 * model: mergekit raises "NearSwap merge expects exactly two models, one base and one
 * other" otherwise (and passes a lone base through; the studio asks for the two).
 */
import { defineMergeMethod, numberParam } from '../method';

const MIN_DIFFERENCE = 1e-6;

/** mergekit's `nearswap_merge` for one tensor. */
export function nearswap(t: number, base: Float32Array, other: Float32Array): Float32Array {
  const out = new Float32Array(base.length);
  for (let j = 0; j < out.length; j++) {
    const a = base[j]!;
    const b = other[j]!;
    const w = Math.min(1, Math.max(0, t / Math.max(Math.abs(a - b), MIN_DIFFERENCE)));
    out[j] = w * b + (1 - w) * a;
  }
  return out;
}

export const nearswapMethod = defineMergeMethod({
  name: 'nearswap',
  label: 'NearSwap',
  description: 'Takes the other model’s weights where they are within t of the base’s; elsewhere moves t towards them.',
  referenceUrl: 'https://huggingface.co/alchemonaut/QuartetAnemoi-70B-t0.0001',
  inMergekit: true,
  parameters: [
    {
      name: 't',
      kind: 'number',
      required: true,
      description: 'Similarity threshold: weights closer than t to the base’s are swapped in whole (weight units).',
      range: [0, 0.01],
    },
  ],
  tensorParameters: [],
  baseModel: 'required',
  inputs: { min: 2, max: 2 },
  merge({ inputs, base, params }) {
    if (!base) throw new Error('nearswap needs a base model');
    const others = inputs.filter((i) => !i.isBase);
    if (others.length !== 1) throw new Error(`nearswap expects exactly two models, the base and one other (got ${others.length} besides the base)`);
    return nearswap(numberParam(params, 't'), base.data, others[0]!.data);
  },
});
