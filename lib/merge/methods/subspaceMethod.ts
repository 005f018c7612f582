/**
 * What the subspace methods (TSV-M, Iso-C, Iso-CTS) share: a base, no per-model parameters,
 * `alpha` and `rank` parameters, 1-D tensors averaged, and every 2-D tensor replaced by a
 * task matrix the method builds from the experts' differences to the base.
 */
import { addScaled, meanDifference } from '@/lib/linalg/taskMatrices';
import { defineMergeMethod, numberParam, type MergeMethodDefinition, type MethodInput, type MethodTensorCheck, type ParameterDef } from '../method';

export type TaskMatrixBuilder = (input: MethodInput, experts: readonly Float32Array[], base: Float32Array, rows: number, cols: number) => Float64Array;

export function rankParameter(description: string): ParameterDef {
  return { name: 'rank', kind: 'number', required: false, default: 1, description, range: [0.01, 1] };
}

function rankProblem(params: MethodTensorCheck['params']): string | undefined {
  const rank = params.rank;
  return typeof rank === 'number' && !(rank > 0 && rank <= 1) ? `rank must be in (0, 1], got ${rank}` : undefined;
}

export function defineSubspaceMethod(definition: {
  name: string;
  label: string;
  description: string;
  referenceUrl: string;
  parameters: readonly ParameterDef[];
  checkTensor?: (tensor: MethodTensorCheck) => string | undefined;
  taskMatrix: TaskMatrixBuilder;
}): MergeMethodDefinition {
  const { taskMatrix, checkTensor, ...rest } = definition;
  return defineMergeMethod({
    ...rest,
    inMergekit: false,
    tensorParameters: [],
    baseModel: 'required',
    inputs: { min: 1 },
    checkTensor: (tensor) => rankProblem(tensor.params) ?? checkTensor?.(tensor),
    merge(input) {
      const { inputs, base, shape, params } = input;
      if (!base) throw new Error(`${definition.name} needs a base model`);
      const experts = inputs.filter((i) => !i.isBase).map((i) => i.data);
      if (experts.length === 0) return base.data.slice();
      const alpha = numberParam(params, 'alpha');
      const [rows, cols] = shape;
      if (shape.length !== 2 || rows === undefined || cols === undefined) return addScaled(base.data, meanDifference(experts, base.data), alpha);
      return addScaled(base.data, taskMatrix(input, experts, base.data, rows, cols), alpha);
    },
  });
}
