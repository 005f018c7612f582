/**
 * della (mergekit `GeneralizedTaskArithmeticMerge` with `della_magprune` sparsification and
 * `sum` consensus, https://arxiv.org/abs/2406.11617): drop task-vector entries at random with
 * keep probabilities from density − epsilon to density + epsilon by magnitude rank within each
 * row, rescale to the original L1 norm, then elect signs as TIES does. Defaults: normalize
 * true, rescale true.
 */
import { defineGeneralizedTaskArithmetic } from './generalizedTaskArithmetic';

export const dellaMethod = defineGeneralizedTaskArithmetic({
  name: 'della',
  label: 'DELLA',
  description: 'Drops task-vector entries at random, keeping larger changes more often, then elects signs as TIES does.',
  referenceUrl: 'https://arxiv.org/abs/2406.11617',
  consensus: true,
  sparsification: 'della_magprune',
  defaultNormalize: true,
  defaultRescale: true,
});
