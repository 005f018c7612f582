/** SLERP and its relatives, model stock, nearswap: geometric merges. */
import type { MergeMethodDefinition } from '../method';

export const SPHERICAL_METHODS: readonly MergeMethodDefinition[] = [];
