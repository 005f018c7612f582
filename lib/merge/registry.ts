/**
 * The one registry of merge methods (mergekit's `merge_methods/registry.py`).
 * Methods beyond mergekit register here too, with `inMergekit: false`.
 */
import type { MergeMethodDefinition } from './method';
import { linearMethod } from './methods/linear';
import { passthroughMethod } from './methods/passthrough';
import { SPHERICAL_METHODS } from './methods/sphericalFamily';
import { SUBSPACE_METHODS } from './methods/subspaceFamily';
import { taskArithmeticMethod } from './methods/taskArithmetic';
import { TASK_VECTOR_METHODS } from './methods/taskVectorFamily';

export const MERGE_METHODS: readonly MergeMethodDefinition[] = [
  linearMethod,
  taskArithmeticMethod,
  ...TASK_VECTOR_METHODS,
  ...SPHERICAL_METHODS,
  passthroughMethod,
  ...SUBSPACE_METHODS,
];

const BY_NAME = new Map(MERGE_METHODS.map((m) => [m.name, m]));

export function getMergeMethod(name: string): MergeMethodDefinition | undefined {
  return BY_NAME.get(name);
}

export function mergeMethodNames(): string[] {
  return MERGE_METHODS.map((m) => m.name);
}

/** A set of methods the planner and executor look names up in (the default registry, or a test's). */
export interface MethodRegistry {
  get(name: string): MergeMethodDefinition | undefined;
}

export const defaultRegistry: MethodRegistry = { get: getMergeMethod };
