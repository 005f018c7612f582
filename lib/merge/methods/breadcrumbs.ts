/**
 * breadcrumbs (mergekit `GeneralizedTaskArithmeticMerge` with `magnitude_outliers`
 * sparsification and no consensus, https://arxiv.org/abs/2312.06795): drop the gamma fraction
 * of largest task-vector magnitudes and then the smallest, keeping int(density·numel), and add
 * the weighted sum to the base. Defaults: normalize false, rescale false. As in mergekit, a
 * tensor with int(gamma·numel) = 0 keeps nothing (see sparsify.ts).
 */
import { defineGeneralizedTaskArithmetic } from './generalizedTaskArithmetic';

export const breadcrumbsMethod = defineGeneralizedTaskArithmetic({
  name: 'breadcrumbs',
  label: 'Model Breadcrumbs',
  description: 'Drops each task vector’s largest outliers and its smallest changes, then adds their weighted sum to the base.',
  referenceUrl: 'https://arxiv.org/abs/2312.06795',
  consensus: false,
  sparsification: 'magnitude_outliers',
  defaultNormalize: false,
  defaultRescale: false,
});
