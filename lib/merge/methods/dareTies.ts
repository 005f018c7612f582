/**
 * dare_ties (mergekit `GeneralizedTaskArithmeticMerge` with `random` sparsification and `sum`
 * consensus, https://arxiv.org/abs/2311.03099): drop each task-vector entry with probability
 * 1 − density (seeded), rescale to the original L1 norm, then elect signs as TIES does.
 * Defaults: normalize false, rescale true (mergekit's registry).
 */
import { defineGeneralizedTaskArithmetic } from './generalizedTaskArithmetic';

export const dareTiesMethod = defineGeneralizedTaskArithmetic({
  name: 'dare_ties',
  label: 'DARE TIES',
  description: 'Drops random task-vector entries and rescales the rest (DARE), then elects signs as TIES does.',
  referenceUrl: 'https://arxiv.org/abs/2311.03099',
  consensus: true,
  sparsification: 'random',
  defaultNormalize: false,
  defaultRescale: true,
});
