/**
 * The recipe's own questions, answered once: which stage is the output, what each stage
 * reads, which stages feed which, and which models outside the recipe it needs (mergekit's
 * `MergeConfiguration.referenced_models()`, over every stage of a mergekit-multi file).
 *
 * A stage names a model in its `base_model`, its `models`, its slices' `sources` and its
 * `tokenizer_source`; `stageReferences` (lib/recipe/schema.ts) lists those places with
 * their JSON paths, for messages. A name that is a stage's name reads that stage's output;
 * any other names a model outside the recipe (a zoo id, a folder). `tokenizer_source` only
 * picks a tokenizer: no question here counts it as a model the merge reads.
 */
import { stageReferences, TOKENIZER_SOURCE_KEYWORDS, type Recipe, type RecipeStage } from './schema';

/** The names of the recipe's stages: the references that read a stage's output. */
export function stageNames(recipe: Recipe): ReadonlySet<string> {
  return new Set(recipe.stages.map((s) => s.name));
}

/** The stage whose output is the recipe's result: `output`, or else the last stage. */
export function outputStageName(recipe: Recipe): string {
  return recipe.output ?? recipe.stages[recipe.stages.length - 1]!.name;
}

/** The models a stage merges (its `models`, or its slices' sources), each once, in recipe order. The base is among them only when listed. */
export function stageInputs(stage: RecipeStage): string[] {
  const refs = [...(stage.models ?? []).map((m) => m.model), ...(stage.slices ?? []).flatMap((s) => s.sources.map((x) => x.model))];
  return [...new Set(refs)];
}

/** Everything a stage reads: its inputs, then its base model when it is not one of them. */
export function stageModels(stage: RecipeStage): string[] {
  const inputs = stageInputs(stage);
  return stage.base_model === undefined || inputs.includes(stage.base_model) ? inputs : [...inputs, stage.base_model];
}

/** The base models the recipe's stages name, each once, in recipe order. */
export function baseModels(recipe: Recipe): string[] {
  return [...new Set(recipe.stages.flatMap((s) => (s.base_model === undefined ? [] : [s.base_model])))];
}

/** The stages `stage` is built from (itself included, through earlier stages too), in recipe order. */
export function stagesFeeding(recipe: Recipe, stage: string = outputStageName(recipe)): RecipeStage[] {
  const byName = new Map(recipe.stages.map((s) => [s.name, s]));
  const needed = new Set<string>();
  const visit = (name: string) => {
    const found = byName.get(name);
    if (!found || needed.has(name)) return;
    needed.add(name);
    for (const ref of stageModels(found)) visit(ref);
  };
  visit(stage);
  return recipe.stages.filter((s) => needed.has(s.name));
}

/**
 * The models outside the recipe that it reads, each once, in recipe order (a stage's base
 * model before its inputs, as the recipe writes them). The first is the one whose config
 * and tokenizer a merged model takes.
 */
export function externalModels(recipe: Recipe): string[] {
  const stages = stageNames(recipe);
  const ids = new Set<string>();
  for (const stage of recipe.stages) {
    for (const { ref, kind } of stageReferences(stage)) if (kind !== 'tokenizer' && !stages.has(ref)) ids.add(ref);
  }
  return [...ids];
}

/**
 * Every model a recipe must open: `externalModels`, then the models whose tokenizer a stage
 * takes (a `tokenizer.source` that names a model rather than `base` or `union`).
 */
export function modelsToOpen(recipe: Recipe): string[] {
  const stages = stageNames(recipe);
  const ids = new Set(externalModels(recipe));
  for (const stage of recipe.stages) {
    for (const { ref, kind } of stageReferences(stage)) {
      if (kind === 'tokenizer' && !stages.has(ref) && !(TOKENIZER_SOURCE_KEYWORDS as readonly string[]).includes(ref)) ids.add(ref);
    }
  }
  return [...ids];
}

/** The models outside the recipe that `stage` reads itself (not through earlier stages): its inputs, then its base. */
export function externalModelsOfStage(recipe: Recipe, stage: RecipeStage): string[] {
  const stages = stageNames(recipe);
  return stageModels(stage).filter((ref) => !stages.has(ref));
}

/**
 * The models outside the recipe that `stage` is built from, through earlier stages too:
 * the inputs in recipe order, then the base models.
 */
export function sourceModels(recipe: Recipe, stage: string = outputStageName(recipe)): string[] {
  const stages = stageNames(recipe);
  const inputs: string[] = [];
  const bases: string[] = [];
  for (const feeding of stagesFeeding(recipe, stage)) {
    for (const ref of stageModels(feeding)) {
      if (stages.has(ref)) continue;
      (ref === feeding.base_model ? bases : inputs).push(ref);
    }
  }
  return [...new Set([...inputs.filter((m) => !bases.includes(m)), ...bases])];
}
