/**
 * task_arithmetic (mergekit `GeneralizedTaskArithmeticMerge` without sparsification or
 * consensus, https://arxiv.org/abs/2212.04089):
 *   δᵢ = xᵢ − base;  mixed = Σ wᵢ·δᵢ;  mixed /= Σ wᵢ if normalize (a sum below 1e-8 in
 *   magnitude divides by 1 instead);  result = base + λ·mixed.
 *
 * The base listed among the models is skipped, as in mergekit's `get_task_vectors`: it
 * adds a zero delta and its weight does not enter Σ wᵢ. With no other input the result
 * is the base.
 */
import { booleanParam, defineMergeMethod, numberParam } from '../method';

export const taskArithmeticMethod = defineMergeMethod({
  name: 'task_arithmetic',
  label: 'Task Arithmetic',
  description: 'Adds the models’ weighted differences from the base (task vectors) to the base.',
  referenceUrl: 'https://arxiv.org/abs/2212.04089',
  inMergekit: true,
  parameters: [
    {
      name: 'lambda',
      kind: 'number',
      required: false,
      default: 1,
      description: 'Scales the summed task vectors before they are added to the base.',
      range: [0, 2],
    },
    {
      name: 'normalize',
      kind: 'boolean',
      required: false,
      default: false,
      description: 'Divide the summed task vectors by the sum of the weights.',
    },
  ],
  tensorParameters: [
    {
      name: 'weight',
      kind: 'number',
      required: true,
      description: 'How much of this model’s task vector is added.',
      range: [-1, 2],
    },
  ],
  baseModel: 'required',
  inputs: { min: 1 },
  merge({ inputs, base, params }) {
    if (!base) throw new Error('task_arithmetic needs a base model');
    const b = base.data;
    const others = inputs.filter((i) => !i.isBase);
    if (others.length === 0) return b.slice();
    // `mixed` accumulates Σ wᵢ·δᵢ in fp32 (a Float32Array rounds each sum, as torch does).
    const n = b.length;
    const mixed = new Float32Array(n);
    let divisor = 0;
    for (const input of others) {
      const w = Math.fround(numberParam(input.params, 'weight'));
      divisor += w;
      const x = input.data;
      for (let j = 0; j < n; j++) mixed[j] = mixed[j]! + w * (x[j]! - b[j]!);
    }
    if (Math.abs(divisor) < 1e-8) divisor = 1;
    const normalize = booleanParam(params, 'normalize');
    const lambda = numberParam(params, 'lambda');
    // Each step rounds to fp32 like mergekit's separate tensor ops; the loops are split by
    // case so the hot loop has no branches.
    if (normalize) for (let j = 0; j < n; j++) mixed[j] = mixed[j]! / divisor;
    if (lambda !== 1) for (let j = 0; j < n; j++) mixed[j] = mixed[j]! * lambda;
    for (let j = 0; j < n; j++) mixed[j] = b[j]! + mixed[j]!;
    return mixed;
  },
});
