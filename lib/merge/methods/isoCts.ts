/**
 * iso_cts (Iso-CTS, Marczak et al. 2025, "No Task Left Behind: Isotropic Model Merging
 * with Common and Task-Specific Subspaces", https://arxiv.org/abs/2502.04959):
 *   every 2-D tensor (m×n), T experts, Δᵢ = xᵢ − base, r = round(rank·min(m, n)):
 *     split r into a common part k and T task-specific parts of s directions each:
 *       k₀ = floor(common_fraction·r);  k = r − T·round((r − k₀)/T);  s = (r − k)/T
 *     common subspace:  Σ Δᵢ ≈ U_c·diag(σ_c)·V_cᵀ, its top k triplets;
 *     task-specific:    Rᵢ = Δᵢ − U_c·U_cᵀ·Δᵢ (Δᵢ without the common left subspace),
 *                       Rᵢ ≈ Uᵢ·diag(σᵢ)·Vᵢᵀ, its top s triplets;
 *     U = polar([U_c U₁ … U_T]),  V = polar([V_c V₁ … V_T])   (nearest orthonormal bases),
 *     σ̄ = mean([σ_c σ₁ … σ_T])   (the spectrum of all the combined directions);
 *     result = base + α·σ̄·U·Vᵀ
 *   every other tensor (norms): result = base + α·mean(Δᵢ).
 * With common_fraction 1 (k = r, s = 0) this is Iso-C exactly.
 *
 * The split follows the reference code (github.com/danielm1405/iso-merging) to the
 * letter, Python's round-half-even included (r = 128, f = 0.8, T = 4: k₀ = 102,
 * (128 − 102)/4 = 6.5 → 6, so k = 104, s = 6); where that rounding would ask for more
 * task-specific directions than r holds (small k₀), it takes T·floor(r/T). α scales the
 * whole merged task vector, 1-D tensors included, as in the reference; default 1 (the
 * paper tunes α on validation data), common_fraction defaults to the paper's 0.8.
 *
 * SVDs (`topTriplets`): the common subspace and each task's top s directions come from
 * the randomized SVD (seeded from the tensor's rng, oversampling max(10, k/2), 2 subspace
 * iterations) when they are a small part of min(m, n), else from the exact SVD (with the
 * default 0.8 of full rank, the common space is exact). `rank` below 1 caps r for large
 * matrices. The polar factors are exact SVDs of m×r and n×r matrices (an r×r Jacobi).
 *
 * Where the paper leaves room: triplets whose singular value is below the rounding noise
 * of the fp32 inputs (`negligibleThreshold`, as in Iso-C) are dropped before stacking:
 * their vectors are set by rounding and would bend the polar factors of the others; they
 * stay out of the mean. A task lying wholly in the common subspace thus adds no directions.
 */
import type { SvdResult } from '@/lib/linalg/svd';
import {
  dropNegligible,
  isotropic,
  keptRank,
  negligibleThreshold,
  orthogonalStack,
  projectOutColumnSpace,
  rebuild,
  topTriplets,
} from '@/lib/linalg/subspaces';
import { differenceMatrix, sumOfDifferences, vectorNorm } from '@/lib/linalg/taskMatrices';
import { numberParam, type MethodInput } from '../method';
import { defineSubspaceMethod, rankParameter } from './subspaceMethod';

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Common directions k and task-specific directions per task s, with k + T·s = r. */
export function isoCtsSplit(r: number, commonFraction: number, tasks: number): { common: number; perTask: number } {
  const k0 = Math.floor(r * commonFraction);
  const specific = Math.min(tasks * roundHalfEven((r - k0) / tasks), tasks * Math.floor(r / tasks));
  return { common: r - specific, perTask: specific / tasks };
}

function isoCtsTaskMatrix(input: MethodInput, experts: readonly Float32Array[], base: Float32Array, rows: number, cols: number): Float64Array {
  const r = keptRank(numberParam(input.params, 'rank'), rows, cols);
  const { common, perTask } = isoCtsSplit(r, numberParam(input.params, 'common_fraction'), experts.length);
  const sum = sumOfDifferences(experts, base, rows, cols);
  const baseNorm = vectorNorm(base);
  const sumTol = negligibleThreshold(rows, cols, [...experts.map(vectorNorm), experts.length * baseNorm]);
  const commonPart = common > 0 ? dropNegligible(topTriplets(sum, common, input.rng), sumTol) : null;
  const parts: SvdResult[] = commonPart ? [commonPart] : [];
  if (perTask > 0) {
    for (const x of experts) {
      const delta = differenceMatrix(x, base, rows, cols);
      const residual = commonPart ? projectOutColumnSpace(delta, commonPart.U) : delta;
      const tol = negligibleThreshold(rows, cols, [vectorNorm(x), baseNorm]);
      parts.push(dropNegligible(topTriplets(residual, perTask, input.rng), tol));
    }
  }
  return rebuild(isotropic(orthogonalStack(parts, rows, cols)), rows, cols).data;
}

export const isoCtsMethod = defineSubspaceMethod({
  name: 'iso_cts',
  label: 'Iso-CTS',
  description: 'Iso-C on a common subspace plus each task’s own top directions outside it, orthogonalized, with a flat spectrum.',
  referenceUrl: 'https://arxiv.org/abs/2502.04959',
  parameters: [
    {
      name: 'alpha',
      kind: 'number',
      required: false,
      default: 1,
      description: 'Scales the merged task vector before it is added to the base (paper: tuned on validation data).',
      range: [0, 3],
    },
    {
      name: 'common_fraction',
      kind: 'number',
      required: false,
      default: 0.8,
      description: 'Share of the kept directions taken from the summed task matrices; the rest is split among the tasks.',
      range: [0, 1],
    },
    rankParameter('Fraction of each matrix’s min(rows, cols) singular directions kept; below 1 is faster on large matrices.'),
  ],
  checkTensor: ({ params }) => {
    const fraction = params.common_fraction;
    return typeof fraction === 'number' && !(fraction >= 0 && fraction <= 1) ? `common_fraction must be in [0, 1], got ${fraction}` : undefined;
  },
  taskMatrix: isoCtsTaskMatrix,
});
