'use client';

import { isSuperseded } from '@/lib/workers/engineApi';
import { SkillBarChart } from './SkillBarChart';
import type { SkillScores } from './useSkillScores';

/** Bars of exact match per skill for the sources and the merge; the numbers also as a table. */
export function ScoresPanel({ scores }: { scores: SkillScores }) {
  const { active, skills, mergeTarget, merged, progress, series, pending } = scores;
  const running = merged.isFetching;
  const percent = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;

  return (
    <section
      aria-labelledby="scores-heading"
      className="flex h-full min-h-0 flex-col p-3"
      data-testid="scores"
      data-state={pending || merged.isFetching || merged.isPlaceholderData ? 'updating' : 'ready'}
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
