/**
 * Vector arithmetic the geometric merges (SLERP and its relatives, model stock) share.
 *
 * Tensors are stored in fp32 (Float32Array); reductions (dot products, norms) and the
 * scalar trigonometry run in float64 and every element written is rounded to fp32 once.
 * mergekit runs the same formulas in fp32 torch/numpy, so results agree with it up to
 * fp32 rounding (and may differ on which side of a threshold, such as SLERP's
 * DOT_THRESHOLD, a borderline tensor falls).
 *
 * A "line" is a strided view of a flat row-major tensor: `length` elements starting at
 * `start`, `stride` apart. Methods that work per row, per column or on the whole
 * flattened tensor (nuslerp, model_stock's `filter_wise`) iterate over lines.
 */

export interface Line {
  readonly start: number;
  readonly stride: number;
  readonly length: number;
}

/** The whole tensor as one line (mergekit's `.view(-1)`). */
export function flatLine(size: number): Line {
  return { start: 0, stride: 1, length: size };
}

/**
 * The lines along `axis` of a row-major tensor: one per combination of the other indices
 * (torch's reductions over `dim=axis`). A tensor of rank 0 or 1 is one line.
 */
export function axisLines(shape: readonly number[], axis: number): Line[] {
  const size = shape.reduce((n, d) => n * d, 1);
  if (shape.length <= 1) return [flatLine(size)];
  const a = axis < 0 ? shape.length + axis : axis;
  if (a < 0 || a >= shape.length) throw new RangeError(`axis ${axis} is outside a tensor of rank ${shape.length}`);
  const length = shape[a]!;
  const stride = shape.slice(a + 1).reduce((n, d) => n * d, 1);
  const outer = shape.slice(0, a).reduce((n, d) => n * d, 1);
  const lines: Line[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < stride; i++) lines.push({ start: o * length * stride + i, stride, length });
  return lines;
}

/** Σ aᵢ·bᵢ over a line (the whole arrays when no line is given), in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, line: Line = flatLine(a.length)): number {
  let s = 0;
  for (let k = 0, j = line.start; k < line.length; k++, j += line.stride) s += a[j]! * b[j]!;
  return s;
}

/** Euclidean norm over a line (the whole array when no line is given), in float64. */
export function norm(a: ArrayLike<number>, line: Line = flatLine(a.length)): number {
  return Math.sqrt(dot(a, a, line));
}

/** c0·a + c1·b over a line, written into `out` (rounded to fp32 when `out` is a Float32Array). */
export function combineInto(out: Float32Array | Float64Array, c0: number, a: ArrayLike<number>, c1: number, b: ArrayLike<number>, line: Line = flatLine(out.length)): void {
  for (let k = 0, j = line.start; k < line.length; k++, j += line.stride) out[j] = c0 * a[j]! + c1 * b[j]!;
}

/** (1 − t)·a + t·b, mergekit's `lerp`. */
export function lerp(t: number, a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  combineInto(out, 1 - t, a, t, b);
  return out;
}

/** a − b elementwise in fp32 (a task vector, as torch computes it on fp32 tensors). */
export function difference(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let j = 0; j < out.length; j++) out[j] = a[j]! - b[j]!;
  return out;
}

/** a + b elementwise in fp32, into a new array. */
export function sum(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  for (let j = 0; j < out.length; j++) out[j] = a[j]! + b[j]!;
  return out;
}

/** Clamp to [lo, hi] (torch's `clamp`). */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
