/** SLERP and its relatives, model stock, nearswap: geometric merges. */
import type { MergeMethodDefinition } from '../method';
import { karcherMethod } from './karcher';
import { modelStockMethod } from './modelStock';
import { multislerpMethod } from './multislerp';
import { nearswapMethod } from './nearswap';
import { nuslerpMethod } from './nuslerp';
import { slerpMethod } from './slerp';

export const SPHERICAL_METHODS: readonly MergeMethodDefinition[] = [
  slerpMethod,
  nuslerpMethod,
  multislerpMethod,
  karcherMethod,
  modelStockMethod,
  nearswapMethod,
];
