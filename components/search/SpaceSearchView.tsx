'use client';

import { useMemo } from 'react';
import { percent } from '@/components/charts/seriesColours';
import type { Recipe } from '@/lib/recipe/schema';
import { objectiveLabels, objectiveSkills } from '@/lib/search/objective';
import { bestSoFar, bestTrial } from '@/lib/search/searchLoop';
import { formatDuration } from '@/lib/search/searchCost';
import { curveUntil, objectiveTitle, paretoPoints, recipeMethods, topCandidates } from '@/lib/search/searchResults';
import { RunProgress } from './RunProgress';
import { BestSoFarChart, ParetoScatter } from './SearchCharts';
import { measuredRate, type SpaceRun } from '@/lib/search/searchRunView';

const TOP = 8;

function timeLeft(run: SpaceRun): string | null {
  const rate = run.status === 'running' ? measuredRate(run) : null;
  if (rate === null) return null;
  return `about ${formatDuration((run.config.budget - run.spent) / rate)} left at the measured ${rate.toFixed(0)} examples/s`;
}

/** A space search's progress and findings: the best score, the anytime curve, the front, the top candidates. */
export function SpaceSearchView({ run, onCancel, onPut }: { run: SpaceRun; onCancel(): void; onPut(recipe: Recipe, label: string): void }) {
  const { config } = run;
  const labels = objectiveLabels(config.objective);
  const title = objectiveTitle(config.objective);
  const skills = objectiveSkills(config.objective);
  const curve = useMemo(() => curveUntil(bestSoFar(run), run.spent), [run]);
  const best = useMemo(() => bestTrial(run), [run]);
  const candidates = useMemo(() => topCandidates(run, TOP), [run]);
  const front = useMemo(() => (config.objective.kind === 'pareto' ? paretoPoints(run) : []), [run, config.objective.kind]);
  const pareto = config.objective.kind === 'pareto';
  const left = timeLeft(run);

  return (
    <div className="space-y-3">
      <RunProgress
        status={run.status}
        spent={run.spent}
        budget={config.budget}
        error={run.error}
        onCancel={onCancel}
        detail={
          <>
            {run.trials.length} trial{run.trials.length === 1 ? '' : 's'}, {run.spent.toLocaleString('en')} of {config.budget.toLocaleString('en')} examples
            {run.status === 'finished' ? ' (what is left buys no further trial)' : ''}
            {left ? ` · ${left}` : ''}
          </>
        }
      />
      {best ? (
        <p className="text-sm">
          Best dev score{pareto ? ` on ${labels[0]}` : ` (${title})`}:{' '}
          <strong className="font-mono" data-testid="search-best-score">
            {percent(best.values[0]!)}%
          </strong>{' '}
          <span className="text-xs text-slate-600">
            candidate #{best.id}, {recipeMethods(best.recipe).join(' + ')}, on {best.fidelity} examples per skill
          </span>
        </p>
      ) : (
        <p className="text-xs text-slate-600">
          {run.trials.length === 0
            ? 'No trial yet: the first one loads the models, merges and scores.'
            : 'No candidate scored at full fidelity yet: Hyperband tries many candidates on a few examples first and promotes the best.'}
        </p>
      )}
      <BestSoFarChart curve={curve} budget={config.budget} label={pareto ? (labels[0] ?? '') : title} />
      {pareto ? <ParetoScatter points={front} labels={[labels[0] ?? '', labels[1] ?? '']} /> : null}
      {candidates.length > 0 ? (
        <table className="w-full text-xs" aria-label="Top candidates">
          <caption className="text-left text-xs font-medium text-slate-500">
            Top candidates by {pareto ? `the Pareto front of ${title}` : title} (dev, {config.maxFidelity} examples per skill)
          </caption>
          <thead>
            <tr className="text-left text-slate-500">
              <th scope="col" className="pr-2 font-medium">
                #
              </th>
              <th scope="col" className="pr-2 font-medium">
                methods
              </th>
              {skills.map((s) => (
                <th key={s} scope="col" className="px-1 text-right font-medium">
                  {s}
                </th>
              ))}
              {pareto ? null : (
                <th scope="col" className="px-1 text-right font-medium">
                  score
                </th>
              )}
              <th scope="col">
                <span className="sr-only">action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {candidates.map(({ trial, onFront }) => (
              <tr key={trial.id} className="border-t border-slate-100" aria-label={`Candidate #${trial.id}`}>
                <th scope="row" className="whitespace-nowrap py-0.5 pr-2 text-left font-mono font-normal">
                  {trial.id}
                  {pareto && onFront ? <span className="ml-1 rounded bg-indigo-600 px-1 text-[10px] text-white">front</span> : null}
                </th>
                <td className="pr-2 font-mono text-[11px]" data-testid="candidate-methods">
                  {recipeMethods(trial.recipe).join(', ')}
                </td>
                {skills.map((s) => (
                  <td key={s} className="px-1 text-right font-mono">
                    {percent(trial.accuracy[s] ?? 0)}
                  </td>
                ))}
                {pareto ? null : <td className="px-1 text-right font-mono font-semibold">{percent(trial.values[0]!)}</td>}
                <td className="whitespace-nowrap pl-1 text-right">
                  <button
                    type="button"
                    className="rounded border border-slate-300 px-1.5 hover:bg-slate-100"
                    onClick={() => onPut(trial.recipe, `Candidate #${trial.id}`)}
                    aria-label={`Put candidate #${trial.id} on the canvas`}
                  >
                    Put on canvas
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
