/**
 * Dense row-major matrices and their products, in plain JS.
 *
 * A matrix is `{ rows, cols, data }` with element (i, j) at `data[i * cols + j]`. Inputs
 * may hold Float32 (weights as the studio stores them) or Float64; every result is
 * Float64 and every sum is accumulated in doubles (JS arithmetic is double anyway; the
 * Float64 storage keeps partial sums from being rounded to fp32 between steps).
 *
 * Products use the cache-friendly i-k-j order: a row of C is updated by whole rows of B
 * (`C[i, :] += A[i, k] · B[k, :]`), four k at a time so each pass over C's row does
 * four multiply-adds per load and store, and the k dimension is cut into blocks so the
 * block of B being read stays in cache while every row of A passes over it. A·Bᵀ
 * transposes B once (O(nk), against the O(mnk) product) and runs the same kernel.
 * Hot callers (the SVDs) convert Float32 operands to Float64 once so the kernels see one
 * array type.
 */

export type MatrixData = Float32Array | Float64Array;

export interface Matrix<D extends MatrixData = Float64Array> {
  readonly rows: number;
  readonly cols: number;
  readonly data: D;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw new Error(`bad matrix size ${rows}×${cols}`);
  if (data && data.length !== rows * cols) throw new Error(`a ${rows}×${cols} matrix needs ${rows * cols} values, got ${data.length}`);
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

/** Wrap existing storage (Float32 or Float64) without copying. */
export function matrixView<D extends MatrixData>(rows: number, cols: number, data: D): Matrix<D> {
  if (data.length !== rows * cols) throw new Error(`a ${rows}×${cols} matrix needs ${rows * cols} values, got ${data.length}`);
  return { rows, cols, data };
}

/** From nested rows (tests, small hand-made cases). */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const m = rows.length;
  const n = m === 0 ? 0 : rows[0]!.length;
  const out = matrix(m, n);
  rows.forEach((row, i) => {
    if (row.length !== n) throw new Error('rows of different lengths');
    out.data.set(row, i * n);
  });
  return out;
}

export function toRows(a: Matrix<MatrixData>): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.rows; i++) out.push(Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
  return out;
}

export function identity(n: number): Matrix {
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
  return out;
}

/** A Float64 copy (or the matrix itself when it already is Float64 and `copy` is false). */
export function toFloat64(a: Matrix<MatrixData>, copy = false): Matrix {
  if (a.data instanceof Float64Array && !copy) return a as Matrix;
  return { rows: a.rows, cols: a.cols, data: Float64Array.from(a.data) };
}

export function toFloat32(a: Matrix<MatrixData>): Float32Array {
  return Float32Array.from(a.data);
}

const TRANSPOSE_BLOCK = 32;

export function transpose(a: Matrix<MatrixData>): Matrix {
  const { rows: m, cols: n, data } = a;
  const out = new Float64Array(m * n);
  for (let i0 = 0; i0 < m; i0 += TRANSPOSE_BLOCK) {
    const i1 = Math.min(m, i0 + TRANSPOSE_BLOCK);
    for (let j0 = 0; j0 < n; j0 += TRANSPOSE_BLOCK) {
      const j1 = Math.min(n, j0 + TRANSPOSE_BLOCK);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = j0; j < j1; j++) out[j * m + i] = data[row + j]!;
      }
    }
  }
  return { rows: n, cols: m, data: out };
}

/** Rows of the k dimension per block: 128 rows of B × 512 doubles ≈ 512 KB at most in flight. */
const K_BLOCK = 128;
/** Columns of C per block, so the slice of B's block rows stays in cache for wide outputs. */
const J_BLOCK = 512;

/**
 * out[i, j0:j1] += Σ_k a(i, k) · B[k, j0:j1] for k in [k0, k1), where a(i, k) is
 * `aData[i * aRow + k * aCol]` (A or Aᵀ, whichever the caller wants).
 */
function accumulateBlock(
  aData: MatrixData,
  aRow: number,
  aCol: number,
  b: MatrixData,
  n: number,
  out: Float64Array,
  m: number,
  k0: number,
  k1: number,
  j0: number,
  j1: number,
): void {
  for (let i = 0; i < m; i++) {
    const c = i * n;
    const ai = i * aRow;
    let k = k0;
    for (; k + 3 < k1; k += 4) {
      const a0 = aData[ai + k * aCol]!;
      const a1 = aData[ai + (k + 1) * aCol]!;
      const a2 = aData[ai + (k + 2) * aCol]!;
      const a3 = aData[ai + (k + 3) * aCol]!;
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const b0 = k * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = j0; j < j1; j++) {
        out[c + j] = out[c + j]! + (a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!);
      }
    }
    for (; k < k1; k++) {
      const a0 = aData[ai + k * aCol]!;
      if (a0 === 0) continue;
      const b0 = k * n;
      for (let j = j0; j < j1; j++) out[c + j] = out[c + j]! + a0 * b[b0 + j]!;
    }
  }
}

