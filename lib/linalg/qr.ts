/**
 * Thin QR of a tall matrix by Householder reflections: A (m×n, m ≥ n) = Q R with Q m×n
 * of orthonormal columns and R n×n upper triangular.
 *
 * Householder rather than Gram–Schmidt because its Q is orthonormal to working precision
 * whatever the conditioning of A, rank-deficient A included (a zero column gives a zero
 * diagonal in R and Q still gets an orthonormal column): the randomized SVD feeds it
 * sketches of low-rank task matrices, which are rank-deficient by construction.
 *
 * Row-major layout: applying a reflector H = I − β v vᵀ to the trailing columns is done
 * row by row (w = Σᵢ vᵢ A[i, j:], then A[i, j:] −= β vᵢ w), so every inner loop runs over
 * contiguous memory. Q is formed explicitly by accumulating the reflectors backwards.
 * Cost ≈ 2mn² multiply-adds (factor and form Q).
 */
import { type Matrix, type MatrixData } from './matrix';

export interface QrResult {
  /** m×n, orthonormal columns. */
  readonly Q: Matrix;
  /** n×n, upper triangular (diagonal entries may be negative). */
  readonly R: Matrix;
}

export function householderQr(a: Matrix<MatrixData>): QrResult {
  const { rows: m, cols: n } = a;
  if (m < n) throw new Error(`householderQr needs a tall matrix, got ${m}×${n}`);
  const w = Float64Array.from(a.data); // working copy: R above the diagonal, v below (and on) it
  const rDiag = new Float64Array(n);
  const beta = new Float64Array(n);
  const acc = new Float64Array(n);

  for (let j = 0; j < n; j++) {
    let norm2 = 0;
    for (let i = j; i < m; i++) {
      const x = w[i * n + j]!;
      norm2 += x * x;
    }
    const norm = Math.sqrt(norm2);
    if (norm === 0) {
      rDiag[j] = 0;
      beta[j] = 0;
      continue;
    }
    const x0 = w[j * n + j]!;
    const alpha = x0 >= 0 ? -norm : norm;
    // v = x − α e₁, stored in place; vᵀv = ‖x‖² − 2α x₀ + α² = 2(‖x‖² − α x₀).
    w[j * n + j] = x0 - alpha;
    const vtv = 2 * (norm2 - alpha * x0);
    const b = vtv > 0 ? 2 / vtv : 0;
    beta[j] = b;
    rDiag[j] = alpha;
    if (b === 0 || j + 1 === n) continue;
    // Trailing columns j+1..n−1: acc = vᵀ A[j:, j+1:], A[j:, j+1:] −= β v accᵀ.
    acc.fill(0, j + 1, n);
    for (let i = j; i < m; i++) {
      const vi = w[i * n + j]!;
      if (vi === 0) continue;
      const row = i * n;
      for (let c = j + 1; c < n; c++) acc[c] = acc[c]! + (vi * w[row + c]!);
    }
    for (let c = j + 1; c < n; c++) acc[c] = acc[c]! * b;
    for (let i = j; i < m; i++) {
      const vi = w[i * n + j]!;
      if (vi === 0) continue;
      const row = i * n;
      for (let c = j + 1; c < n; c++) w[row + c] = w[row + c]! - (vi * acc[c]!);
    }
  }

  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    r[i * n + i] = rDiag[i]!;
    for (let c = i + 1; c < n; c++) r[i * n + c] = w[i * n + c]!;
  }

  // Q = H₀ H₁ … H_{n−1} [I; 0], accumulated from the last reflector back.
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const b = beta[j]!;
    if (b === 0) continue;
    acc.fill(0, j, n);
    for (let i = j; i < m; i++) {
      const vi = w[i * n + j]!;
      if (vi === 0) continue;
      const row = i * n;
      for (let c = j; c < n; c++) acc[c] = acc[c]! + (vi * q[row + c]!);
    }
    for (let c = j; c < n; c++) acc[c] = acc[c]! * b;
    for (let i = j; i < m; i++) {
      const vi = w[i * n + j]!;
      if (vi === 0) continue;
      const row = i * n;
      for (let c = j; c < n; c++) q[row + c] = q[row + c]! - (vi * acc[c]!);
    }
  }
  return { Q: { rows: m, cols: n, data: q }, R: { rows: n, cols: n, data: r } };
}
