import type { ModelArchitecture } from '@/lib/arch';
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import { inMemorySource, mergeRecipe, type ModelSource } from '@/lib/merge/executor';
import type { Recipe } from '@/lib/recipe/schema';
import type { NamedTensors } from '@/lib/tensors/tensor';

/** A model the engine holds in memory. */
export interface ZooModel {
  id: string;
  config: LlamaConfig;
  architecture: ModelArchitecture;
  tensors: NamedTensors;
}

export interface MergedStage {
  tensors: NamedTensors;
  /** Decoder layers of the merged model (layer stacking can change it). */
  layerCount: number;
}

/** Ids of the models outside the recipe that a recipe reads (zoo models, by id). */
export function externalModels(recipe: Recipe): string[] {
  const stageNames = new Set(recipe.stages.map((s) => s.name));
  const ids = new Set<string>();
  for (const stage of recipe.stages) {
    const refs = [stage.base_model, ...(stage.models ?? []).map((m) => m.model), ...(stage.slices ?? []).flatMap((s) => s.sources.map((x) => x.model))];
    for (const ref of refs) if (ref !== undefined && !stageNames.has(ref)) ids.add(ref);
  }
  return [...ids];
}

/** Merges one stage of a recipe (and the stages it needs) from models loaded by `load`. */
export async function mergeRecipeStage(
  recipe: Recipe,
  stage: string,
  load: (id: string) => Promise<ZooModel>,
  signal?: AbortSignal,
): Promise<MergedStage> {
  const catalog = new Map<string, ModelSource>();
  for (const id of externalModels(recipe)) {
    const model = await load(id);
    catalog.set(id, inMemorySource(model.tensors, model.architecture.tensorInfo, model.architecture.layerCount));
  }
  const { plan, tensors } = await mergeRecipe({ ...recipe, output: stage }, catalog, signal ? { signal } : {});
  const planned = plan.stages.find((s) => s.name === stage);
  if (!planned) throw new Error(`the recipe has no stage "${stage}"`);
  return { tensors, layerCount: planned.layerCount };
}
