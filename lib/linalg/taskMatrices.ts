/**
 * Element-wise pieces of task-vector merges on flat fp32 tensors: task matrices
 * Δ = x − base in doubles, their sum and mean, and base + α·Δ rounded to fp32 once.
 */
import type { Matrix } from './matrix';

/** Δ = x − base as an m×n Float64 matrix (exact: the difference of two fp32 values fits a double). */
export function differenceMatrix(x: Float32Array, base: Float32Array, rows: number, cols: number): Matrix {
  if (x.length !== rows * cols || base.length !== rows * cols) throw new Error(`differenceMatrix: expected ${rows}×${cols} values`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = x[i]! - base[i]!;
  return { rows, cols, data };
}

/** Σᵢ (xᵢ − base) as an m×n Float64 matrix, without holding the differences. */
export function sumOfDifferences(xs: readonly Float32Array[], base: Float32Array, rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (const x of xs) {
    if (x.length !== data.length || base.length !== data.length) throw new Error(`sumOfDifferences: expected ${rows}×${cols} values`);
    for (let i = 0; i < data.length; i++) data[i] = data[i]! + (x[i]! - base[i]!);
  }
  return { rows, cols, data };
}

/** ‖x‖₂ of a flat tensor (the Frobenius norm of a matrix stored in it). */
export function vectorNorm(x: Float32Array | Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/** mean over i of (xᵢ − base), in doubles. */
export function meanDifference(xs: readonly Float32Array[], base: Float32Array): Float64Array {
  const out = new Float64Array(base.length);
  for (const x of xs) {
    if (x.length !== base.length) throw new Error('meanDifference: lengths differ');
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + (x[i]! - base[i]!);
  }
  if (xs.length > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / xs.length;
  return out;
}

/** base + α·Δ, rounded to fp32 once. */
export function addScaled(base: Float32Array, delta: Float64Array, alpha: number): Float32Array {
  if (delta.length !== base.length) throw new Error('addScaled: lengths differ');
  const out = new Float32Array(base.length);
  for (let i = 0; i < out.length; i++) out[i] = base[i]! + alpha * delta[i]!;
  return out;
}
