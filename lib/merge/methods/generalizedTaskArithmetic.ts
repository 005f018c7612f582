/**
 * mergekit's `GeneralizedTaskArithmeticMerge` (merge_methods/generalized_task_arithmetic.py):
 * the one algorithm behind ties, dare_ties, dare_linear, breadcrumbs, breadcrumbs_ties,
 * della and della_linear, which differ in how they prune task vectors and whether they
 * elect signs. Per output tensor:
 *
 *   1. task vectors δᵢ = xᵢ − base for every input but the base (mergekit's
 *      `get_task_vectors`; with no other input the result is the base);
 *   2. each δᵢ pruned by the method's sparsification with its own density (and gamma or
 *      epsilon), rescaled to its L1 norm when `rescale` (lib/merge/methods/sparsify.ts);
 *   3. mixed with weights, sign consensus when the method has it, normalize, λ
 *      (lib/merge/methods/consensus.ts).
 *
 * Parameters, as mergekit declares them: global `int8_mask` (false), `normalize` and
 * `rescale` (defaults per method), `lambda` (1); per model `weight` (required), `density`
 * (1), and `gamma` (0.01) for magnitude_outliers or `epsilon` (0.15) for della_magprune.
 */
import { booleanParam, defineMergeMethod, numberParam, type MergeMethodDefinition, type MethodTensorCheck, type ParameterDef } from '../method';
import { mixTaskVectors, type TaskVectorTerm } from './consensus';
import { bernoulliDelta, dellaMagprune, magnitudeCut, magnitudeOutliersPrune } from './sparsify';

/** mergekit's `SparsificationMethod`, those the GTA methods use. */
export type Sparsification = 'magnitude' | 'random' | 'magnitude_outliers' | 'della_magprune';

export interface GeneralizedTaskArithmeticConfig {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly referenceUrl: string;
  /** TIES sign election ('sum'), or none. */
  readonly consensus: boolean;
  readonly sparsification: Sparsification;
  readonly defaultNormalize: boolean;
  readonly defaultRescale: boolean;
}

const DENSITY_DESCRIPTIONS: Record<Sparsification, string> = {
  magnitude: 'Fraction of this model’s task-vector entries kept: the largest in magnitude (1 keeps all).',
  random: 'Probability of keeping each entry of this model’s task vector; the rest are dropped at random (1 keeps all).',
  magnitude_outliers: 'Fraction of this model’s task-vector entries kept after dropping the largest (gamma) and then the smallest (1 keeps all).',
  della_magprune: 'Average keep probability of this model’s task-vector entries; larger magnitudes are kept more often (1 keeps all).',
};

function globalParameters(config: GeneralizedTaskArithmeticConfig): ParameterDef[] {
  return [
    {
      name: 'int8_mask',
      kind: 'boolean',
      required: false,
      default: false,
      description: 'Hold the sign-election mask as int8 to save memory in mergekit; the merged weights are the same.',
    },
    {
      name: 'normalize',
      kind: 'boolean',
      required: false,
      default: config.defaultNormalize,
      description: config.consensus
        ? 'Divide each merged entry by the summed weights of the models that agree with its elected sign.'
        : 'Divide the summed task vectors by the sum of the weights.',
    },
    {
      name: 'rescale',
      kind: 'boolean',
      required: false,
      default: config.defaultRescale,
      description: 'Scale each pruned task vector back to its original L1 norm (≈ 1/density for random dropping).',
    },
    {
      name: 'lambda',
      kind: 'number',
      required: false,
      default: 1,
      description: 'Scales the merged task vector before it is added to the base.',
      range: [0, 2],
    },
  ];
}

