/**
 * linear (mergekit `LinearMerge`, "model soups", https://arxiv.org/abs/2203.05482):
 * result = Σ wᵢ·xᵢ / Σ wᵢ with `normalize` (default), Σ wᵢ·xᵢ without.
 *
 * Every input counts, the base model included: linear has no notion of a base, but
 * with `models:` syntax mergekit adds a `base_model` that is not listed to the inputs,
 * so it is averaged in with whatever `weight` the slice or global parameters give it
 * (mergekit fails when none does; the planner reports it instead).
 */
import { booleanParam, defineMergeMethod, numberParam } from '../method';

/** Σ wᵢ below this (in magnitude) cannot normalize: the result would be ∞ or NaN. */
const ZERO_WEIGHT_SUM = 1e-8;

export const linearMethod = defineMergeMethod({
  name: 'linear',
  label: 'Linear',
  description: 'Weighted average of the models’ weights.',
  referenceUrl: 'https://arxiv.org/abs/2203.05482',
  inMergekit: true,
  parameters: [
    {
      name: 'normalize',
      kind: 'boolean',
      required: false,
      default: true,
      description: 'Divide by the sum of the weights, so the weights need not sum to 1.',
    },
  ],
  tensorParameters: [
    {
      name: 'weight',
      kind: 'number',
      required: true,
      requiredForBase: true,
      description: 'How much of this model goes into the average.',
      range: [0, 1],
    },
  ],
  baseModel: 'optional',
  inputs: { min: 1 },
  checkTensor({ params, inputs }) {
    if (params.normalize !== true) return undefined;
    const sum = inputs.reduce((s, i) => s + Number(i.params.weight ?? 0), 0);
    return Math.abs(sum) < ZERO_WEIGHT_SUM
      ? `the weights sum to ${sum}, so normalize: true would divide by zero; change a weight or set normalize: false`
      : undefined;
  },
  merge({ inputs, params, tensorName }) {
    const first = inputs[0];
    if (!first) throw new Error('linear needs at least one input');
    const out = new Float32Array(first.data.length);
    let sum = 0;
    for (const input of inputs) {
      // mergekit casts the weights to the tensors' dtype (fp32) before multiplying.
      const w = Math.fround(numberParam(input.params, 'weight'));
      sum += w;
      const x = input.data;
      for (let j = 0; j < out.length; j++) out[j]! += w * x[j]!;
    }
    if (booleanParam(params, 'normalize')) {
      if (Math.abs(sum) < ZERO_WEIGHT_SUM) throw new Error(`linear: the weights of ${tensorName} sum to ${sum}; cannot normalize`);
      for (let j = 0; j < out.length; j++) out[j]! /= sum;
    }
    return out;
  },
});
