/**
 * nuslerp (mergekit `NuSlerpMerge`, mergekit/merge_methods/nuslerp.py): SLERP of two
 * models with the interpolation factor given by per-model weights, row-wise,
 * column-wise or on the flattened tensors, optionally around a base.
 *
 *   t = w₁ / (w₀ + w₁), or 0.5 when |w₀ + w₁| < 1e-6 (w₀, w₁: the `weight`s of the two
 *   models in source order; the first is the t = 0 end);
 *   with base_model:    result = base + nuslerp(t, x₀ − base, x₁ − base)  (task vectors);
 *   without base_model: result = nuslerp(t, x₀, x₁).
 *
 * nuslerp(t, v0, v1) works on vectors: the whole flattened tensor with `nuslerp_flatten`
 * (default true); otherwise the lines along the last dimension (the rows of a weight
 * matrix), or along dimension 0 with `nuslerp_row_wise` (mergekit transposes dim 0 to the
 * end, so "row_wise" slerps the COLUMNS of a 2-D weight; the name is mergekit's). A 1-D
 * tensor is one vector either way. Per vector:
 *   v̂ = v / max(‖v‖, 1e-7);  θ = arccos(clamp(v̂0·v̂1, −1, 1));
 *   |sin θ| < 1e-8 (colinear): (1 − t)·v0 + t·v1;
 *   else (sin((1 − t)θ)·v0 + sin(tθ)·v1) / sin θ.
 * Unlike slerp there is no DOT_THRESHOLD: only (numerically) exact colinearity falls
 * back to lerp.
 *
 * Inputs: exactly two models besides the base. mergekit raises "NuSlerp base model can
 * not be one of the two models to merge" when a base_model is given and the tensors are
 * not three (base + two); without one it needs exactly two. Assumption: the studio checks
 * the count per tensor from the inputs it sees, so a slice that leaves the base out is
 * merged as a base-less nuslerp of its two models, where mergekit would stop.
 */
import { booleanParam, defineMergeMethod, numberParam } from '../method';
import { axisLines, clamp, combineInto, difference, dot, flatLine, norm, sum, type Line } from './vectorOps';

const NORM_EPS = 1e-7;
const COLINEAR_EPS = 1e-8;
const ZERO_WEIGHT_SUM = 1e-6;

export interface NuslerpOptions {
  /** Slerp the whole flattened tensor (mergekit `nuslerp_flatten`). */
  readonly flatten: boolean;
  /** Slerp along dimension 0 instead of the last one (mergekit `nuslerp_row_wise`). */
  readonly rowWise: boolean;
}

/** mergekit's `nuslerp(t, v0, v1, dim, flatten)` on a row-major tensor of `shape`. */
export function nuslerpVectors(t: number, v0: Float32Array, v1: Float32Array, shape: readonly number[], options: NuslerpOptions): Float32Array {
  const lines: Line[] = options.flatten ? [flatLine(v0.length)] : axisLines(shape, options.rowWise ? 0 : -1);
  const out = new Float32Array(v0.length);
  for (const line of lines) {
    const n0 = Math.max(norm(v0, line), NORM_EPS);
    const n1 = Math.max(norm(v1, line), NORM_EPS);
    const theta = Math.acos(clamp(dot(v0, v1, line) / (n0 * n1), -1, 1));
    const sinTheta = Math.sin(theta);
    if (Math.abs(sinTheta) < COLINEAR_EPS) combineInto(out, 1 - t, v0, t, v1, line);
    else combineInto(out, Math.sin((1 - t) * theta) / sinTheta, v0, Math.sin(t * theta) / sinTheta, v1, line);
  }
  return out;
}

/** nuslerp's interpolation factor from the two models' weights. */
export function nuslerpT(w0: number, w1: number): number {
  const total = w0 + w1;
  return Math.abs(total) < ZERO_WEIGHT_SUM ? 0.5 : w1 / total;
}

export const nuslerpMethod = defineMergeMethod({
  name: 'nuslerp',
  label: 'NuSLERP',
  description: 'SLERP of two models by their weights, row-wise or flattened, optionally of their task vectors from a base.',
  inMergekit: true,
  parameters: [
    {
      name: 'nuslerp_row_wise',
      kind: 'boolean',
      required: false,
      default: false,
      description: 'Slerp along dimension 0 (the columns of a weight matrix) instead of the rows; used when flatten is off.',
    },
    {
      name: 'nuslerp_flatten',
      kind: 'boolean',
      required: false,
      default: true,
      description: 'Slerp each tensor as one flattened vector instead of row by row.',
    },
  ],
  tensorParameters: [
    {
      name: 'weight',
      kind: 'number',
      required: true,
      description: 'Relative weight of this model; the two weights set t = w₂ / (w₁ + w₂).',
      range: [0, 1],
    },
  ],
  baseModel: 'optional',
  inputs: { min: 2, max: 3 },
  checkTensor({ inputs }) {
    const others = inputs.filter((i) => !i.isBase).length;
    if (others === 2) return undefined;
    const hasBase = inputs.some((i) => i.isBase);
    return hasBase
      ? `with a base_model it merges exactly two models besides the base (the base cannot be one of the two); got ${others}`
      : `it merges exactly two models (plus an optional base_model); got ${others}`;
  },
  merge({ inputs, base, params, shape }) {
    const others = inputs.filter((i) => !i.isBase);
    if (others.length !== 2) throw new Error(`nuslerp expects exactly two models besides the base (got ${others.length})`);
    const [a, b] = others as [(typeof others)[0], (typeof others)[0]];
    const t = nuslerpT(numberParam(a.params, 'weight'), numberParam(b.params, 'weight'));
    const options = { flatten: booleanParam(params, 'nuslerp_flatten'), rowWise: booleanParam(params, 'nuslerp_row_wise') };
    if (!base) return nuslerpVectors(t, a.data, b.data, shape, options);
    return sum(base.data, nuslerpVectors(t, difference(a.data, base.data), difference(b.data, base.data), shape, options));
  },
});
