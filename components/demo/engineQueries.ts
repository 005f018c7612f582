'use client';

import * as Comlink from 'comlink';
import type { Recipe } from '@/lib/recipe/schema';
import { isSuperseded, type GeneratedText, type ModelTarget, type ScoreProgress, type ScoreResult } from '@/lib/workers/engineApi';
import { engine } from '@/lib/workers/engineClient';

/** Tokens a demo answer may take; every zoo answer ends with a newline well before. */
export const DEMO_MAX_NEW_TOKENS = 24;

/** One model a demo compares: the merged model or one of its sources. */
export interface DemoColumn {
  /** What people read: "merge-1 (merged)" or the zoo id. */
  label: string;
  /** The model's own name: the stage or the zoo id. */
  name: string;
  /** Stable across renders, distinct per model and recipe: query keys and engine channels use it. */
  key: string;
  target: ModelTarget;
  merged: boolean;
}

export function demoColumns(recipe: Recipe, output: string, sources: readonly string[]): DemoColumn[] {
  return [
    { label: `${output} (merged)`, name: output, key: `merge:${output}:${JSON.stringify(recipe)}`, target: { kind: 'merge', recipe, stage: output }, merged: true },
    ...sources.map((id) => ({ label: id, name: id, key: `zoo:${id}`, target: { kind: 'zoo' as const, id }, merged: false })),
  ];
}

/** Every demo query key starts with this, so one reset re-runs them all (after an engine crash). */
export const DEMO_QUERY_ROOT = 'demo';

/** A superseded request (a newer one on its channel) is retried; a real failure is shown. */
const retrySuperseded = (_: number, error: Error) => isSuperseded(error);

/**
 * The answer of one model to one prompt. Query keys leave the engine channel out, so the
 * prompt box, presenter mode and prefetching share answers; each surface has its own
 * channels, so one never supersedes another.
 */
export function answerQuery(surface: string, column: DemoColumn, prompt: string) {
  return {
    queryKey: [DEMO_QUERY_ROOT, 'answer', column.key, prompt],
    enabled: prompt.length > 0,
    retry: retrySuperseded,
    queryFn: async (): Promise<GeneratedText> => {
      const result = await engine().generate(`demo-${surface}:${column.key}`, { targets: [column.target], prompt, maxNewTokens: DEMO_MAX_NEW_TOKENS });
      const output = result.outputs[0];
      if (!output) throw new Error('the engine returned no answer');
      return output;
    },
  };
}

export function scoreQuery(column: DemoColumn, skills: readonly string[], enabled: boolean, onProgress: (progress: ScoreProgress) => void) {
  return {
    queryKey: [DEMO_QUERY_ROOT, 'score', column.key, skills],
    enabled: enabled && skills.length > 0,
    retry: retrySuperseded,
    queryFn: (): Promise<ScoreResult> =>
      engine().score(`demo-score:${column.key}`, { target: column.target, split: 'test', skills: [...skills] }, Comlink.proxy(onProgress)),
  };
}
