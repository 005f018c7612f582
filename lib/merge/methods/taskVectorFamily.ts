/** TIES, DARE, breadcrumbs, DELLA, SCE: sparsified and sign-elected task vectors. */
import type { MergeMethodDefinition } from '../method';

export const TASK_VECTOR_METHODS: readonly MergeMethodDefinition[] = [];
