/**
 * ties (mergekit `GeneralizedTaskArithmeticMerge` with `magnitude` sparsification and `sum`
 * consensus, https://arxiv.org/abs/2306.01708): trim each task vector to its int(density·numel)
 * largest magnitudes, elect a sign per entry (the sign of Σ wᵢ·δᵢ), and average the entries
 * that agree with it (the disjoint mean, with normalize). Defaults: normalize true, rescale
 * false. See generalizedTaskArithmetic.ts for the whole algorithm.
 */
import { defineGeneralizedTaskArithmetic } from './generalizedTaskArithmetic';

export const tiesMethod = defineGeneralizedTaskArithmetic({
  name: 'ties',
  label: 'TIES',
  description: 'Trims each task vector to its largest changes, elects a sign per weight, and averages the changes that agree.',
  referenceUrl: 'https://arxiv.org/abs/2306.01708',
  consensus: true,
  sparsification: 'magnitude',
  defaultNormalize: true,
  defaultRescale: false,
});
