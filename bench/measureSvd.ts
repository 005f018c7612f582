/**
 * Timings and errors of the SVDs (a measurement, not a test: tests never assert on time).
 *   npx tsx bench/measureSvd.ts          # the table quoted in svd.ts
 *   npx tsx bench/measureSvd.ts --1024   # also an exact 1024² SVD (tens of seconds)
 *
 * Test matrices have a known SVD: A = U·diag(σ)·Vᵀ with U, V the Q factors of seeded
 * Gaussian matrices, so errors are measured against the true singular values and the
 * optimal rank-r error ‖A − A_r‖_F = √(Σ_{i>r} σᵢ²) (Eckart–Young).
 */
import { frobeniusDistance, orthonormalityError, scaledProductNT, type Matrix } from '@/lib/linalg/matrix';
import { householderQr } from '@/lib/linalg/qr';
import { gaussianMatrix, seededUniform } from '@/lib/linalg/random';
import { randomizedSvd, reconstruct, svd, type RandomizedSvdOptions } from '@/lib/linalg/svd';

function randomOrthonormal(rows: number, cols: number, seed: number): Matrix {
  return householderQr(gaussianMatrix(rows, cols, seededUniform(seed))).Q;
}

/** A with singular values `sigma` (length k ≤ min(m, n)) and random singular vectors. */
function withSpectrum(m: number, n: number, sigma: Float64Array, seed: number): Matrix {
  const k = sigma.length;
  return scaledProductNT(randomOrthonormal(m, k, seed), sigma, randomOrthonormal(n, k, seed + 1));
}

function time<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

function optimalError(sigma: Float64Array, r: number): number {
  let s = 0;
  for (let i = r; i < sigma.length; i++) s += sigma[i]! * sigma[i]!;
  return Math.sqrt(s);
}

function report(label: string, a: Matrix, sigma: Float64Array, r: number, options: RandomizedSvdOptions): void {
  const { value: res, ms } = time(() => randomizedSvd(a, r, options));
  let worst = 0;
  let worstHalf = 0;
  for (let i = 0; i < r; i++) {
    const e = Math.abs(res.S[i]! - sigma[i]!) / sigma[i]!;
    worst = Math.max(worst, e);
    if (i < r / 2) worstHalf = Math.max(worstHalf, e);
  }
  const err = frobeniusDistance(reconstruct(res), a);
  const opt = optimalError(sigma, r);
  console.log(
    `${label.padEnd(44)} r=${String(r).padStart(3)} q=${options.powerIterations ?? 2} p=${options.oversampling ?? 10}: ` +
      `${(ms / 1000).toFixed(2).padStart(6)} s, max rel σ err ${worst.toExponential(1)} (top r/2: ${worstHalf.toExponential(1)}), ` +
      `‖A−UΣVᵀ‖/optimal ${(err / opt).toFixed(4)}, UᵀU−I ${orthonormalityError(res.U).toExponential(0)}`,
  );
}

const spectra = {
  'σᵢ = 1/(i+1)': (i: number) => 1 / (i + 1),
  'σᵢ = 0.97^i': (i: number) => 0.97 ** i,
  'σᵢ = 1/√(i+1)': (i: number) => 1 / Math.sqrt(i + 1),
};

console.log('— exact SVD (QR + one-sided Jacobi) against the known spectrum');
for (const size of [128, 256, 512, ...(process.argv.includes('--1024') ? [1024] : [])]) {
  const sigma = Float64Array.from({ length: size }, (_, i) => 1 / (i + 1));
  const a = withSpectrum(size, size, sigma, 7);
  const { value: res, ms } = time(() => svd(a));
  let worst = 0;
  for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(res.S[i]! - sigma[i]!) / sigma[i]!);
  console.log(
    `${size}×${size} full rank, σᵢ = 1/(i+1): ${(ms / 1000).toFixed(2)} s, max rel σ err ${worst.toExponential(1)}, ` +
      `‖A−UΣVᵀ‖/‖A‖ ${(frobeniusDistance(reconstruct(res), a) / Math.sqrt(sigma.reduce((s, x) => s + x * x, 0))).toExponential(1)}, ` +
      `UᵀU−I ${orthonormalityError(res.U).toExponential(0)}, VᵀV−I ${orthonormalityError(res.V).toExponential(0)}`,
  );
}

console.log('— randomized top-r, 256×256 full rank');
for (const [name, f] of Object.entries(spectra)) {
  const sigma = Float64Array.from({ length: 256 }, (_, i) => f(i));
  const a = withSpectrum(256, 256, sigma, 11);
  for (const r of [16, 64]) {
    for (const q of [0, 1, 2]) report(`256×256 ${name}`, a, sigma, r, { powerIterations: q, seed: 1 });
    report(`256×256 ${name}`, a, sigma, r, { powerIterations: 2, oversampling: r, seed: 1 });
  }
}

console.log('— randomized top-256 of 2048×2048 (known spectrum on 1024 directions)');
{
  const sigma = Float64Array.from({ length: 1024 }, (_, i) => 1 / Math.sqrt(i + 1));
  const { value: a, ms } = time(() => withSpectrum(2048, 2048, sigma, 13));
  console.log(`(building the test matrix: ${(ms / 1000).toFixed(1)} s)`);
  for (const q of [1, 2]) report('2048×2048 σᵢ = 1/√(i+1)', a, sigma, 256, { powerIterations: q, seed: 1 });
  report('2048×2048 σᵢ = 1/√(i+1)', a, sigma, 256, { powerIterations: 2, oversampling: 64, seed: 1 });
}
{
  // A dense Gaussian matrix (flat-ish spectrum: the hard case for sketching); no reference.
  const g = gaussianMatrix(2048, 2048, seededUniform(5));
  const { ms } = time(() => randomizedSvd(g, 256, { seed: 1 }));
  console.log(`2048×2048 Gaussian, top-256, q=2 p=10: ${(ms / 1000).toFixed(2)} s`);
}
