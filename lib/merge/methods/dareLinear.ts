/**
 * dare_linear (mergekit `GeneralizedTaskArithmeticMerge` with `random` sparsification and no
 * consensus, https://arxiv.org/abs/2311.03099): drop each task-vector entry with probability
 * 1 − density (seeded), rescale to the original L1 norm, and add the weighted sum to the base.
 * Defaults: normalize false, rescale true.
 */
import { defineGeneralizedTaskArithmetic } from './generalizedTaskArithmetic';

export const dareLinearMethod = defineGeneralizedTaskArithmetic({
  name: 'dare_linear',
  label: 'Linear DARE',
  description: 'Drops random task-vector entries and rescales the rest (DARE), then adds their weighted sum to the base.',
  referenceUrl: 'https://arxiv.org/abs/2311.03099',
  consensus: false,
  sparsification: 'random',
  defaultNormalize: false,
  defaultRescale: true,
});
