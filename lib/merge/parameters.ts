/**
 * Parameter resolution, as mergekit's `ConfigReader.parameter` and `evaluate_setting` do it.
 *
 * A setting evaluates, for one tensor name and one t, to a scalar or to nothing:
 *  - a scalar is itself;
 *  - a gradient list interpolates at t (lib/merge/gradient.ts);
 *  - a filter list yields the value of its first entry whose filter is absent,
 *    "*", or a substring of the tensor name, and nothing when no entry matches.
 *
 * Levels are tried in precedence order (per-model in a slice > slice > global;
 * with `models:` syntax the per-model parameters are the slice source's); a level
 * whose setting evaluates to nothing falls through to the next, exactly like
 * mergekit's `if value is not None: return value`.
 */
import type { ParamMap, ParamScalar, ParamValue } from '@/lib/recipe/schema';
import { interpolateGradient } from './gradient';

export type { ParamScalar } from '@/lib/recipe/schema';

/** Where a resolved value came from: a recipe level or the method's default. */
export type ParamOrigin = 'model' | 'slice' | 'global' | 'default';

/** Concrete parameter values for one tensor (and one model, for tensor parameters). */
export type ResolvedParams = Readonly<Record<string, ParamScalar>>;

function isGradient(value: readonly unknown[]): value is number[] {
  return value.every((e) => typeof e === 'number');
}

/** Does a filter entry apply to this tensor? (mergekit: `filter is None or filter == "*" or filter in name`) */
export function filterMatches(filter: string | undefined, tensorName: string): boolean {
  return filter === undefined || filter === '*' || (tensorName !== '' && tensorName.includes(filter));
}

/** Evaluate one setting for a tensor at position t; `undefined` when a filter list has no matching entry. */
export function evaluateParamValue(value: ParamValue, tensorName: string, t: number): ParamScalar | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value.length === 0) return undefined;
  if (isGradient(value)) return interpolateGradient(value, t);
  for (const entry of value) {
    if (filterMatches(entry.filter, tensorName)) {
      const v = entry.value;
      return Array.isArray(v) ? interpolateGradient(v, t) : v;
    }
  }
  return undefined;
}

/** The parameter maps that apply to one lookup, highest precedence first. */
export interface ParamScopes {
  /** The model's own parameters (a slice source's, or a `models:` entry's). Absent for global parameters. */
  readonly model?: ParamMap;
  readonly slice?: ParamMap;
  readonly global?: ParamMap;
}

export interface ResolvedParam {
  readonly value: ParamScalar;
  readonly from: Exclude<ParamOrigin, 'default'>;
}

/** Resolve one parameter through the levels, mergekit-style; `undefined` when no level yields a value. */
export function resolveParam(name: string, scopes: ParamScopes, tensorName: string, t: number): ResolvedParam | undefined {
  const levels: [Exclude<ParamOrigin, 'default'>, ParamMap | undefined][] = [
    ['model', scopes.model],
    ['slice', scopes.slice],
    ['global', scopes.global],
  ];
  for (const [from, map] of levels) {
    if (!map || !Object.prototype.hasOwnProperty.call(map, name)) continue;
    const value = evaluateParamValue(map[name]!, tensorName, t);
    if (value !== undefined) return { value, from };
  }
  return undefined;
}

/**
 * Bring a value to a parameter's declared kind, with Python's semantics (mergekit does
 * `if normalize:` on whatever the YAML held, and `True` is 1 in arithmetic).
 */
export function coerceParam(value: ParamScalar, kind: 'number' | 'boolean'): ParamScalar {
  if (kind === 'boolean') return typeof value === 'boolean' ? value : value !== 0;
  return typeof value === 'number' ? value : value ? 1 : 0;
}
