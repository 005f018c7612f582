import type { MergePlan } from '@/lib/merge/planner';
import type { Recipe } from '@/lib/recipe/schema';

/** A model card for a merged model that embeds its recipe, as mergekit's card does. */
export function modelCard(recipe: Recipe, plan: MergePlan): string {
  const stage = plan.stages.find((s) => s.name === plan.output);
  const sources = [...new Set(plan.stages.flatMap((s) => s.inputs))].filter((m) => !plan.stages.some((s) => s.name === m));
  const baseModel = stage?.baseModel ? `base_model: ${stage.baseModel}\n` : '';
  return `---
${baseModel}library_name: transformers
tags: [merge, merge-studio]
---
# ${recipe.name ?? plan.output}

This model was merged with Merge Studio from these models:

${sources.map((s) => `- ${s}`).join('\n')}

Method: \`${stage?.method ?? 'unknown'}\`${stage?.baseModel ? ` with base \`${stage.baseModel}\`` : ''}, ${stage?.layerCount ?? '?'} layers.

## Recipe

The studio recipe (open it in Merge Studio, or export it as mergekit YAML there):

\`\`\`json
${JSON.stringify(recipe, null, 2)}
\`\`\`
`;
}
