/**
 * iso_c (Iso-C, Marczak et al. 2025, "No Task Left Behind: Isotropic Model Merging with
 * Common and Task-Specific Subspaces", https://arxiv.org/abs/2502.04959):
 *   every 2-D tensor (m×n), T experts:
 *     Δ = Σᵢ (xᵢ − base);  Δ ≈ U·diag(σ)·Vᵀ, its top r = round(rank·min(m, n)) triplets;
 *     σ̄ = mean(σ);  result = base + α·σ̄·U·Vᵀ   (a flat, "isotropic" spectrum)
 *   every other tensor (norms): result = base + α·mean(xᵢ − base).
 *
 * As in the reference code (github.com/danielm1405/iso-merging), α scales the whole merged
 * task vector, the averaged 1-D ones included, and every 2-D tensor is merged this way,
 * embeddings and lm_head included (the reference spares only CLIP's text_projection).
 * α defaults to 1; the paper tunes it on validation data (about 1.0–1.5 for ViTs).
 *
 * SVD: with `rank` 1 (the default, r = min(m, n), the paper's setting) every direction is
 * needed and, with a flat spectrum, the tail ones weigh as much as the head: the exact SVD
 * (QR + one-sided Jacobi, lib/linalg/svd.ts): 0.3 s at 256², 1.8 s at 512², 18 s at
 * 1024². A `rank` below 1 keeps the top r directions (the mean is over those)
 * by the randomized SVD seeded from the tensor's rng, exact when r nearly covers min(m, n)
 * (`topTriplets`): the cap that keeps large matrices fast.
 *
 * Where the paper leaves room: singular values below the rounding noise of the fp32 inputs
 * (`negligibleThreshold`: about 2⁻²⁴·(√m + √n)·RMS of the stored weights; a rank-deficient
 * Δ such as a low-rank or LoRA task vector has them by the hundreds) stay zero and stay
 * out of the mean. Their singular vectors are set by rounding, so raising them to σ̄ (what
 * a plain SVD call does) would add arbitrary directions at full strength; for task
 * matrices whose spectrum stays above the noise nothing changes. With the base as the
 * only input the result is the base.
 */
import { dropNegligible, isotropic, keptRank, negligibleThreshold, rebuild, topTriplets } from '@/lib/linalg/subspaces';
import { sumOfDifferences, vectorNorm } from '@/lib/linalg/taskMatrices';
import { numberParam, type MethodInput } from '../method';
import { defineSubspaceMethod, rankParameter } from './subspaceMethod';

/** The merged task matrix σ̄·U·Vᵀ of Σ Δᵢ, its top r directions. */
function isoTaskMatrix(input: MethodInput, experts: readonly Float32Array[], base: Float32Array, rows: number, cols: number): Float64Array {
  const sum = sumOfDifferences(experts, base, rows, cols);
  const r = keptRank(numberParam(input.params, 'rank'), rows, cols);
  const tol = negligibleThreshold(rows, cols, [...experts.map(vectorNorm), experts.length * vectorNorm(base)]);
  const kept = dropNegligible(topTriplets(sum, r, input.rng), tol);
  return rebuild(isotropic(kept), rows, cols).data;
}

export const isoCMethod = defineSubspaceMethod({
  name: 'iso_c',
  label: 'Iso-C',
  description: 'Sums the task matrices, then flattens their singular value spectrum so every direction counts equally.',
  referenceUrl: 'https://arxiv.org/abs/2502.04959',
  parameters: [
    {
      name: 'alpha',
      kind: 'number',
      required: false,
      default: 1,
      description: 'Scales the merged task vector before it is added to the base (paper: tuned, about 1–1.5).',
      range: [0, 3],
    },
    rankParameter('Fraction of each matrix’s min(rows, cols) singular directions kept; below 1 is faster on large matrices.'),
  ],
  taskMatrix: isoTaskMatrix,
});
