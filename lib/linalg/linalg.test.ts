import { describe, expect, it } from 'vitest';
import {
  concatColumns,
  frobeniusDistance,
  frobeniusNorm,
  fromRows,
  identity,
  matmul,
  matmulNT,
  matmulTN,
  matrix,
  matrixView,
  orthonormalityError,
  scaledProductNT,
  sliceColumns,
  toRows,
  transpose,
  type Matrix,
} from './matrix';
import { householderQr } from './qr';
import { gaussianMatrix, seededUniform } from './random';
import { dropNegligible, isotropic, keptRank, negligibleThreshold, orthogonalStack, projectOutColumnSpace, rebuild, topTriplets } from './subspaces';
import { polarFactor, randomizedSvd, reconstruct, svd, type SvdResult } from './svd';
import { vectorNorm } from './taskMatrices';

/** Naive triple loop, the reference for the blocked kernels. */
function naiveProduct(a: Matrix, b: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k]! * b.data[k * b.cols + j]!;
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

function expectMatrixClose(actual: Matrix, expected: number[][], tol: number): void {
  expect(actual.rows).toBe(expected.length);
  const rows = toRows(actual);
  rows.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThanOrEqual(tol)));
}

/** A with the given singular values and random singular vectors (exact spectrum known). */
function withSpectrum(m: number, n: number, sigma: readonly number[], seed: number): Matrix {
  const u = householderQr(gaussianMatrix(m, sigma.length, seededUniform(seed))).Q;
  const v = householderQr(gaussianMatrix(n, sigma.length, seededUniform(seed + 1))).Q;
  return scaledProductNT(u, sigma, v);
}

/** |cos| between column j of X and column j of Y (singular vectors match up to sign). */
function columnAlignment(x: Matrix, y: Matrix, j: number): number {
  let d = 0;
  for (let i = 0; i < x.rows; i++) d += x.data[i * x.cols + j]! * y.data[i * y.cols + j]!;
  return Math.abs(d);
}

function checkSvd(a: Matrix, res: SvdResult, tol: number): void {
  const k = Math.min(a.rows, a.cols);
  expect(res.S.length).toBe(k);
  expect(res.U.rows).toBe(a.rows);
  expect(res.V.rows).toBe(a.cols);
  for (let i = 1; i < k; i++) expect(res.S[i]!).toBeLessThanOrEqual(res.S[i - 1]!);
  for (const s of res.S) expect(s).toBeGreaterThanOrEqual(0);
  expect(orthonormalityError(res.U)).toBeLessThan(tol);
  expect(orthonormalityError(res.V)).toBeLessThan(tol);
  expect(frobeniusDistance(reconstruct(res), a)).toBeLessThan(tol * (1 + frobeniusNorm(a)));
}

describe('matrix products', () => {
  const rng = seededUniform(3);
  // Sizes straddle the unroll (4) and block (128 / 512) boundaries.
  for (const [m, k, n] of [
    [1, 1, 1],
    [3, 5, 2],
    [7, 130, 9],
    [5, 131, 517],
  ] as const) {
    it(`A·B, Aᵀ·B, A·Bᵀ match the triple loop (${m}×${k}·${k}×${n})`, () => {
      const a = gaussianMatrix(m, k, rng);
      const b = gaussianMatrix(k, n, rng);
      const expected = naiveProduct(a, b);
      expectMatrixClose(matmul(a, b), expected, 1e-12);
      expectMatrixClose(matmulTN(transpose(a), b), expected, 1e-12);
      expectMatrixClose(matmulNT(a, transpose(b)), expected, 1e-12);
    });
  }
  it('takes Float32 storage and accumulates in doubles', () => {
    const a = matrixView(1, 3, Float32Array.of(1e8, 1, -1e8));
    const b = matrixView(3, 1, Float32Array.of(1, 1, 1));
    expect(matmul(a, b).data[0]).toBe(1);
  });
  it('refuses mismatched sizes', () => {
    expect(() => matmul(matrix(2, 3), matrix(2, 3))).toThrow(/matmul/);
  });
  it('slices and concatenates columns', () => {
    const a = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(toRows(sliceColumns(a, 1, 3))).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(toRows(concatColumns([sliceColumns(a, 0, 1), sliceColumns(a, 1, 3)]))).toEqual(toRows(a));
  });
});

