/**
 * Singular value decompositions in plain JS: an exact one for small and medium matrices,
 * a randomized truncated one for the top directions of large ones, and the polar factor.
 *
 * Exact (`svd`): Householder QR first (A = QR, m ≥ n; a wide A is transposed), then
 * one-sided (Hestenes) Jacobi on the rows of Rᵀ: plane rotations W make the rows of
 * W·Rᵀ mutually orthogonal; their norms are the singular values and
 *   A = (Q·Yᵀ) · Σ · W,   Y = the normalized rows of W·Rᵀ,
 * so U = Q·Yᵀ and V = Wᵀ. The QR step is Drmač–Veselić's preconditioning (Jacobi on the
 * triangular factor), one-sided Jacobi computes small singular values to high relative
 * accuracy, and working on rows keeps every inner loop on contiguous memory. A sweep costs
 * ≈ 1.5n³ multiply-adds (n = min(m, n)); a dense random matrix takes 10–12 sweeps, the
 * last ones nearly free: fine for a few hundred, 1.8 s at 512², 18 s at 1024² (see below):
 * beyond that use the randomized SVD, or cap the rank.
 *
 * Randomized (`randomizedSvd`, Halko–Martinsson–Tropp 2011, Algorithms 4.4 and 5.1):
 *   Ω = n×ℓ Gaussian (seeded), ℓ = r + oversampling;  Q = qr(A·Ω);
 *   q times: Q = qr(Aᵀ·Q), Q = qr(A·Q)   (subspace iteration, re-orthonormalized at
 *   every step so the small directions are not lost to rounding);
 *   Bᵀ = Aᵀ·Q (n×ℓ);  exact SVD Bᵀ = Ũ Σ Ṽᵀ;  A ≈ Q·B = (Q·Ṽ) Σ Ũᵀ;  keep the top r.
 * Cost ≈ (2q + 2)·m·n·ℓ multiply-adds for the products plus 2q + 2 QRs of m×ℓ or n×ℓ,
 * and an ℓ×ℓ Jacobi. When ℓ reaches min(m, n) the sketch spans everything and the exact
 * SVD is used instead (cheaper, and exact).
 *
 * Conventions: U is m×k and V is n×k with the singular vectors as columns (A ≈ U·diag(S)·Vᵀ),
 * S descending and ≥ 0. Signs of singular vector pairs are arbitrary. Exactly zero
 * singular values get orthonormal completions as their vectors, so U and V always have
 * orthonormal columns.
 *
 * Measured (`npx tsx bench/measureSvd.ts --1024`; Node 20, 2 cores shared with a
 * training job, so times are upper-ish). Test matrices have known SVDs (random orthonormal
 * factors), errors are against the true spectrum and the optimal rank-r error
 * ‖A − A_r‖_F = √(Σ_{i>r} σᵢ²):
 *   exact, σᵢ = 1/(i+1), full rank:  128²: 0.13 s · 256²: 0.32 s · 512²: 1.8 s · 1024²: 17.7 s
 *     (the DESIGN note's plain-JS full SVD: 27 s at 1024²); max relative σ error 1.7e-14 …
 *     1.4e-13, ‖A − UΣVᵀ‖/‖A‖ ≤ 2e-13, UᵀU − I ≤ 7e-15, VᵀV − I ≤ 3e-13.
 *   randomized, 256² full rank (each ≤ 0.1 s), max relative σ error over the top r (over the
 *   top r/2) and ‖A − UΣVᵀ‖_F / optimal:
 *     σᵢ = 1/(i+1), r = 64:  q=0 p=10: 0.30 (0.12), 1.48 · q=1: 0.11 (3e-3), 1.031 ·
 *                            q=2: 0.050 (8e-5), 1.008 · q=2 p=64: 4e-4 (5e-7), 1.0001
 *     σᵢ = 0.97^i,  r = 64:  q=2 p=10: 0.027 (1e-6), 1.005 · q=2 p=64: 2e-9, 1.0000
 *     σᵢ = 1/√(i+1), r = 64: q=2 p=10: 0.082 (6e-3), 1.013 · q=2 p=64: 9e-3 (4e-4), 1.002
 *     (r = 16 alike, a little better.) The error sits in the last few of the r values; the
 *     subspace iterations matter most, then oversampling.
 *   randomized top-256 of 2048×2048 (σᵢ = 1/√(i+1) on 1024 directions, a slow decay):
 *     q=1 p=10: 3.6 s, σ error 0.19 (top half 0.048), 1.057 × optimal
 *     q=2 p=10: 5.2 s, σ error 0.12 (top half 0.011), 1.021 × optimal   (the defaults)
 *     q=2 p=64: 6.8 s, σ error 0.054 (top half 0.004), 1.011 × optimal
 *     a dense Gaussian 2048² (flat spectrum), q=2 p=10: 5.5–7.6 s.
 *   Products run at ≈2.2 G multiply-adds/s (2048×2048 · 2048×266 in 0.5 s).
 */
