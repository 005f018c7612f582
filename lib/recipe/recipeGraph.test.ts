import { describe, expect, it } from 'vitest';
import {
  baseModels,
  externalModels,
  externalModelsOfStage,
  outputStageName,
  sourceModels,
  stageInputs,
  stageModels,
  stageNames,
  stagesFeeding,
} from './recipeGraph';
import type { Recipe, RecipeStage } from './schema';

// Three stages: two experts merged, stacked on a base slice; a stray stage that feeds nothing;
// the tokenizer taken from a model no stage merges.
const recipe: Recipe = {
  version: 1,
  stages: [
    { name: 'pair', merge_method: 'ties', base_model: 'zoo-base', models: [{ model: 'zoo-add' }, { model: 'zoo-sort' }, { model: 'zoo-add-2' }] },
    { name: 'stray', merge_method: 'linear', models: [{ model: 'zoo-shift' }] },
    {
      name: 'stack',
      merge_method: 'passthrough',
      slices: [
        { sources: [{ model: 'pair', layer_range: [0, 2] }] },
        { sources: [{ model: 'zoo-base', layer_range: [2, 4] }] },
        { sources: [{ model: 'pair', layer_range: [2, 4] }] },
      ],
      tokenizer_source: 'zoo-tokenizer',
    },
  ],
};

const stage = (name: string): RecipeStage => recipe.stages.find((s) => s.name === name)!;

describe('the recipe graph', () => {
  it('names the output stage: `output`, or else the last stage', () => {
    expect(outputStageName(recipe)).toBe('stack');
    expect(outputStageName({ ...recipe, output: 'pair' })).toBe('pair');
    expect([...stageNames(recipe)]).toEqual(['pair', 'stray', 'stack']);
  });

  it('lists what a stage merges and what it reads, each once; a base is an input only when listed', () => {
    expect(stageInputs(stage('pair'))).toEqual(['zoo-add', 'zoo-sort', 'zoo-add-2']);
    expect(stageModels(stage('pair'))).toEqual(['zoo-add', 'zoo-sort', 'zoo-add-2', 'zoo-base']);
    expect(stageInputs(stage('stack'))).toEqual(['pair', 'zoo-base']);
    expect(stageModels(stage('stack'))).toEqual(['pair', 'zoo-base']);
    const listedBase: RecipeStage = { name: 'l', merge_method: 'linear', base_model: 'b', models: [{ model: 'a' }, { model: 'b' }] };
    expect(stageModels(listedBase)).toEqual(['a', 'b']);
    expect(baseModels(recipe)).toEqual(['zoo-base']);
    expect(baseModels({ version: 1, stages: [listedBase, { ...listedBase, name: 'm', base_model: 'pair' }] })).toEqual(['b', 'pair']);
  });

  it('walks what feeds a stage through earlier stages, in recipe order, leaving out stages that feed nothing', () => {
    expect(stagesFeeding(recipe).map((s) => s.name)).toEqual(['pair', 'stack']);
    expect(stagesFeeding(recipe, 'stray').map((s) => s.name)).toEqual(['stray']);
    expect(stagesFeeding(recipe, 'nothing')).toEqual([]);
  });

  it('names the models outside the recipe as mergekit does: every stage, base first, no tokenizer source, no stage names', () => {
    expect(externalModels(recipe)).toEqual(['zoo-base', 'zoo-add', 'zoo-sort', 'zoo-add-2', 'zoo-shift']);
    expect(externalModelsOfStage(recipe, stage('stack'))).toEqual(['zoo-base']);
    expect(externalModelsOfStage(recipe, stage('pair'))).toEqual(['zoo-add', 'zoo-sort', 'zoo-add-2', 'zoo-base']);
  });

  it('names the models a stage is built from: inputs first, bases last, through earlier stages', () => {
    expect(sourceModels(recipe)).toEqual(['zoo-add', 'zoo-sort', 'zoo-add-2', 'zoo-base']);
    expect(sourceModels(recipe, 'stray')).toEqual(['zoo-shift']);
    const baseListed: Recipe = { version: 1, stages: [{ name: 'm', merge_method: 'linear', base_model: 'b', models: [{ model: 'b' }, { model: 'a' }] }] };
    expect(sourceModels(baseListed)).toEqual(['a', 'b']);
  });
});
