/**
 * npm run eval -- <model-folder | recipe.json | zoo-id | hub id | model+adapter> [--split test|dev]
 *
 * Exact match per skill on public/evals, with the same engine the studio's worker runs.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { parseEvalIndex } from '@/lib/eval/evalSet';
import type { Recipe } from '@/lib/recipe/schema';
import { outputStageName } from '@/lib/recipe/recipeGraph';
import { Engine } from '@/lib/workers/engine';
import type { ModelTarget, ScoreResult } from '@/lib/workers/engineApi';
import type { EvalSplit } from '@/lib/eval/evalSet';
import { parseArgs, printProgress, printTransferProgress } from './args';
import { loadRecipeFile } from './merge';
import { REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { modelsToOpen } from '@/lib/recipe/recipeGraph';
import { environmentFrom, openModels, sourceZooFiles, type ModelEnvironment } from './recipeModels';

/**
 * Scores a model folder, a recipe file, or a model reference (zoo id, hub id, model+adapter).
 * Models outside the zoo are opened (and downloaded into the cache) first.
 */
export async function evaluate(
  what: string,
  split: EvalSplit,
  onProgress?: (done: number, total: number) => void,
  environment: ModelEnvironment = environmentFrom(process.env),
): Promise<ScoreResult> {
  let target: ModelTarget;
  let refs: string[];
  let recipe: Recipe | undefined;
  let baseDir = process.cwd();
  if (existsSync(what) && statSync(what).isDirectory()) {
    refs = [path.resolve(what)];
    target = { kind: 'zoo', id: refs[0]! };
  } else if (existsSync(what)) {
    recipe = await loadRecipeFile(what);
    refs = modelsToOpen(recipe);
    baseDir = path.dirname(path.resolve(what));
    target = { kind: 'merge', recipe, stage: outputStageName(recipe) };
  } else {
    refs = [what];
    target = { kind: 'zoo', id: what };
  }
  const models = await openModels(refs, baseDir, environment, recipe ? { recipe, keepOutput: true } : undefined);
  try {
    const files = sourceZooFiles(REPO_PUBLIC, models.sources);
    const skills = parseEvalIndex(JSON.parse(await files.text('/evals/index.json'))).skills.map((s) => s.id);
    ort.env.wasm.numThreads = 1;
    const engine = new Engine(ort, files);
    return await engine.score('cli', { target, split, skills }, onProgress ? ({ done, total }) => onProgress(done, total) : undefined);
  } finally {
    await models.close();
  }
}

function formatScores(result: ScoreResult): string {
  const rows = result.scores.map((s) => `${s.skill.padEnd(10)} ${(100 * s.accuracy).toFixed(1).padStart(6)}%  (${s.correct}/${s.total})`);
  const mean = result.scores.reduce((sum, s) => sum + s.accuracy, 0) / Math.max(1, result.scores.length);
  return [...rows, `${'mean'.padEnd(10)} ${(100 * mean).toFixed(1).padStart(6)}%`].join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['split']);
  const [what] = args.positional;
  const split = args.options.get('split') ?? 'test';
  if (!what || (split !== 'test' && split !== 'dev')) {
    console.error('usage: npm run eval -- <model-folder | recipe.json | zoo-id | org/name[@revision] | model+adapter> [--split test|dev]');
    process.exit(2);
  }
  const environment = environmentFrom(process.env, (line) => console.error(line), printTransferProgress());
  const result = await evaluate(what, split, printProgress('scoring'), environment);
  console.log(formatScores(result));
  console.log(`(${split} split, ${(result.ms / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
