/**
 * karcher (mergekit `KarcherMerge`, mergekit/merge_methods/karcher.py): the Riemannian
 * (Karcher) mean of the models' directions on the unit hypersphere, scaled by their mean
 * norm. As mergekit's `karcher_merge_tensors`, on the flattened tensors xᵢ of all n inputs:
 *   one input: that input;
 *   αᵢ = 1/n;  ‖xᵢ‖, uᵢ = xᵢ / ‖xᵢ‖ (0 for a zero tensor);
 *   valid = the inputs with ‖xᵢ‖ > tol (none: the result is zeros); their αᵢ renormalised;
 *   start: u = Σ αᵢuᵢ normalised (if its norm < tol, the first valid uᵢ);
 *   up to `max_iter` times: T = Σ αᵢ·θᵢ/sin θᵢ·(uᵢ − cos θᵢ·u) over the valid inputs with
 *     θᵢ = arccos(clamp(u·uᵢ, −1, 1)) ≥ tol;  stop when ‖T‖ < tol;
 *     u ← cos‖T‖·u + sin‖T‖·T/‖T‖, renormalised when its norm is above tol;
 *   result = (Σ αᵢ‖xᵢ‖ over all inputs, zero tensors included) · u.
 *
 * Weights: mergekit's karcher declares no per-model parameters and always uses equal
 * weights αᵢ = 1/n (`alphas = [1.0 / len(model_tensors)] * len(model_tensors)`). The
 * studio keeps that exactly, so a recipe means the same here and in mergekit: a `weight`
 * given to karcher is ignored (the planner warns, as for any unused parameter).
 * `karcherMean` itself takes weights, for callers beyond mergekit's method.
 *
 * Base model: karcher has no notion of one; with `models:` syntax mergekit adds an
 * unlisted base_model to the inputs, so it is one more point of the mean (as for linear).
 * `tol` serves both as the convergence tolerance and as the "zero norm" and "zero angle"
 * threshold, as in mergekit. `max_iter` must be a whole number (mergekit's `range()`
 * raises on a float).
 */
import { defineMergeMethod, numberParam } from '../method';
import { clamp, norm } from './vectorOps';

/** mergekit's `karcher_merge_tensors(tensors, alphas, max_iter, tol)`. */
export function karcherMean(tensors: readonly Float32Array[], alphas: readonly number[], maxIter: number, tol: number): Float32Array {
  const first = tensors[0];
  if (!first) throw new Error('karcher needs at least one model');
  if (tensors.length === 1) return first.slice();
  const n = first.length;
  const norms = tensors.map((x) => norm(x));
  const valid = tensors.map((_, i) => i).filter((i) => norms[i]! > tol);
  if (valid.length === 0) return new Float32Array(n);
  const alphaSum = valid.reduce((s, i) => s + alphas[i]!, 0);
  const a = valid.map((i) => alphas[i]! / alphaSum);
  const units = valid.map((i) => ({ x: tensors[i]!, inv: 1 / norms[i]! }));

  let u = new Float64Array(n);
  units.forEach(({ x, inv }, k) => {
    const c = a[k]! * inv;
    for (let j = 0; j < n; j++) u[j]! += c * x[j]!;
  });
  const normU = norm(u);
  if (normU < tol) {
    const { x, inv } = units[0]!;
    for (let j = 0; j < n; j++) u[j] = x[j]! * inv;
  } else {
    for (let j = 0; j < n; j++) u[j]! /= normU;
  }

  const tangent = new Float64Array(n);
  for (let iter = 0; iter < maxIter; iter++) {
    tangent.fill(0);
    units.forEach(({ x, inv }, k) => {
      let d = 0;
      for (let j = 0; j < n; j++) d += u[j]! * x[j]! * inv;
      d = clamp(d, -1, 1);
      const theta = Math.acos(d);
      if (theta < tol) return;
      const c = (a[k]! * theta) / Math.sin(theta);
      for (let j = 0; j < n; j++) tangent[j]! += c * (x[j]! * inv - d * u[j]!);
    });
    const normT = norm(tangent);
    if (normT < tol) break;
    const cosT = Math.cos(normT);
    const sinT = Math.sin(normT) / normT;
    const next = new Float64Array(n);
    for (let j = 0; j < n; j++) next[j] = cosT * u[j]! + sinT * tangent[j]!;
    const normNext = norm(next);
    if (normNext > tol) for (let j = 0; j < n; j++) next[j]! /= normNext;
    u = next;
  }

  const scale = alphas.reduce((s, alpha, i) => s + alpha * norms[i]!, 0);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = scale * u[j]!;
  return out;
}

export const karcherMethod = defineMergeMethod({
  name: 'karcher',
  label: 'Karcher Mean',
  description: 'Riemannian (Karcher) mean of the models’ directions on the hypersphere, scaled by their mean norm; equal weights.',
  referenceUrl: 'https://en.wikipedia.org/wiki/Karcher_mean',
  inMergekit: true,
  parameters: [
    {
      name: 'max_iter',
      kind: 'number',
      required: false,
      default: 10,
      description: 'Most iterations of the mean’s fixed-point search (a whole number).',
      range: [1, 100],
    },
    {
      name: 'tol',
      kind: 'number',
      required: false,
      default: 1e-5,
      description: 'Convergence tolerance; also the norm and angle below which a tensor or step counts as zero.',
      range: [0, 1e-3],
    },
  ],
  tensorParameters: [],
  baseModel: 'optional',
  inputs: { min: 1 },
  checkTensor({ params }) {
    const maxIter = params.max_iter;
    return typeof maxIter === 'number' && !(Number.isInteger(maxIter) && maxIter >= 0)
      ? `max_iter must be a whole number of iterations, got ${maxIter}`
      : undefined;
  },
  merge({ inputs, params }) {
    const alphas = inputs.map(() => 1 / inputs.length);
    return karcherMean(
      inputs.map((i) => i.data),
      alphas,
      numberParam(params, 'max_iter'),
      numberParam(params, 'tol'),
    );
  },
});
