'use client';

import { useMemo, useState } from 'react';
import { ScoreHistoryChart } from './ScoreHistoryChart';
import { percent } from '@/components/charts/seriesColours';
import { useActiveRecipe } from '@/components/hooks/useActiveRecipe';
import { chronological, compareExperiments } from '@/lib/history/compareExperiments';
import { describeExperiment, experimentKey, meanScore, searchExperiments, sessionScoreSeries, type ExperimentRecord } from '@/lib/history/experiment';
import { useCanvasRestore } from '@/components/hooks/useCanvasRestore';
import { ExperimentComparison } from './ExperimentComparison';
import { historySession } from './historyClient';
import { useDeleteExperiment, useExperiments } from './useExperiments';

/** The time of day for today's experiments, with the date for older ones. */
function clock(time: number): string {
  const date = new Date(time);
  if (date.toDateString() === new Date().toDateString()) return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * Every scored recipe, newest first: search by model, method or stage name; pick two to
 * compare; restore one onto the canvas; delete. The session's mean score over time on top.
 */
export function HistoryPanel({ recordError }: { recordError: string | null }) {
  const experiments = useExperiments();
  const remove = useDeleteExperiment();
  const active = useActiveRecipe();
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [comparing, setComparing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const canvasRestore = useCanvasRestore();

  const all = useMemo(() => experiments.data ?? [], [experiments.data]);
  const shown = useMemo(() => searchExperiments(all, query), [all, query]);
  const points = useMemo(() => sessionScoreSeries(all, historySession()), [all]);
  const onCanvas = active.recipe && active.stage ? experimentKey(active.recipe, active.stage) : null;
  const picked = chosen.map((id) => all.find((r) => r.id === id)).filter((r): r is ExperimentRecord => r !== undefined);

  const toggle = (id: string) =>
    setChosen((current) => (current.includes(id) ? current.filter((x) => x !== id) : [...current, id].slice(-2)));

  const restore = (record: ExperimentRecord) => {
    canvasRestore.restore(record.recipe, record.layout);
    setNotice(`Restored #${record.number} onto the canvas.`);
  };

  const onDelete = (record: ExperimentRecord) => {
    setChosen((current) => current.filter((id) => id !== record.id));
    remove.mutate(record.id, {
      onSuccess: () => {
        canvasRestore.forget();
        setNotice(`Deleted #${record.number}.`);
      },
    });
  };

  if (comparing && picked.length === 2) {
    const [before, after] = chronological(picked[0]!, picked[1]!);
    return (
      <div className="h-full overflow-y-auto p-3">
        <ExperimentComparison comparison={compareExperiments(before, after)} onClose={() => setComparing(false)} />
      </div>
    );
  }

  return (
    <div className="flex h-full min-h-0 flex-col p-3">
      <ScoreHistoryChart points={points} />
      <div className="flex items-center gap-2">
        <label className="flex flex-1 items-center gap-2 text-xs text-slate-600">
          <span className="sr-only">Search experiments</span>
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Search by model, method or stage…"
            aria-label="Search experiments"
            className="w-full rounded border border-slate-300 px-2 py-1 text-xs"
          />
        </label>
        <button
          type="button"
          className="whitespace-nowrap rounded border border-indigo-300 bg-indigo-50 px-2 py-1 text-xs font-medium text-indigo-800 hover:bg-indigo-100 disabled:opacity-40"
          disabled={picked.length !== 2}
          onClick={() => setComparing(true)}
          title={picked.length === 2 ? undefined : 'Tick two experiments to compare them'}
        >
          Compare {picked.length === 2 ? `#${Math.min(picked[0]!.number, picked[1]!.number)} and #${Math.max(picked[0]!.number, picked[1]!.number)}` : 'two'}
        </button>
      </div>
      <div className="flex min-h-5 items-center gap-2 text-[11px] text-slate-600">
        <p role="status">{notice}</p>
        {canvasRestore.canTakeBack ? (
          <button
            type="button"
            className="underline"
            onClick={() => {
              canvasRestore.takeBack();
              setNotice('The canvas is back as it was before the restore.');
            }}
          >
            Undo restore
          </button>
        ) : null}
      </div>
      {recordError ? (
        <p role="alert" className="text-xs text-red-700">
          The history could not record the last experiment: {recordError}
        </p>
      ) : null}
      {experiments.isError ? (
        <p role="alert" className="text-xs text-red-700">
          The history could not be read: {experiments.error.message}
        </p>
      ) : null}
      {experiments.isPending ? (
        <p className="text-xs text-slate-500">Reading the history…</p>
      ) : all.length === 0 ? (
        <div className="mt-2 rounded border border-dashed border-slate-300 p-4 text-center text-sm text-slate-600">
          <p className="font-medium">No experiments yet.</p>
          <p className="mt-1 text-xs">Every merge is recorded here once it has been scored, once per distinct recipe, so you can compare and come back to it.</p>
        </div>
      ) : shown.length === 0 ? (
        <p className="mt-2 text-xs text-slate-600">No experiment matches “{query}”: search looks at model ids, method names and stage names.</p>
      ) : (
        <ol aria-label="Experiments" className="min-h-0 flex-1 space-y-1 overflow-y-auto pr-1">
          {shown.map((record) => {
            const mean = meanScore(record);
            const current = record.key === onCanvas;
            return (
              <li
                key={record.id}
                aria-label={`Experiment #${record.number}`}
                className={`rounded border px-2 py-1 text-xs ${current ? 'border-indigo-300 bg-indigo-50/60' : 'border-slate-200'}`}
              >
                <div className="flex items-center gap-2 whitespace-nowrap">
                  <input
                    type="checkbox"
                    checked={chosen.includes(record.id)}
                    onChange={() => toggle(record.id)}
                    aria-label={`Choose #${record.number} to compare`}
                  />
                  <span className="font-semibold">#{record.number}</span>
                  <time className="text-slate-500" dateTime={new Date(record.createdAt).toISOString()}>
                    {clock(record.createdAt)}
                  </time>
                  {current ? <span className="rounded bg-indigo-600 px-1 text-[10px] font-semibold text-white">on the canvas</span> : null}
                  <span className="ml-auto font-mono font-semibold" data-testid={`experiment-mean-${record.number}`}>
                    mean {mean === null ? '—' : `${percent(mean)}%`}
                  </span>
                </div>
                <div className="flex items-center gap-2">
                  <p className="min-w-0 flex-1 truncate font-mono text-[11px] text-slate-700" title={describeExperiment(record)}>
                    {describeExperiment(record)}
                  </p>
                  <button
                    type="button"
                    className="rounded border border-slate-300 px-1.5 hover:bg-slate-100"
                    onClick={() => restore(record)}
                    aria-label={`Restore #${record.number} onto the canvas`}
                  >
                    Restore
                  </button>
                  <button
                    type="button"
                    className="rounded border border-red-200 px-1.5 text-red-700 hover:bg-red-50 disabled:opacity-40"
                    onClick={() => onDelete(record)}
                    disabled={remove.isPending}
                    aria-label={`Delete #${record.number}`}
                  >
                    Delete
                  </button>
                </div>
                <p className="flex flex-wrap gap-x-2 text-[11px] text-slate-500">
                  {record.scores.map((s) => (
                    <span key={s.skill}>
                      {s.skill} {percent(s.accuracy)}
                    </span>
                  ))}
                </p>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
