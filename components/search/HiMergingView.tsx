'use client';

import { percent } from '@/components/charts/seriesColours';
import type { Recipe } from '@/lib/recipe/schema';
import type { ConflictCell } from '@/lib/search/hiMerging';
import { RunProgress } from './RunProgress';
import type { HiMergingRun } from '@/lib/search/searchRunView';

const PHASES = { 'model-wise': 'pruning and scaling each expert', 'layer-wise': 'measuring each layer’s conflicts', resolution: 'resolving the worst conflicts', final: 'scoring the result' } as const;

function mix(to: [number, number, number], t: number): string {
  const c = to.map((v) => Math.round(255 + (v - 255) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Conflict (points of accuracy the merge destroys): white at 0, orange as it grows; indigo where the merge helps the layer instead. */
function conflictColour(conflict: number): { background: string; dark: boolean } {
  return conflict >= 0 ? { background: mix([194, 65, 12], conflict), dark: conflict > 0.55 } : { background: mix([67, 56, 202], -conflict), dark: conflict < -0.55 };
}

function points(value: number): string {
  const p = 100 * value;
  return Math.abs(p) < 0.05 ? '0' : `${p > 0 ? '+' : ''}${p.toFixed(0)}`;
}

/** Layers down, experts across: how much of a layer's contribution to its expert's skill the merge destroys. */
function ConflictHeatmap({ cells }: { cells: readonly ConflictCell[] }) {
  const experts = [...new Set(cells.map((c) => c.expert))];
  const layers = [...new Set(cells.map((c) => c.layer))].sort((a, b) => a - b);
  const caption = 'Layer conflicts: contribution alone minus contribution in the merge, points of accuracy';
  return (
    <div className="flex items-start gap-3">
      <table className="border-separate border-spacing-0.5 text-[11px]" aria-label={caption} data-testid="conflict-heatmap">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="px-1 text-left font-medium text-slate-500">
              layer
            </th>
            {experts.map((e) => (
              <th key={e} scope="col" className="px-1 font-medium text-slate-500">
                {e}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {layers.map((layer) => (
            <tr key={layer}>
              <th scope="row" className="px-1 text-left font-normal text-slate-600">
                {layer}
              </th>
              {experts.map((expert) => {
                const cell = cells.find((c) => c.layer === layer && c.expert === expert);
                if (!cell) return <td key={expert} />;
                const { background, dark } = conflictColour(cell.conflict);
                return (
                  <td
                    key={expert}
                    className={`h-7 w-20 rounded-sm text-center font-mono ${dark ? 'text-white' : 'text-slate-800'}`}
                    style={{ background }}
                    title={`layer ${layer}, ${expert}: alone ${points(cell.alone)}, in the merge ${points(cell.merged)}, conflict ${points(cell.conflict)} points`}
                  >
                    {points(cell.conflict)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="text-[11px] text-slate-600" aria-hidden="true">
        {[1, 0.5, 0, -0.5].map((v) => (
          <div key={v} className="flex items-center gap-1">
            <span className="inline-block h-3 w-5 rounded-sm border border-slate-200" style={{ background: conflictColour(v).background }} />
            {points(v)}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Hi-Merging's progress, its steps with their scores, the conflict heatmap and the merged recipe. */
export function HiMergingView({ run, onCancel, onPut }: { run: HiMergingRun; onCancel(): void; onPut(recipe: Recipe, label: string): void }) {
  const { result } = run;
  const skills = run.config.experts.map((e) => e.skill);
  const finalMean = result ? skills.reduce((a, s) => a + (result.finalAccuracy[s] ?? 0), 0) / skills.length : null;
  return (
    <div className="space-y-3">
      <RunProgress
        status={run.status}
        spent={run.spent}
        budget={run.bound}
        error={run.error}
        onCancel={onCancel}
        detail={
          <>
            {run.spent.toLocaleString('en')} of at most {run.bound.toLocaleString('en')} examples{run.status === 'running' ? ` · ${PHASES[run.phase]}` : ''}
          </>
        }
      />
      {result && finalMean !== null ? (
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <span>
            Hi-Merged dev score (mean):{' '}
            <strong className="font-mono" data-testid="hi-merging-score">
              {percent(finalMean)}%
            </strong>
          </span>
          <span className="text-xs text-slate-600">
            {skills.map((s) => `${s} ${percent(result.finalAccuracy[s] ?? 0)}`).join(' · ')} on {run.config.maxFidelity} examples per skill
          </span>
          <button type="button" className="ml-auto rounded border border-indigo-300 bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-800 hover:bg-indigo-100" onClick={() => onPut(result.recipe, 'The Hi-Merged recipe')}>
            Put on canvas
          </button>
        </div>
      ) : null}
      {run.steps.length > 0 ? (
        <ol aria-label="Hi-Merging steps" className="space-y-0.5 text-xs">
          {run.steps.map((step, i) => (
            <li key={i} className={`flex items-center gap-2 rounded px-1 ${step.accepted ? '' : 'text-slate-500'}`}>
              <span className="w-5 text-right font-mono text-slate-500">{i + 1}</span>
              <span className="min-w-0 flex-1 truncate" title={step.label}>
                {step.label}
              </span>
              <span className="font-mono">{percent(step.value)}%</span>
              <span className={`rounded px-1 text-[10px] ${step.accepted ? 'bg-emerald-100 text-emerald-800' : 'bg-slate-100'}`}>{step.accepted ? 'kept' : 'not kept'}</span>
            </li>
          ))}
        </ol>
      ) : run.status === 'running' ? (
        <p className="text-xs text-slate-600">No step yet: the first one loads the models, merges and scores.</p>
      ) : null}
      {result ? (
        <figure>
          <figcaption className="mb-1 text-xs font-medium text-slate-500">Layer × expert conflicts (dev, {run.config.fidelity} examples per skill)</figcaption>
          <ConflictHeatmap cells={result.heatmap} />
        </figure>
      ) : null}
    </div>
  );
}