import { matmul, matmulNT, matmulTN, scaledProductNT, toFloat64, transpose, type Matrix, type MatrixData } from './matrix';
import { householderQr } from './qr';
import { gaussianMatrix, seededUniform, type UniformSource } from './random';

export interface SvdResult {
  /** m×k, left singular vectors as columns. */
  readonly U: Matrix;
  /** k singular values, descending. */
  readonly S: Float64Array;
  /** n×k, right singular vectors as columns. */
  readonly V: Matrix;
}

const EPS = Number.EPSILON;
const MAX_SWEEPS = 60;

/**
 * One-sided Jacobi on the rows of G (k×p, in place): rotations until every pair of rows
 * is orthogonal to within `tol` in cosine. Returns W (k×k, orthogonal) with W·G₀ = G.
 *
 * Each row of G is stored next to its row of W ([gᵢ | wᵢ], length p + k) so a rotation is
 * one pass over contiguous memory; dot products run four accumulators wide (a single
 * running sum is bound by the latency of its additions); each sweep starts with the rows
 * sorted by decreasing norm (de Rijk's pivoting), which cuts the number of sweeps.
 */
function jacobiOrthogonalizeRows(g: Float64Array, k: number, p: number): Float64Array {
  const width = p + k;
  let rows = new Float64Array(k * width);
  for (let i = 0; i < k; i++) {
    rows.set(g.subarray(i * p, (i + 1) * p), i * width);
    rows[i * width + p + i] = 1;
  }
  let spare = new Float64Array(k * width);
  const norms = new Float64Array(k);
  const sorted = new Float64Array(k);
  const order = new Int32Array(k);
  const tol = Math.max(EPS, Math.sqrt(p) * EPS);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    for (let i = 0; i < k; i++) {
      let s = 0;
      const o = i * width;
      for (let c = 0; c < p; c++) s += rows[o + c]! * rows[o + c]!;
      norms[i] = s;
      order[i] = i;
    }
    order.sort((a, b) => norms[b]! - norms[a]! || a - b);
    for (let i = 0; i < k; i++) {
      spare.set(rows.subarray(order[i]! * width, (order[i]! + 1) * width), i * width);
      sorted[i] = norms[order[i]!]!;
    }
    [rows, spare] = [spare, rows];
    norms.set(sorted);
    let rotated = false;
    for (let i = 0; i < k - 1; i++) {
      const oi = i * width;
      for (let j = i + 1; j < k; j++) {
        const alpha = norms[i]!;
        const beta = norms[j]!;
        if (alpha === 0 || beta === 0) continue;
        const oj = j * width;
        let g0 = 0;
        let g1 = 0;
        let g2 = 0;
        let g3 = 0;
        let c = 0;
        for (; c + 3 < p; c += 4) {
          g0 += rows[oi + c]! * rows[oj + c]!;
          g1 += rows[oi + c + 1]! * rows[oj + c + 1]!;
          g2 += rows[oi + c + 2]! * rows[oj + c + 2]!;
          g3 += rows[oi + c + 3]! * rows[oj + c + 3]!;
        }
        for (; c < p; c++) g0 += rows[oi + c]! * rows[oj + c]!;
        const gamma = g0 + g1 + (g2 + g3);
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let c2 = 0; c2 < width; c2++) {
          const x = rows[oi + c2]!;
          const y = rows[oj + c2]!;
          rows[oi + c2] = cs * x - sn * y;
          rows[oj + c2] = sn * x + cs * y;
        }
        norms[i] = Math.max(0, alpha - t * gamma);
        norms[j] = beta + t * gamma;
      }
    }
    if (!rotated) break;
  }
  const w = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    g.set(rows.subarray(i * width, i * width + p), i * p);
    w.set(rows.subarray(i * width + p, (i + 1) * width), i * k);
  }
  return w;
}

