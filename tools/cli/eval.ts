/**
 * npm run eval -- <model-folder | recipe.json | zoo-id> [--split test|dev]
 *
 * Exact match per skill on public/evals, with the same engine the studio's worker runs.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { parseEvalIndex } from '@/lib/eval/evalSet';
import { outputStageName } from '@/lib/recipe/recipeGraph';
import { Engine } from '@/lib/workers/engine';
import type { ModelTarget, ScoreResult } from '@/lib/workers/engineApi';
import type { EvalSplit } from '@/lib/eval/evalSet';
import { parseArgs, printProgress } from './args';
import { loadRecipeFile } from './merge';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';

const FOLDER_ID = 'cli-model';

export async function evaluate(what: string, split: EvalSplit, onProgress?: (done: number, total: number) => void): Promise<ScoreResult> {
  const extra = new Map<string, string>();
  let target: ModelTarget;
  if (existsSync(what) && statSync(what).isDirectory()) {
    extra.set(FOLDER_ID, path.resolve(what));
    target = { kind: 'zoo', id: FOLDER_ID };
  } else if (existsSync(what)) {
    const recipe = await loadRecipeFile(what);
    target = { kind: 'merge', recipe, stage: outputStageName(recipe) };
  } else {
    target = { kind: 'zoo', id: what };
  }
  const files = nodeZooFiles(REPO_PUBLIC, extra);
  const skills = parseEvalIndex(JSON.parse(await files.text('/evals/index.json'))).skills.map((s) => s.id);
  ort.env.wasm.numThreads = 1;
  const engine = new Engine(ort, files);
  return engine.score('cli', { target, split, skills }, onProgress ? ({ done, total }) => onProgress(done, total) : undefined);
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
    console.error('usage: npm run eval -- <model-folder | recipe.json | zoo-id> [--split test|dev]');
    process.exit(2);
  }
  const result = await evaluate(what, split, printProgress('scoring'));
  console.log(formatScores(result));
  console.log(`(${split} split, ${(result.ms / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
