/**
 * TSV-M, Iso-C, Iso-CTS: merges in the singular subspaces of task matrices (plain-JS SVDs
 * from lib/linalg). On the zoo (hidden 128, 4 experts, 30 matrices) one whole merge takes
 * about 1.5 s (iso_c), 3.3 s (iso_cts) and 3.7 s (tsv) on 2 busy cores, against 0.02 s
 * for task_arithmetic: the 128×128 Jacobi SVDs (full SVDs, polar factors) dominate.
 */
import type { MergeMethodDefinition } from '../method';
import { isoCMethod } from './isoC';
import { isoCtsMethod } from './isoCts';
import { tsvMethod } from './tsv';

export const SUBSPACE_METHODS: readonly MergeMethodDefinition[] = [tsvMethod, isoCMethod, isoCtsMethod];