function product(aData: MatrixData, aRow: number, aCol: number, m: number, kDim: number, b: Matrix<MatrixData>): Matrix {
  const n = b.cols;
  const out = new Float64Array(m * n);
  for (let j0 = 0; j0 < n; j0 += J_BLOCK) {
    const j1 = Math.min(n, j0 + J_BLOCK);
    for (let k0 = 0; k0 < kDim; k0 += K_BLOCK) {
      accumulateBlock(aData, aRow, aCol, b.data, n, out, m, k0, Math.min(kDim, k0 + K_BLOCK), j0, j1);
    }
  }
  return { rows: m, cols: n, data: out };
}

/** A·B. */
export function matmul(a: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  return product(a.data, a.cols, 1, a.rows, a.cols, b);
}

/** Aᵀ·B without forming Aᵀ. */
export function matmulTN(a: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix {
  if (a.rows !== b.rows) throw new Error(`matmulTN: (${a.rows}×${a.cols})ᵀ · ${b.rows}×${b.cols}`);
  return product(a.data, 1, a.cols, a.cols, a.rows, b);
}

/** A·Bᵀ (transposes B once, then the A·B kernel). */
export function matmulNT(a: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix {
  if (a.cols !== b.cols) throw new Error(`matmulNT: ${a.rows}×${a.cols} · (${b.rows}×${b.cols})ᵀ`);
  return matmul(a, transpose(b));
}

/** Columns [c0, c1) of A, as a new matrix. */
export function sliceColumns(a: Matrix<MatrixData>, c0: number, c1: number): Matrix {
  const w = c1 - c0;
  const out = new Float64Array(a.rows * w);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < w; j++) out[i * w + j] = a.data[i * a.cols + c0 + j]!;
  }
  return { rows: a.rows, cols: w, data: out };
}

/** [A₁ A₂ …]: matrices with the same row count, side by side. */
export function concatColumns(parts: readonly Matrix<MatrixData>[]): Matrix {
  if (parts.length === 0) throw new Error('concatColumns of nothing');
  const m = parts[0]!.rows;
  const n = parts.reduce((s, p) => s + p.cols, 0);
  const out = new Float64Array(m * n);
  let c0 = 0;
  for (const p of parts) {
    if (p.rows !== m) throw new Error('concatColumns: row counts differ');
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < p.cols; j++) out[i * n + c0 + j] = p.data[i * p.cols + j]!;
    }
    c0 += p.cols;
  }
  return { rows: m, cols: n, data: out };
}

/** A · diag(s) · Bᵀ, with A m×r, B n×r (rebuilding a matrix from its SVD factors). */
export function scaledProductNT(a: Matrix<MatrixData>, s: ArrayLike<number>, b: Matrix<MatrixData>): Matrix {
  const r = a.cols;
  if (b.cols !== r || s.length !== r) throw new Error('scaledProductNT: inner sizes differ');
  const scaled = new Float64Array(a.rows * r);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < r; j++) scaled[i * r + j] = a.data[i * r + j]! * s[j]!;
  return matmulNT({ rows: a.rows, cols: r, data: scaled }, b);
}

export function frobeniusNorm(a: Matrix<MatrixData>): number {
  let s = 0;
  const d = a.data;
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  return Math.sqrt(s);
}

/** ‖A − B‖_F. */
export function frobeniusDistance(a: Matrix<MatrixData>, b: Matrix<MatrixData>): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error('frobeniusDistance: sizes differ');
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i]! - b.data[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** max |QᵀQ − I| over the entries: how far the columns of Q are from orthonormal. */
export function orthonormalityError(q: Matrix<MatrixData>): number {
  const g = matmulTN(q, q);
  let worst = 0;
  for (let i = 0; i < g.rows; i++) {
    for (let j = 0; j < g.cols; j++) worst = Math.max(worst, Math.abs(g.data[i * g.cols + j]! - (i === j ? 1 : 0)));
  }
  return worst;
}
