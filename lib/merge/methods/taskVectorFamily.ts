/**
 * TIES, DARE, breadcrumbs, DELLA, SCE: sparsified and sign-elected task vectors, with
 * mergekit's names, parameters and per-method defaults (generalizedTaskArithmetic.ts holds
 * the shared algorithm; sparsify.ts and consensus.ts its two steps).
 */
import type { MergeMethodDefinition } from '../method';
import { breadcrumbsMethod } from './breadcrumbs';
import { breadcrumbsTiesMethod } from './breadcrumbsTies';
import { dareLinearMethod } from './dareLinear';
import { dareTiesMethod } from './dareTies';
import { dellaMethod } from './della';
import { dellaLinearMethod } from './dellaLinear';
import { sceMethod } from './sce';
import { tiesMethod } from './ties';

export const TASK_VECTOR_METHODS: readonly MergeMethodDefinition[] = [
  tiesMethod,
  dareTiesMethod,
  dareLinearMethod,
  breadcrumbsMethod,
  breadcrumbsTiesMethod,
  dellaMethod,
  dellaLinearMethod,
  sceMethod,
];
