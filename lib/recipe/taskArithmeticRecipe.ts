import type { Recipe } from './schema';

/** A one-stage task-arithmetic recipe: each expert at weight 1 on `base`, as the canvas writes it. */
export function taskArithmeticRecipe(experts: readonly string[], options: { base?: string; stage?: string; lambda?: number } = {}): Recipe {
  const stage = options.stage ?? 'merge-1';
  return {
    version: 1,
    stages: [
      {
        name: stage,
        merge_method: 'task_arithmetic',
        base_model: options.base ?? 'zoo-base',
        models: experts.map((model) => ({ model, parameters: { weight: 1 } })),
        ...(options.lambda !== undefined ? { parameters: { lambda: options.lambda } } : {}),
      },
    ],
    output: stage,
  };
}