describe('Householder QR', () => {
  it('Q orthonormal, R upper triangular, QR = A', () => {
    const a = gaussianMatrix(40, 12, seededUniform(1));
    const { Q, R } = householderQr(a);
    expect(orthonormalityError(Q)).toBeLessThan(1e-14);
    for (let i = 0; i < 12; i++) for (let j = 0; j < i; j++) expect(R.data[i * 12 + j]).toBe(0);
    expect(frobeniusDistance(matmul(Q, R), a)).toBeLessThan(1e-13);
  });
  it('stays orthonormal on rank-deficient input (zero and repeated columns)', () => {
    const a = fromRows([
      [1, 0, 1, 2],
      [2, 0, 2, 4],
      [3, 0, 3, 6],
      [4, 0, 4, 8.5],
      [5, 0, 5, 10],
    ]);
    const { Q, R } = householderQr(a);
    expect(orthonormalityError(Q)).toBeLessThan(1e-14);
    expect(frobeniusDistance(matmul(Q, R), a)).toBeLessThan(1e-13);
  });
});

describe('exact SVD (hand-checked)', () => {
  it('diagonal: singular values are |entries| sorted, vectors are ± unit vectors', () => {
    const res = svd(fromRows([
      [3, 0, 0],
      [0, -5, 0],
      [0, 0, 1],
    ]));
    expect([...res.S]).toEqual([5, 3, 1]);
    // U·Vᵀ carries the sign: column 0 is ±e₁ on both sides with product −1.
    expect(Math.abs(res.U.data[1 * 3 + 0]!)).toBe(1);
    expect(res.U.data[1 * 3 + 0]! * res.V.data[1 * 3 + 0]!).toBe(-1);
    checkSvd(fromRows([[3, 0, 0], [0, -5, 0], [0, 0, 1]]), res, 1e-14);
  });
  it('2×2 [[3, 0], [4, 5]]: σ = 3√5, √5', () => {
    const a = fromRows([
      [3, 0],
      [4, 5],
    ]);
    const res = svd(a);
    expect(res.S[0]).toBeCloseTo(3 * Math.sqrt(5), 13);
    expect(res.S[1]).toBeCloseTo(Math.sqrt(5), 13);
    // Right singular vectors: eigenvectors of AᵀA = [[25, 20], [20, 25]]: (1, 1)/√2 and (1, −1)/√2.
    expect(Math.abs(res.V.data[0]!)).toBeCloseTo(Math.SQRT1_2, 13);
    expect(res.V.data[0]! * res.V.data[2]!).toBeGreaterThan(0);
    checkSvd(a, res, 1e-14);
  });
  it('rank 1: u vᵀ·σ, and the null directions still get orthonormal vectors', () => {
    // [1 2; 2 4; 3 6] = √14·√5 · (1,2,3)/√14 · (1,2)/√5ᵀ
    const a = fromRows([
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
    const res = svd(a);
    expect(res.S[0]).toBeCloseTo(Math.sqrt(70), 13);
    expect(res.S[1]).toBeLessThan(1e-14);
    expect(Math.abs(res.U.data[0]!)).toBeCloseTo(1 / Math.sqrt(14), 13);
    expect(Math.abs(res.V.data[0]!)).toBeCloseTo(1 / Math.sqrt(5), 13);
    checkSvd(a, res, 1e-14);
    const wide = svd(transpose(a));
    expect(wide.S[0]).toBeCloseTo(Math.sqrt(70), 13);
    checkSvd(transpose(a), wide, 1e-14);
  });
  it('the zero matrix: σ = 0 with orthonormal completions', () => {
    const res = svd(matrix(3, 2));
    expect([...res.S]).toEqual([0, 0]);
    expect(orthonormalityError(res.U)).toBe(0);
    expect(orthonormalityError(res.V)).toBe(0);
  });
  it('identity: σ = 1', () => {
    const res = svd(identity(4));
    expect([...res.S]).toEqual([1, 1, 1, 1]);
    checkSvd(identity(4), res, 1e-15);
  });
});

describe('exact SVD (invariants)', () => {
  it('tall, wide and square random matrices: orthonormal U and V, A = UΣVᵀ', () => {
    for (const [m, n] of [
      [30, 30],
      [50, 20],
      [20, 50],
      [1, 7],
      [7, 1],
    ] as const) {
      const a = gaussianMatrix(m, n, seededUniform(m * 100 + n));
      checkSvd(a, svd(a), 1e-12);
    }
  });
  it('recovers a known spectrum, including tiny singular values to high relative accuracy', () => {
    const sigma = Array.from({ length: 40 }, (_, i) => 10 ** (-i / 5)); // 1 … 1.6e-8
    const a = withSpectrum(60, 40, sigma, 5);
    const res = svd(a);
    sigma.forEach((s, i) => expect(Math.abs(res.S[i]! - s) / s).toBeLessThan(1e-6));
    checkSvd(a, res, 1e-12);
  });
  it('Float32 input', () => {
    const a = gaussianMatrix(12, 9, seededUniform(2));
    const f32 = matrixView(12, 9, Float32Array.from(a.data));
    checkSvd(matrix(12, 9, Float64Array.from(f32.data)), svd(f32), 1e-12);
  });
  it('a rank cap keeps the top triplets', () => {
    const a = gaussianMatrix(20, 15, seededUniform(4));
    const full = svd(a);
    const top = svd(a, 4);
    expect([...top.S]).toEqual([...full.S.slice(0, 4)]);
    expect(top.U.cols).toBe(4);
    expect(top.V.cols).toBe(4);
  });
});

describe('randomized SVD', () => {
  const sigma = Array.from({ length: 80 }, (_, i) => 0.9 ** i);
  const a = withSpectrum(120, 100, sigma, 9);
  it('top-r singular values and rank-r error close to optimal (decaying spectrum)', () => {
    const r = 10;
    const res = randomizedSvd(a, r, { seed: 1 });
    expect(res.S.length).toBe(r);
    for (let i = 0; i < r; i++) expect(Math.abs(res.S[i]! - sigma[i]!) / sigma[i]!).toBeLessThan(1e-3);
    expect(orthonormalityError(res.U)).toBeLessThan(1e-13);
    expect(orthonormalityError(res.V)).toBeLessThan(1e-13);
    const optimal = Math.sqrt(sigma.slice(r).reduce((s, x) => s + x * x, 0));
    expect(frobeniusDistance(reconstruct(res), a) / optimal).toBeLessThan(1.01);
    // The leading singular vectors agree with the exact SVD's (up to sign).
    const exact = svd(a, r);
    for (let j = 0; j < 5; j++) {
      expect(columnAlignment(res.U, exact.U, j)).toBeGreaterThan(0.999);
      expect(columnAlignment(res.V, exact.V, j)).toBeGreaterThan(0.999);
    }
  });
  it('exact on a matrix of rank ≤ r (the sketch spans its range)', () => {
    const low = withSpectrum(90, 70, [5, 3, 2, 1], 21);
    const res = randomizedSvd(low, 4, { seed: 3, oversampling: 4 });
    expect(frobeniusDistance(reconstruct(res), low)).toBeLessThan(1e-12);
    [5, 3, 2, 1].forEach((s, i) => expect(res.S[i]).toBeCloseTo(s, 12));
  });
  it('is deterministic from the seed, and the seed matters', () => {
    const x = randomizedSvd(a, 6, { seed: 42, powerIterations: 0 });
    const y = randomizedSvd(a, 6, { seed: 42, powerIterations: 0 });
    const z = randomizedSvd(a, 6, { seed: 43, powerIterations: 0 });
    expect(x.U.data).toEqual(y.U.data);
    expect(x.S).toEqual(y.S);
    expect(x.V.data).toEqual(y.V.data);
    expect(x.S).not.toEqual(z.S);
  });
  it('uses a given rng', () => {
    const x = randomizedSvd(a, 6, { rng: seededUniform(7) });
    const y = randomizedSvd(a, 6, { seed: 7 });
    expect(x.S).toEqual(y.S);
  });
  it('falls back to the exact SVD when rank + oversampling covers min(m, n)', () => {
    const small = gaussianMatrix(12, 8, seededUniform(1));
    expect(randomizedSvd(small, 3).S).toEqual(svd(small, 3).S);
  });
});

describe('polar factor', () => {
  it('has orthonormal columns (tall) or rows (wide), and is the identity for an orthogonal matrix', () => {
    const tall = gaussianMatrix(30, 10, seededUniform(1));
    expect(orthonormalityError(polarFactor(tall))).toBeLessThan(1e-13);
    expect(orthonormalityError(transpose(polarFactor(transpose(tall))))).toBeLessThan(1e-13);
    const q = householderQr(gaussianMatrix(8, 8, seededUniform(2))).Q;
    expect(frobeniusDistance(polarFactor(q), q)).toBeLessThan(1e-13);
  });
  it('of [[2, 0], [0, −3]] is diag(1, −1)', () => {
    expectMatrixClose(polarFactor(fromRows([[2, 0], [0, -3]])), [[1, 0], [0, -1]], 1e-15);
  });
  it('is the nearest orthonormal matrix: P = A (AᵀA)^(−1/2), so PᵀA is symmetric positive', () => {
    const a = gaussianMatrix(15, 6, seededUniform(8));
    const pta = matmulTN(polarFactor(a), a);
    for (let i = 0; i < 6; i++) {
      expect(pta.data[i * 6 + i]!).toBeGreaterThan(0);
      for (let j = 0; j < i; j++) expect(pta.data[i * 6 + j]).toBeCloseTo(pta.data[j * 6 + i]!, 12);
    }
  });
});

describe('subspace helpers', () => {
  it('keptRank: a fraction of min(m, n), at least 1', () => {
    expect(keptRank(1, 128, 352)).toBe(128);
    expect(keptRank(0.5, 128, 352)).toBe(64);
    expect(keptRank(0.001, 128, 352)).toBe(1);
  });
  it('topTriplets: exact when the rank nearly covers min(m, n), randomized (seeded) otherwise', () => {
    const a = gaussianMatrix(30, 20, seededUniform(1));
    expect(topTriplets(a, 12, seededUniform(0)).S).toEqual(svd(a, 12).S);
    const big = gaussianMatrix(80, 60, seededUniform(2));
    expect(topTriplets(big, 5, seededUniform(3)).S).toEqual(randomizedSvd(big, 5, { rng: seededUniform(3), oversampling: 10, powerIterations: 2 }).S);
  });
  it('dropNegligible keeps the σ above the threshold; the threshold sits above fp32 rounding noise', () => {
    const res = svd(fromRows([[3, 0], [0, 1e-9]]));
    expect(dropNegligible(res, 1e-6).S).toEqual(Float64Array.of(3));
    // A rank-2 matrix rounded to fp32: its noise singular values fall under the floor, its signal above.
    const a = scaledProductNT(
      householderQr(gaussianMatrix(40, 2, seededUniform(5))).Q,
      [2, 1],
      householderQr(gaussianMatrix(30, 2, seededUniform(6))).Q,
    );
    const stored = matrixView(40, 30, Float32Array.from(a.data));
    const tol = negligibleThreshold(40, 30, [vectorNorm(stored.data)]);
    const kept = dropNegligible(svd(stored), tol);
    expect(kept.S.length).toBe(2);
  });
  it('orthogonalStack: polar factors of the stacked vectors; one part is returned as is', () => {
    const a = svd(gaussianMatrix(12, 6, seededUniform(7)), 3);
    const b = svd(gaussianMatrix(12, 6, seededUniform(8)), 3);
    expect(orthogonalStack([a], 12, 6)).toBe(a);
    const both = orthogonalStack([a, b], 12, 6);
    expect(both.U.cols).toBe(6);
    expect(orthonormalityError(both.U)).toBeLessThan(1e-13);
    expect(orthonormalityError(both.V)).toBeLessThan(1e-13);
    expect([...both.S]).toEqual([...a.S, ...b.S]);
    expect(orthogonalStack([], 12, 6).S.length).toBe(0);
  });
  it('isotropic: every σ becomes the mean; projectOutColumnSpace removes a subspace', () => {
    const res = svd(fromRows([[3, 0], [0, 1]]));
    expect([...isotropic(res).S]).toEqual([2, 2]);
    const u = fromRows([[1], [0], [0]]);
    expect(toRows(projectOutColumnSpace(fromRows([[1, 2], [3, 4], [5, 6]]), u))).toEqual([[0, 0], [3, 4], [5, 6]]);
    expect(toRows(rebuild(isotropic(res), 2, 2))).toEqual([[2, 0], [0, 2]]);
  });
});