function tensorParameters(config: GeneralizedTaskArithmeticConfig): ParameterDef[] {
  const params: ParameterDef[] = [
    {
      name: 'weight',
      kind: 'number',
      required: true,
      description: 'How much of this model’s task vector enters the merge.',
      range: [-1, 2],
    },
    {
      name: 'density',
      kind: 'number',
      required: false,
      default: 1,
      description: DENSITY_DESCRIPTIONS[config.sparsification],
      range: [0, 1],
    },
  ];
  if (config.sparsification === 'magnitude_outliers') {
    params.push({
      name: 'gamma',
      kind: 'number',
      required: false,
      default: 0.01,
      description: 'Fraction of this model’s largest-magnitude task-vector entries dropped as outliers.',
      range: [0, 0.2],
    });
  }
  if (config.sparsification === 'della_magprune') {
    params.push({
      name: 'epsilon',
      kind: 'number',
      required: false,
      default: 0.15,
      description: 'Spread of keep probabilities: density − epsilon for a row’s smallest magnitude, density + epsilon for its largest.',
      range: [0, 0.5],
    });
  }
  return params;
}

/** Plan-time checks of what mergekit would fail on, per non-base model. */
function checkDensities(sparsification: Sparsification, tensor: MethodTensorCheck): string | undefined {
  for (const input of tensor.inputs) {
    if (input.isBase) continue;
    const density = numberParam(input.params, 'density');
    if (density >= 1) continue;
    if (sparsification === 'magnitude' && density <= 0) {
      return `density ${density} for "${input.model}" would prune the whole task vector, which mergekit refuses; use a density above 0`;
    }
    if (sparsification === 'random' && density < 0) {
      return `density ${density} for "${input.model}" is not a keep probability; use 0 to 1`;
    }
    if (sparsification === 'della_magprune' && density > 0) {
      const epsilon = numberParam(input.params, 'epsilon');
      if (density - epsilon <= 0 || density + epsilon >= 1) {
        return `density ${density} ± epsilon ${epsilon} for "${input.model}" leaves (0, 1); mergekit requires 0 < density − epsilon and density + epsilon < 1`;
      }
    }
  }
  return undefined;
}

/** δ = x − base in fp32, as mergekit's `get_task_vectors`. */
function taskVector(x: Float32Array, base: Float32Array): Float32Array {
  const delta = new Float32Array(base.length);
  for (let j = 0; j < delta.length; j++) delta[j] = x[j]! - base[j]!;
  return delta;
}

export function defineGeneralizedTaskArithmetic(config: GeneralizedTaskArithmeticConfig): MergeMethodDefinition {
  const { sparsification } = config;
  return defineMergeMethod({
    name: config.name,
    label: config.label,
    description: config.description,
    referenceUrl: config.referenceUrl,
    inMergekit: true,
    parameters: globalParameters(config),
    tensorParameters: tensorParameters(config),
    baseModel: 'required',
    inputs: { min: 1 },
    checkTensor: (tensor) => checkDensities(sparsification, tensor),
    merge({ inputs, base, params, shape, rng }) {
      if (!base) throw new Error(`${config.name} needs a base model`);
      const b = base.data;
      const others = inputs.filter((i) => !i.isBase);
      if (others.length === 0) return b.slice();
      const rescale = booleanParam(params, 'rescale');
      const terms = others.map((input): TaskVectorTerm => {
        const x = input.data;
        const weight = numberParam(input.params, 'weight');
        const density = numberParam(input.params, 'density');
        switch (sparsification) {
          case 'magnitude': {
            // δ is never materialized: the cut is applied while mixing.
            const cut = magnitudeCut(x, b, density, rescale);
            return { values: x, isDelta: false, weight, scale: cut.scale, cut };
          }
          case 'random': {
            const { delta, scale } = bernoulliDelta(x, b, density, rescale, rng);
            return { values: delta, isDelta: true, weight, scale, cut: null };
          }
          case 'magnitude_outliers': {
            const delta = taskVector(x, b);
            const scale = magnitudeOutliersPrune(delta, density, numberParam(input.params, 'gamma'), rescale);
            return { values: delta, isDelta: true, weight, scale, cut: null };
          }
          case 'della_magprune': {
            const delta = taskVector(x, b);
            const scale = dellaMagprune(delta, shape, density, numberParam(input.params, 'epsilon'), rescale, rng);
            return { values: delta, isDelta: true, weight, scale, cut: null };
          }
        }
      });
      return mixTaskVectors({
        base: b,
        terms,
        consensus: config.consensus,
        normalize: booleanParam(params, 'normalize'),
        lambda: numberParam(params, 'lambda'),
      });
    },
  });
}
