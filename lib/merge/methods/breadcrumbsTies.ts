/**
 * breadcrumbs_ties (mergekit `GeneralizedTaskArithmeticMerge` with `magnitude_outliers`
 * sparsification and `sum` consensus, https://arxiv.org/abs/2312.06795): breadcrumbs pruning,
 * then TIES sign election. Defaults: normalize false, rescale false (mergekit's registry).
 */
import { defineGeneralizedTaskArithmetic } from './generalizedTaskArithmetic';

export const breadcrumbsTiesMethod = defineGeneralizedTaskArithmetic({
  name: 'breadcrumbs_ties',
  label: 'Model Breadcrumbs with TIES',
  description: 'Drops each task vector’s largest outliers and smallest changes, then elects signs as TIES does.',
  referenceUrl: 'https://arxiv.org/abs/2312.06795',
  consensus: true,
  sparsification: 'magnitude_outliers',
  defaultNormalize: false,
  defaultRescale: false,
});
