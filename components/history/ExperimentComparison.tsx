'use client';

import { percent } from '@/components/charts/seriesColours';
import type { ExperimentComparison as Comparison } from '@/lib/history/compareExperiments';
import { describeExperiment, type ExperimentRecord } from '@/lib/history/experiment';

function Column({ record, mean }: { record: ExperimentRecord; mean: number | null }) {
  return (
    <div className="min-w-0 flex-1 rounded border border-slate-200 p-2" aria-label={`Experiment #${record.number}`} role="group">
      <div className="flex items-baseline justify-between gap-2">
        <span className="font-semibold">#{record.number}</span>
        <time className="text-[11px] text-slate-500" dateTime={new Date(record.createdAt).toISOString()}>
          {new Date(record.createdAt).toLocaleTimeString()}
        </time>
      </div>
      <p className="break-words font-mono text-[11px]">{describeExperiment(record)}</p>
      <p className="text-xs">mean {mean === null ? '—' : `${percent(mean)}%`}</p>
    </div>
  );
}

function signed(delta: number): string {
  const points = 100 * delta;
  return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points).toFixed(1)}`;
}

/** Two experiments side by side: the recipe changes in words, then each skill's score and its change. */
export function ExperimentComparison({ comparison, onClose }: { comparison: Comparison; onClose(): void }) {
  const { before, after, changes, skills, meanBefore, meanAfter } = comparison;
  return (
    <section aria-label={`Comparison of #${before.number} and #${after.number}`} className="space-y-2 text-sm">
      <div className="flex items-center justify-between">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">
          #{before.number} → #{after.number}
        </h3>
        <button type="button" className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100" onClick={onClose}>
          Back to the list
        </button>
      </div>
      <div className="flex gap-2">
        <Column record={before} mean={meanBefore} />
        <Column record={after} mean={meanAfter} />
      </div>
      <div>
        <h4 className="text-xs font-medium text-slate-500">What changed from #{before.number} to #{after.number}</h4>
        {changes.length === 0 ? (
          <p className="text-xs text-slate-600">The recipes are the same.</p>
        ) : (
          <ul className="list-disc pl-4 text-xs" aria-label="Recipe changes">
            {changes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        )}
      </div>
      <table className="w-full text-left text-xs" aria-label="Score changes per skill">
        <thead className="text-slate-500">
          <tr>
            <th scope="col" className="font-medium">skill</th>
            <th scope="col" className="font-medium">#{before.number}</th>
            <th scope="col" className="font-medium">#{after.number}</th>
            <th scope="col" className="font-medium">change (points)</th>
          </tr>
        </thead>
        <tbody>
          {skills.map((s) => (
            <tr key={s.skill}>
              <th scope="row" className="font-mono font-normal">{s.skill}</th>
              <td>{s.before === null ? '—' : percent(s.before)}</td>
              <td>{s.after === null ? '—' : percent(s.after)}</td>
              <td
                data-testid={`compare-delta-${s.skill}`}
                className={s.delta === null || Math.abs(s.delta) < 0.0005 ? 'text-slate-500' : s.delta > 0 ? 'text-emerald-700' : 'text-red-700'}
              >
                {s.delta === null ? '—' : signed(s.delta)}
              </td>
            </tr>
          ))}
          <tr className="border-t border-slate-200 font-semibold">
            <th scope="row" className="font-semibold">mean</th>
            <td>{meanBefore === null ? '—' : percent(meanBefore)}</td>
            <td>{meanAfter === null ? '—' : percent(meanAfter)}</td>
            <td data-testid="compare-delta-mean">{meanBefore === null || meanAfter === null ? '—' : signed(meanAfter - meanBefore)}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
