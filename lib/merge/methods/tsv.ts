/**
 * tsv (TSV-M, Gargiulo et al. 2025, "Task Singular Vectors: Reducing Task Interference in
 * Model Merging", https://arxiv.org/abs/2412.00081):
 *   every 2-D tensor (m×n), T experts, Δᵢ = xᵢ − base, r = round(rank·min(m, n)):
 *     per task keep s = max(1, floor(r/T)) triplets:  Δᵢ ≈ Uᵢ·diag(σᵢ)·Vᵢᵀ;
 *     U = polar([U₁ … U_T]),  V = polar([V₁ … V_T])   (decorrelate the tasks' singular
 *         vectors: the nearest matrices with orthonormal columns, U·Vᵀ of their SVDs);
 *     result = base + α·U·diag([σ₁ … σ_T])·Vᵀ
 *   every other tensor (norms): result = base + α·mean(Δᵢ).
 * One task at full rank gives back its task vector (its U and V are orthonormal already).
 *
 * As in the reference code (github.com/AntoAndGar/task_singular_vectors) α scales the whole
 * merged task vector, 1-D tensors included. Its default is 1, the merged task vector as
 * the method builds it, unscaled (the reference exposes the scaling coefficient; we keep
 * it for tuning). Every 2-D tensor is merged this way, embeddings and lm_head included.
 *
 * SVDs: each task's top s triplets come from `topTriplets`: the randomized SVD (seeded
 * from the tensor's rng, oversampling max(10, s/2), 2 subspace iterations) while s is a
 * small part of min(m, n) — with T ≥ 2 tasks and r = min(m, n) that is the usual case —
 * else the exact SVD (one task, or few tasks on small matrices). The polar factors are
 * exact SVDs of m×(T·s) and n×(T·s) matrices: QR plus a (T·s)² Jacobi, seconds at 512, so
 * `rank` below 1 keeps large matrices fast.
 *
 * Where the paper leaves room: when r is not a multiple of T the reference leaves the
 * r − T·floor(r/T) remaining slots zero, which changes nothing, so they are simply not
 * stacked; with more tasks than r each task still keeps one direction (the reference would
 * keep none and return the base), and the stacked U, V (more columns than rows) then get
 * orthonormal rows. Triplets below the rounding noise of the fp32 inputs
 * (`negligibleThreshold`, as in Iso-C) are dropped before stacking: their vectors are set
 * by rounding and would bend the polar factors of the others.
 */
import type { SvdResult } from '@/lib/linalg/svd';
import { dropNegligible, keptRank, negligibleThreshold, orthogonalStack, rebuild, topTriplets } from '@/lib/linalg/subspaces';
import { differenceMatrix, vectorNorm } from '@/lib/linalg/taskMatrices';
import { numberParam, type MethodInput } from '../method';
import { defineSubspaceMethod, rankParameter } from './subspaceMethod';

function tsvTaskMatrix(input: MethodInput, experts: readonly Float32Array[], base: Float32Array, rows: number, cols: number): Float64Array {
  const r = keptRank(numberParam(input.params, 'rank'), rows, cols);
  const perTask = Math.max(1, Math.floor(r / experts.length));
  const baseNorm = vectorNorm(base);
  const parts: SvdResult[] = experts.map((x) => {
    const tol = negligibleThreshold(rows, cols, [vectorNorm(x), baseNorm]);
    return dropNegligible(topTriplets(differenceMatrix(x, base, rows, cols), perTask, input.rng), tol);
  });
  return rebuild(orthogonalStack(parts, rows, cols), rows, cols).data;
}

export const tsvMethod = defineSubspaceMethod({
  name: 'tsv',
  label: 'TSV-M',
  description: 'Keeps each task’s top singular directions, decorrelates them across tasks, and adds the result to the base.',
  referenceUrl: 'https://arxiv.org/abs/2412.00081',
  parameters: [
    {
      name: 'alpha',
      kind: 'number',
      required: false,
      default: 1,
      description: 'Scales the merged task vector before it is added to the base (1: as built).',
      range: [0, 2],
    },
    rankParameter('Fraction of each matrix’s min(rows, cols) directions shared out among the tasks (r/T each).'),
  ],
  taskMatrix: tsvTaskMatrix,
});
