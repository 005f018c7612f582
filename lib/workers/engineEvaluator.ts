/** Scores a search's recipes with the engine (the worker's in the browser, the same class in Node). */
import type { EvalSplit } from '@/lib/eval/evalSet';
import { outputStageName } from '@/lib/recipe/recipeGraph';
import type { ScoreRequest, ScoreResult } from './engineApi';
import type { Evaluate } from '@/lib/search/searchLoop';

export interface Scorer {
  score(channel: string, request: ScoreRequest): Promise<ScoreResult>;
}

export function engineEvaluator(engine: Scorer, split: EvalSplit = 'dev', channel = 'search'): Evaluate {
  return async ({ recipe, skills, start, end }) => {
    const result = await engine.score(channel, {
      target: { kind: 'merge', recipe, stage: outputStageName(recipe) },
      split,
      skills: [...skills],
      range: [start, end],
    });
    return Object.fromEntries(result.scores.map((s) => [s.skill, s.correct]));
  };
}
