/** TSV-M, Iso-C, Iso-CTS: merges in the singular subspaces of task matrices. */
import type { MergeMethodDefinition } from '../method';

export const SUBSPACE_METHODS: readonly MergeMethodDefinition[] = [];
