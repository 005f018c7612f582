'use client';

import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import * as Comlink from 'comlink';
import { useState } from 'react';
import { useEvalIndex } from '@/components/library/useZoo';
import { useActiveRecipe } from '@/components/studio/useActiveRecipe';
import { useDebounced } from '@/components/studio/useDebounced';
import { isSuperseded, type ModelTarget, type ScoreProgress, type ScoreResult } from '@/lib/workers/engineApi';
import { engine } from '@/lib/workers/engineClient';
import { SkillBarChart, type ScoreSeries } from './SkillBarChart';

function scoreQuery(channel: string, key: unknown[], target: ModelTarget | null, skills: string[], onProgress?: (p: ScoreProgress) => void) {
  return {
    queryKey: ['scores', ...key, skills],
    enabled: target !== null && skills.length > 0,
    placeholderData: keepPreviousData,
    retry: (_: number, error: Error) => isSuperseded(error),
    queryFn: (): Promise<ScoreResult> => {
      if (!target) throw new Error('nothing to score');
      return engine().score(channel, { target, split: 'test', skills }, onProgress ? Comlink.proxy(onProgress) : undefined);
    },
  };
}

/** Scores wait until the recipe has settled: while a slider moves, the preview gets the engine. */
const SCORE_DELAY_MS = 400;

export function ScoresPanel() {
  const active = useDebounced(useActiveRecipe(), SCORE_DELAY_MS);
  const evals = useEvalIndex();
  const skills = evals.data?.skills.map((s) => s.id) ?? [];
  const [progress, setProgress] = useState<ScoreProgress | null>(null);
  const mergeTarget: ModelTarget | null = active.recipe && active.stage ? { kind: 'merge', recipe: active.recipe, stage: active.stage } : null;
  const merged = useQuery(scoreQuery('scores-merge', [active.key, active.stage], mergeTarget, skills, setProgress));
  // Source scores are computed by the same engine on the same split, once per model.
  const sources = useQueries({
    queries: active.sources.map((id) => scoreQuery(`scores-source-${id}`, [id], { kind: 'zoo', id }, skills)),
  });

  const series: ScoreSeries[] = [];
  sources.forEach((q, i) => {
    const id = active.sources[i];
    if (id && q.data) series.push({ name: id, scores: q.data.scores });
  });
  if (merged.data && active.stage) series.push({ name: `${active.stage} (merged)`, scores: merged.data.scores, highlight: true });

  const running = merged.isFetching;
  const percent = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;

  return (
    <section
      aria-labelledby="scores-heading"
      className="flex min-h-0 flex-col p-3"
      data-testid="scores"
      data-state={merged.isFetching || merged.isPlaceholderData ? 'updating' : 'ready'}
    >
      <div className="flex items-center gap-3">
        <h2 id="scores-heading" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
          Scores (exact match, test split)
        </h2>
        {running ? (
          <div className="flex flex-1 items-center gap-2">
            <progress className="h-2 flex-1" max={100} value={percent} aria-label="Scoring progress" />
            <span className="text-xs text-slate-500">{percent}%</span>
          </div>
        ) : merged.data ? (
          <span className="text-xs text-slate-400" data-testid="score-time">
            scored in {(merged.data.ms / 1000).toFixed(1)} s
          </span>
        ) : null}
      </div>
      {!mergeTarget ? (
        <p className="mt-3 text-sm text-slate-500">Scores appear once a merge node has inputs.</p>
      ) : (
        <div className="min-h-0 flex-1">
          <SkillBarChart skills={skills} series={series} />
        </div>
      )}
      {merged.isError && !isSuperseded(merged.error) ? (
        <p role="alert" className="text-sm text-red-700">
          Scoring failed: {merged.error.message}
        </p>
      ) : null}
      {merged.data && active.stage ? (
        <table className="sr-only" aria-label="Merged scores">
          <tbody>
            {merged.data.scores.map((s) => (
              <tr key={s.skill}>
                <th>{s.skill}</th>
                <td data-testid={`merged-score-${s.skill}`}>{(100 * s.accuracy).toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
