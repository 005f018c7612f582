/**
 * della_linear (mergekit `GeneralizedTaskArithmeticMerge` with `della_magprune` sparsification
 * and no consensus, https://arxiv.org/abs/2406.11617): DELLA pruning, then the weighted sum is
 * added to the base. Defaults: normalize false, rescale true.
 */
import { defineGeneralizedTaskArithmetic } from './generalizedTaskArithmetic';

export const dellaLinearMethod = defineGeneralizedTaskArithmetic({
  name: 'della_linear',
  label: 'Linear DELLA',
  description: 'Drops task-vector entries at random, keeping larger changes more often, then adds their weighted sum to the base.',
  referenceUrl: 'https://arxiv.org/abs/2406.11617',
  consensus: false,
  sparsification: 'della_magprune',
  defaultNormalize: false,
  defaultRescale: true,
});
