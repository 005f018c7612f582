import type { MergePlan } from '@/lib/merge/planner';
import { defaultRegistry } from '@/lib/merge/registry';
import type { Recipe } from '@/lib/recipe/schema';
import { mergekitYamlFromRecipe } from '@/lib/recipe/yaml';

/** A fenced code block whose fence is longer than any run of backticks inside. */
function codeBlock(language: string, body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${body.trimEnd()}\n${fence}`;
}

/**
 * A model card for a merged model that embeds its recipe, as mergekit's card does: a
 * `## Configuration` section with the recipe as mergekit YAML. When mergekit cannot
 * express all of it, the card lists what and why, and adds the studio's JSON recipe.
 */
export function modelCard(recipe: Recipe, plan: MergePlan): string {
  const stage = plan.stages.find((s) => s.name === plan.output);
  const sources = [...new Set(plan.stages.flatMap((s) => s.inputs))].filter((m) => !plan.stages.some((s) => s.name === m));
  const baseModel = stage?.baseModel ? `base_model: ${stage.baseModel}\n` : '';
  const { yaml, unsupported } = mergekitYamlFromRecipe(recipe, { registry: defaultRegistry });
  const tool = recipe.stages.length > 1 ? 'mergekit-multi' : 'mergekit-yaml';
  const lossy =
    unsupported.length === 0
      ? ''
      : `
### Not expressible in mergekit

mergekit will not reproduce this model from the configuration above:

${unsupported.map((u) => `- ${u.stage !== null ? `stage \`${u.stage}\`, ` : ''}\`${u.path}\`: ${u.reason}`).join('\n')}

The complete Merge Studio recipe:

${codeBlock('json', JSON.stringify(recipe, null, 2))}
`;
  return `---
${baseModel}library_name: transformers
tags: [merge, merge-studio]
---
# ${recipe.name ?? plan.output}

This model was merged with Merge Studio from these models:

${sources.map((s) => `- ${s}`).join('\n')}

Method: \`${stage?.method ?? 'unknown'}\`${stage?.baseModel ? ` with base \`${stage.baseModel}\`` : ''}, ${stage?.layerCount ?? '?'} layers.

## Configuration

The recipe as a mergekit configuration (\`${tool}\`; Merge Studio opens it too):

${codeBlock('yaml', yaml)}
${lossy}`;
}
