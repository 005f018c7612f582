/**
 * What a merge method is: a small unit declaring its parameters and defaults in one
 * place (mergekit's `MergeMethod`: `parameters()` are global, `tensor_parameters()`
 * are per model), and a function merging one tensor.
 *
 * The planner resolves every parameter to a concrete value per tensor (and per model
 * for tensor parameters), so a method never sees gradients or filters. The executor
 * reads the inputs of one output tensor and calls `merge` once per output tensor.
 */
import type { TensorInfo } from '@/lib/arch/tensorRole';
import type { ParamScalar, ResolvedParams } from './parameters';
import type { Rng } from './rng';

export interface ParameterDef {
  readonly name: string;
  readonly kind: 'number' | 'boolean';
  /** mergekit `required=True`. Tensor parameters are never required of the base model (mergekit: `required and not is_base`)… */
  readonly required: boolean;
  /** …unless the method reads it for the base as for any input (linear's `weight`: mergekit fails on `None` there). */
  readonly requiredForBase?: boolean;
  /** Absent: no value (mergekit `default_value=None`); the parameter is then missing from the resolved params. */
  readonly default?: ParamScalar;
  /** One line for the UI. */
  readonly description: string;
  /** Suggested slider range, a UI hint only (mergekit validates no ranges). */
  readonly range?: readonly [number, number];
}

/**
 * The value a parameter has where a recipe leaves it unset, as editors show it and as a new
 * input starts: the method's default; without one, 1 for a number (a required weight) and
 * off for a flag.
 */
export function unsetParamValue(def: ParameterDef): ParamScalar {
  if (def.default !== undefined) return def.default;
  return def.kind === 'boolean' ? false : 1;
}

/**
 * How a method treats `base_model`:
 *  - 'required': the method reads it as the base (task arithmetic family, SLERP);
 *  - 'optional': when given it is one more input like the others (linear);
 *  - 'unused': the method never looks at it (passthrough).
 * With `models:` syntax mergekit adds a base model that is not listed to the inputs
 * whatever the method; the planner does the same.
 */
export type BaseModelUse = 'required' | 'optional' | 'unused';

/** One input tensor of a merge, in source order. */
export interface MethodTensorInput {
  /** Model reference (zoo id or stage name). */
  readonly model: string;
  /** Name of the tensor read from that model (may differ from the output name with slices). */
  readonly tensorName: string;
  readonly data: Float32Array;
  /** Resolved tensor parameters of this model for this tensor. */
  readonly params: ResolvedParams;
  readonly isBase: boolean;
}

export interface MethodInput {
  /** Output tensor name. */
  readonly tensorName: string;
  readonly shape: readonly number[];
  readonly info: TensorInfo;
  /** All inputs in source order, the base included when it is an input. */
  readonly inputs: readonly MethodTensorInput[];
  /** The base among `inputs`, or null. */
  readonly base: MethodTensorInput | null;
  /** Resolved global parameters. */
  readonly params: ResolvedParams;
  /** Seeded from the stage's random_seed and the output tensor name. */
  readonly rng: Rng;
}

/** What the planner knows of a tensor without its bytes: enough to catch problems early. */
export interface MethodTensorCheck {
  readonly tensorName: string;
  readonly params: ResolvedParams;
  readonly inputs: readonly { readonly model: string; readonly params: ResolvedParams; readonly isBase: boolean }[];
}

export interface MergeMethodDefinition {
  /** mergekit spelling. */
  readonly name: string;
  readonly label: string;
  /** One line for the UI. */
  readonly description: string;
  readonly referenceUrl?: string;
  /** False for methods mergekit cannot run (YAML export warns). */
  readonly inMergekit: boolean;
  /** Global parameters. */
  readonly parameters: readonly ParameterDef[];
  /** Per-model parameters. */
  readonly tensorParameters: readonly ParameterDef[];
  readonly baseModel: BaseModelUse;
  /** Number of input tensors per output tensor, the base included when it is an input. */
  readonly inputs: { readonly min: number; readonly max?: number };
  /** Optional plan-time check of resolved parameters; returns a problem to report, or undefined. */
  checkTensor?(tensor: MethodTensorCheck): string | undefined;
  /** Merge one tensor; returns `elementCount(shape)` values. May be async (GPU/ORT-backed methods). */
  merge(input: MethodInput): Float32Array | Promise<Float32Array>;
}

/** Identity helper that keeps the literal types of a definition. */
export function defineMergeMethod<T extends MergeMethodDefinition>(definition: T): T {
  return definition;
}

/** Read a number parameter the planner guaranteed to be present. */
export function numberParam(params: ResolvedParams, name: string): number {
  const value = params[name];
  if (typeof value !== 'number') throw new Error(`parameter "${name}" is ${value === undefined ? 'missing' : 'not a number'}`);
  return value;
}

/** Read a boolean parameter the planner guaranteed to be present. */
export function booleanParam(params: ResolvedParams, name: string): boolean {
  const value = params[name];
  if (typeof value !== 'boolean') throw new Error(`parameter "${name}" is ${value === undefined ? 'missing' : 'not a boolean'}`);
  return value;
}