/**
 * Normalize the rows of G (k×p, k ≤ p) into Y; rows whose norm is zero (or too small to
 * carry a direction) are replaced by unit vectors orthogonal to all the others, so Y has
 * orthonormal rows. Returns the norms.
 */
function normalizeRows(g: Float64Array, k: number, p: number): Float64Array {
  const sigma = new Float64Array(k);
  let max = 0;
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let c = 0; c < p; c++) s += g[i * p + c]! * g[i * p + c]!;
    sigma[i] = Math.sqrt(s);
    max = Math.max(max, sigma[i]!);
  }
  const floor = max * 1e-150;
  const bad: number[] = [];
  for (let i = 0; i < k; i++) {
    const s = sigma[i]!;
    if (s > floor && s > 0) {
      for (let c = 0; c < p; c++) g[i * p + c] = g[i * p + c]! / s;
    } else {
      sigma[i] = 0;
      bad.push(i);
    }
  }
  if (bad.length === 0) return sigma;
  const good = new Set<number>();
  for (let i = 0; i < k; i++) if (!bad.includes(i)) good.add(i);
  let candidate = 0;
  for (const i of bad) {
    const row = new Float64Array(p);
    for (;;) {
      if (candidate >= p) throw new Error('normalizeRows: no orthonormal completion (more rows than columns)');
      row.fill(0);
      row[candidate++] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const j of good) {
          let d = 0;
          for (let c = 0; c < p; c++) d += row[c]! * g[j * p + c]!;
          for (let c = 0; c < p; c++) row[c] = row[c]! - (d * g[j * p + c]!);
        }
      }
      let n2 = 0;
      for (let c = 0; c < p; c++) n2 += row[c]! * row[c]!;
      if (n2 > 0.25) {
        const inv = 1 / Math.sqrt(n2);
        for (let c = 0; c < p; c++) g[i * p + c] = row[c]! * inv;
        good.add(i);
        break;
      }
    }
  }
  return sigma;
}

/** Order of indices by decreasing value (stable). */
function descendingOrder(values: Float64Array): number[] {
  return [...values.keys()].sort((a, b) => values[b]! - values[a]! || a - b);
}

/** Exact thin SVD of a tall Float64 matrix (m ≥ n), all n triplets. */
function svdTall(a: Matrix): SvdResult {
  const n = a.cols;
  const { Q, R } = householderQr(a);
  const g = transpose(R).data; // Rᵀ, n×n
  const w = jacobiOrthogonalizeRows(g, n, n);
  const sigma = normalizeRows(g, n, n); // g now holds Y
  const order = descendingOrder(sigma);
  const y = new Float64Array(n * n);
  const v = new Float64Array(n * n); // V = Wᵀ, columns permuted
  const s = new Float64Array(n);
  order.forEach((from, to) => {
    s[to] = sigma[from]!;
    y.set(g.subarray(from * n, (from + 1) * n), to * n);
    for (let c = 0; c < n; c++) v[c * n + to] = w[from * n + c]!;
  });
  const u = matmulNT(Q, { rows: n, cols: n, data: y }); // Q·Yᵀ, m×n
  return { U: u, S: s, V: { rows: n, cols: n, data: v } };
}

