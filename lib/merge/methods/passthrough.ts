/**
 * passthrough (mergekit `PassthroughMerge`): copies its single input tensor, multiplied
 * by the model's `scale` when one is given. Frankenmerges stack layers this way with
 * slices of one source each. More than one input per tensor is an error, as in mergekit
 * (note that with `models:` syntax mergekit adds `base_model` as a second input).
 */
import { defineMergeMethod } from '../method';

export const passthroughMethod = defineMergeMethod({
  name: 'passthrough',
  label: 'Passthrough',
  description: 'Copies one model’s tensors unchanged (optionally scaled); stacks layers with slices.',
  inMergekit: true,
  parameters: [],
  tensorParameters: [
    {
      name: 'scale',
      kind: 'number',
      required: false,
      description: 'Multiplies the tensor (no scaling when unset).',
      range: [0, 2],
    },
  ],
  baseModel: 'unused',
  inputs: { min: 1, max: 1 },
  merge({ inputs }) {
    if (inputs.length !== 1) throw new Error(`passthrough expects exactly one input tensor (got ${inputs.length})`);
    const { data, params } = inputs[0]!;
    const scale = params.scale;
    if (typeof scale !== 'number') return data.slice();
    const out = new Float32Array(data.length);
    for (let j = 0; j < out.length; j++) out[j] = data[j]! * scale;
    return out;
  },
});
