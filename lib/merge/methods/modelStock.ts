/**
 * model_stock (mergekit `ModelStockMerge`, mergekit/merge_methods/model_stock.py; Model
 * Stock, https://arxiv.org/abs/2403.19522): moves from the base towards the average of
 * N ≥ 2 fine-tuned models by a ratio set by how aligned their task vectors are.
 *
 * As mergekit computes it, with w₀ the base and w₁…w_N the fine-tuned models:
 *   δᵢ = wᵢ − w₀ (on the flattened tensors; with `filter_wise`, per row: per line along
 *   the last dimension, a 1-D tensor being one row);
 *   cos θ = mean over pairs i < j of clamp(δᵢ·δⱼ / max(‖δᵢ‖‖δⱼ‖, 1e-6), −1, 1);
 *   t = N·cos θ / (1 + (N − 1)·cos θ);
 *   result = t·(Σ wᵢ / N) + (1 − t)·w₀.
 * Identical task vectors give cos θ = 1, t = 1: the average itself; task vectors that are
 * all zero give cos θ = 0, t = 0: the base. mergekit does not guard 1 + (N − 1)·cos θ = 0
 * (perfectly opposed task vectors): the result is then ±∞/NaN there as well.
 *
 * Inputs: base_model required (the paper's pre-trained anchor), and at least two more
 * models: mergekit raises "ModelStockMerge requires at least 3 models (base plus two+
 * others)" when a tensor has fewer than three inputs (it passes a lone base through and
 * skips a missing optional weight; the studio needs three for every tensor). Per-model
 * parameters: none. Global: `filter_wise` (default false).
 */
import { booleanParam, defineMergeMethod } from '../method';
import { axisLines, clamp, dot, flatLine, norm, type Line } from './vectorOps';

const NORM_PRODUCT_MIN = 1e-6;

/** The interpolation ratio t of model stock for N models at an average cosine cos θ. */
export function modelStockRatio(count: number, cos: number): number {
  return (count * cos) / (1 + (count - 1) * cos);
}

/** mergekit's `ModelStockMergeTask.execute` on a row-major tensor of `shape`. */
export function modelStock(base: Float32Array, models: readonly Float32Array[], shape: readonly number[], filterWise: boolean): Float32Array {
  const count = models.length;
  if (count < 2) throw new Error(`model_stock needs at least two models besides the base (got ${count})`);
  const offsets = models.map((w) => {
    const d = new Float32Array(base.length);
    for (let j = 0; j < d.length; j++) d[j] = w[j]! - base[j]!;
    return d;
  });
  const lines: Line[] = filterWise ? axisLines(shape, -1) : [flatLine(base.length)];
  const out = new Float32Array(base.length);
  for (const line of lines) {
    const norms = offsets.map((d) => norm(d, line));
    let cosSum = 0;
    let pairs = 0;
    for (let i = 0; i < count; i++) {
      for (let j = i + 1; j < count; j++) {
        cosSum += clamp(dot(offsets[i]!, offsets[j]!, line) / Math.max(norms[i]! * norms[j]!, NORM_PRODUCT_MIN), -1, 1);
        pairs++;
      }
    }
    const cos = cosSum / pairs;
    const t = modelStockRatio(count, cos);
    for (let k = 0, j = line.start; k < line.length; k++, j += line.stride) {
      let avg = 0;
      for (const w of models) avg += w[j]!;
      out[j] = t * (avg / count) + (1 - t) * base[j]!;
    }
  }
  return out;
}

export const modelStockMethod = defineMergeMethod({
  name: 'model_stock',
  label: 'Model Stock',
  description: 'Moves from the base towards the models’ average by a ratio set by how aligned their task vectors are.',
  referenceUrl: 'https://arxiv.org/abs/2403.19522',
  inMergekit: true,
  parameters: [
    {
      name: 'filter_wise',
      kind: 'boolean',
      required: false,
      default: false,
      description: 'Compute the angle and ratio per row of each weight instead of per whole tensor.',
    },
  ],
  tensorParameters: [],
  baseModel: 'required',
  inputs: { min: 3 },
  checkTensor({ inputs }) {
    const others = inputs.filter((i) => !i.isBase).length;
    return others < 2 ? `needs the base plus at least two fine-tuned models; got ${others} besides the base` : undefined;
  },
  merge({ inputs, base, params, shape }) {
    if (!base) throw new Error('model_stock needs a base model');
    const models = inputs.filter((i) => !i.isBase).map((i) => i.data);
    return modelStock(base.data, models, shape, booleanParam(params, 'filter_wise'));
  },
});