/** Keep the first k triplets. */
export function truncateSvd(result: SvdResult, k: number): SvdResult {
  const r = result.S.length;
  if (k >= r) return result;
  const keep = (x: Matrix): Matrix => {
    const out = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) out.set(x.data.subarray(i * x.cols, i * x.cols + k), i * k);
    return { rows: x.rows, cols: k, data: out };
  };
  return { U: keep(result.U), S: result.S.slice(0, k), V: keep(result.V) };
}

/**
 * Exact thin SVD: k = min(m, n) triplets (or the top `rank` of them), A = U·diag(S)·Vᵀ.
 * O(min(m, n)³) per Jacobi sweep: meant for matrices up to a few hundred on the short side.
 */
export function svd(a: Matrix<MatrixData>, rank?: number): SvdResult {
  const { rows: m, cols: n } = a;
  const k = Math.min(m, n);
  if (k === 0) return { U: { rows: m, cols: 0, data: new Float64Array(0) }, S: new Float64Array(0), V: { rows: n, cols: 0, data: new Float64Array(0) } };
  let result: SvdResult;
  if (m >= n) result = svdTall(toFloat64(a));
  else {
    const t = svdTall(transpose(a));
    result = { U: t.V, S: t.S, V: t.U };
  }
  return rank === undefined ? result : truncateSvd(result, Math.max(0, Math.min(k, Math.floor(rank))));
}

export interface RandomizedSvdOptions {
  /** Extra sketch columns beyond the rank (HMT's p). Default 10. */
  readonly oversampling?: number;
  /** Subspace (power) iterations (HMT's q). Default 2. */
  readonly powerIterations?: number;
  /** Source of the Gaussian sketch; default `seededUniform(seed)`. */
  readonly rng?: UniformSource;
  /** Seed when no `rng` is given. Default 0. */
  readonly seed?: number;
}

export const RANDOMIZED_SVD_DEFAULTS = { oversampling: 10, powerIterations: 2 } as const;

/**
 * Top-`rank` SVD by randomized subspace iteration (see the header). Deterministic for a
 * given seed (or rng state). Falls back to the exact SVD when rank + oversampling
 * reaches min(m, n).
 */
export function randomizedSvd(a: Matrix<MatrixData>, rank: number, options: RandomizedSvdOptions = {}): SvdResult {
  const { rows: m, cols: n } = a;
  const k = Math.min(m, n);
  const r = Math.max(0, Math.min(k, Math.floor(rank)));
  const p = Math.max(0, Math.floor(options.oversampling ?? RANDOMIZED_SVD_DEFAULTS.oversampling));
  const q = Math.max(0, Math.floor(options.powerIterations ?? RANDOMIZED_SVD_DEFAULTS.powerIterations));
  const l = r + p;
  if (r === 0 || l >= k) return svd(a, r);
  const rng = options.rng ?? seededUniform(options.seed ?? 0);
  const a64 = toFloat64(a);
  const omega = gaussianMatrix(n, l, rng);
  let basis = householderQr(matmul(a64, omega)).Q; // m×ℓ
  for (let it = 0; it < q; it++) {
    const z = householderQr(matmulTN(a64, basis)).Q; // n×ℓ
    basis = householderQr(matmul(a64, z)).Q;
  }
  const bt = matmulTN(a64, basis); // Bᵀ = Aᵀ·Q, n×ℓ
  const small = svdTall(bt); // Bᵀ = Ũ Σ Ṽᵀ → A ≈ (Q·Ṽ) Σ Ũᵀ
  return truncateSvd({ U: matmul(basis, small.V), S: small.S, V: small.U }, r);
}

/**
 * The polar factor of A (m×n): the nearest matrix with orthonormal columns (m ≥ n) or
 * rows (m < n) in Frobenius norm, U·Vᵀ of the thin SVD. For a rank-deficient A the
 * factor is completed with orthonormal directions (any completion is as near).
 */
export function polarFactor(a: Matrix<MatrixData>): Matrix {
  const { U, V } = svd(a);
  return matmulNT(U, V);
}

/** U·diag(S)·Vᵀ. */
export function reconstruct({ U, S, V }: SvdResult): Matrix {
  return scaledProductNT(U, S, V);
}
