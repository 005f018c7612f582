/**
 * Operations on singular subspaces shared by the subspace merges (TSV-M, Iso-C, Iso-CTS):
 * the top triplets of a matrix by the SVD that fits, dropping numerically-zero
 * triplets, orthogonalizing stacked singular vectors with the polar factor, a flat
 * (isotropic) spectrum, and projecting a subspace out.
 */
import { concatColumns, matmul, matmulTN, scaledProductNT, type Matrix } from './matrix';
import type { UniformSource } from './random';
import { polarFactor, randomizedSvd, svd, type SvdResult } from './svd';

/** Oversampling for `topTriplets`: generous, since the merges weight tail directions too. */
export function subspaceOversampling(k: number): number {
  return Math.max(10, Math.ceil(k / 2));
}

/**
 * The top k triplets of A. Exact (QR + Jacobi) when k plus the oversampling reaches
 * min(m, n), where a sketch would cover (nearly) everything anyway; otherwise the
 * randomized SVD with oversampling max(10, k/2) and 2 subspace iterations, seeded by `rng`.
 */
export function topTriplets(a: Matrix, k: number, rng: UniformSource): SvdResult {
  const full = Math.min(a.rows, a.cols);
  const kk = Math.max(0, Math.min(full, Math.floor(k)));
  const p = subspaceOversampling(kk);
  if (kk + p >= full) return svd(a, kk);
  return randomizedSvd(a, kk, { oversampling: p, powerIterations: 2, rng });
}

/**
 * Below this a singular value of a matrix built from fp32 tensors is rounding noise of
 * their storage: rounding an m×n matrix of RMS entry w to fp32 adds errors of at most
 * 2⁻²⁴·|wᵢⱼ| each, whose spectral norm is about their spread times √m + √n (a random
 * matrix's largest singular value); so the floor is 2⁻²⁴·(√m + √n)·Σₖ ‖Aₖ‖_F/√(mn) over the
 * stored matrices Aₖ the matrix is a ± combination of (a factor of 2–4 above the expected
 * noise, far below the rigorous bound 2⁻²⁴·Σₖ ‖Aₖ‖_F). Directions below it are not
 * determined by the data: a low-rank task vector (a LoRA expert, a synthetic test) stored
 * in fp32 is full rank by this noise alone. `norms` are the ‖Aₖ‖_F, with multiplicity (the
 * base counts T times in Σᵢ (xᵢ − base)).
 */
export function negligibleThreshold(rows: number, cols: number, norms: readonly number[]): number {
  if (rows === 0 || cols === 0) return 0;
  const total = norms.reduce((a, b) => a + b, 0);
  const floor32 = 2 ** -24 * (Math.sqrt(rows) + Math.sqrt(cols)) * (total / Math.sqrt(rows * cols));
  // The SVD's own rounding (numpy's matrix_rank rule), for matrices exact in fp32.
  const floor64 = Math.max(rows, cols) * Number.EPSILON * total;
  return Math.max(floor32, floor64);
}

/** The triplets with σ > tol (σ is descending: a prefix). */
export function dropNegligible(res: SvdResult, tol: number): SvdResult {
  let k = 0;
  while (k < res.S.length && res.S[k]! > tol) k++;
  if (k === res.S.length) return res;
  const keep = (x: Matrix): Matrix => {
    const out = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) out.set(x.data.subarray(i * x.cols, i * x.cols + k), i * k);
    return { rows: x.rows, cols: k, data: out };
  };
  return { U: keep(res.U), S: res.S.slice(0, k), V: keep(res.V) };
}

/**
 * Stack the triplets of several SVDs ([U₁ U₂ …], [σ₁ σ₂ …], [V₁ V₂ …]) and replace the
 * stacked U and V by their polar factors (the nearest matrices with orthonormal columns,
 * or rows when there are more columns than rows). S is the concatenation, not re-sorted.
 * The parts' factors must have orthonormal columns (SVD output).
 */
export function orthogonalStack(parts: readonly SvdResult[], rows: number, cols: number): SvdResult {
  const kept = parts.filter((p) => p.S.length > 0);
  const total = kept.reduce((s, p) => s + p.S.length, 0);
  if (total === 0) return { U: { rows, cols: 0, data: new Float64Array(0) }, S: new Float64Array(0), V: { rows: cols, cols: 0, data: new Float64Array(0) } };
  // One SVD's factors are orthonormal already (their polar factors are themselves).
  if (kept.length === 1) return kept[0]!;
  const s = new Float64Array(total);
  let o = 0;
  for (const p of kept) {
    s.set(p.S, o);
    o += p.S.length;
  }
  return {
    U: polarFactor(concatColumns(kept.map((p) => p.U))),
    S: s,
    V: polarFactor(concatColumns(kept.map((p) => p.V))),
  };
}

/** Every singular value replaced by their mean (an empty spectrum stays empty). */
export function isotropic(res: SvdResult): SvdResult {
  const k = res.S.length;
  if (k === 0) return res;
  const mean = res.S.reduce((a, b) => a + b, 0) / k;
  return { U: res.U, S: new Float64Array(k).fill(mean), V: res.V };
}

/** (I − U·Uᵀ)·A for U with orthonormal columns: A with U's column space projected out. */
export function projectOutColumnSpace(a: Matrix, u: Matrix): Matrix {
  if (u.cols === 0) return { rows: a.rows, cols: a.cols, data: Float64Array.from(a.data) };
  const coords = matmulTN(u, a); // k×n
  const inSpace = matmul(u, coords);
  const data = new Float64Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i]! - inSpace.data[i]!;
  return { rows: a.rows, cols: a.cols, data };
}

/** U·diag(S)·Vᵀ as an m×n matrix (zeros for an empty factorization). */
export function rebuild(res: SvdResult, rows: number, cols: number): Matrix {
  if (res.S.length === 0) return { rows, cols, data: new Float64Array(rows * cols) };
  return scaledProductNT(res.U, res.S, res.V);
}

/** Directions kept of an m×n matrix for a fraction of min(m, n): round(f·min(m, n)), at least 1. */
export function keptRank(fraction: number, rows: number, cols: number): number {
  const full = Math.min(rows, cols);
  return Math.max(1, Math.min(full, Math.round(fraction * full)));
}
