'use client';

import { useId, useMemo, useState } from 'react';
import { useEvalIndex, useModelConfig, useZooIndex } from '@/components/hooks/useZoo';
import type { Recipe } from '@/lib/recipe/schema';
import { ASSUMED_RATE, estimateSearchCost, estimateSeconds, formatDuration, hiMergingCostBound, type SearchCost } from '@/lib/search/searchCost';
import type { HiMergingConfig } from '@/lib/search/hiMerging';
import type { SearchConfig } from '@/lib/search/searchConfig';
import { chosenSkills, defaultSearchForm, hiMergingConfigFromForm, searchConfigFromForm, type FieldIssues, type SearchForm, type SearchFormContext } from '@/lib/search/searchForm';
import { HiMergingView } from './HiMergingView';
import { useCanvasRestore } from '@/components/hooks/useCanvasRestore';
import { SearchFormFields } from './SearchFormFields';
import { useSearchRunStore } from '@/lib/store/searchRunStore';
import { SpaceSearchView } from './SpaceSearchView';

type Checked =
  | { ok: false; issues: FieldIssues }
  | { ok: true; mode: 'search'; config: SearchConfig; cost: SearchCost }
  | { ok: true; mode: 'hi-merging'; config: HiMergingConfig; cost: SearchCost };

function CostLine({ cost, bound, rate }: { cost: SearchCost; bound: boolean; rate: number | null }) {
  const seconds = estimateSeconds(cost, rate);
  return (
    <p className="text-xs text-slate-600" data-testid="search-cost">
      {bound ? 'At most ' : 'Costs '}
      <strong>{cost.examples.toLocaleString('en')} examples</strong>: {bound ? 'at most ' : 'about '}
      {cost.evaluations} evaluations{bound ? ' (repeated recipes are free)' : `, ${cost.fullFidelity} at full fidelity`}. Estimated time {bound ? 'at most ' : ''}
      {formatDuration(seconds)}{' '}
      <span className="text-slate-500">
        ({rate === null ? `an estimate at an assumed ${ASSUMED_RATE.examplesPerSecond} examples/s; a finished run measures this machine` : `at the ${rate.toFixed(0)} examples/s measured on the last run`})
      </span>
    </p>
  );
}

function ResumeBanner() {
  const resumable = useSearchRunStore((s) => s.resumable);
  const run = useSearchRunStore((s) => s.run);
  const resume = useSearchRunStore((s) => s.resume);
  const discard = useSearchRunStore((s) => s.discard);
  if (!resumable || run?.status === 'running') return null;
  const what =
    resumable.kind === 'search'
      ? `a search of ${resumable.state.config.space.kind === 'layerwise' ? resumable.state.config.space.experts.join(', ') : resumable.state.config.space.sources.join(', ')}: ${resumable.state.trials.length} trials, ${resumable.state.spent.toLocaleString('en')} of ${resumable.state.config.budget.toLocaleString('en')} examples`
      : `Hi-Merging of ${resumable.config.experts.map((e) => e.model).join(', ')}: ${resumable.steps.length} steps`;
  return (
    <div role="region" aria-label="Unfinished search" className="rounded border border-amber-300 bg-amber-50 p-2 text-xs text-amber-900">
      <p>
        An unfinished {what}, saved {new Date(resumable.savedAt).toLocaleTimeString()}. It goes on exactly where it stopped.
      </p>
      <div className="mt-1 flex gap-2">
        <button type="button" onClick={resume} className="rounded border border-amber-400 bg-white px-2 py-0.5 font-medium hover:bg-amber-100">
          Resume search
        </button>
        <button type="button" onClick={() => void discard()} className="rounded border border-slate-300 bg-white px-2 py-0.5 hover:bg-slate-100">
          Discard
        </button>
      </div>
    </div>
  );
}

/**
 * The automated search: settings on the left (with what the search will cost), progress and
 * findings on the right. Searches run in their own worker, so the canvas, the preview and
 * the scores stay usable; a candidate goes onto the canvas with one click.
 */
export function SearchPanel() {
  const zoo = useZooIndex();
  const evals = useEvalIndex();
  const run = useSearchRunStore((s) => s.run);
  const measuredRate = useSearchRunStore((s) => s.measuredRate);
  const loadError = useSearchRunStore((s) => s.loadError);
  const warning = useSearchRunStore((s) => s.warning);
  const startSearch = useSearchRunStore((s) => s.startSearch);
  const startHiMerging = useSearchRunStore((s) => s.startHiMerging);
  const cancel = useSearchRunStore((s) => s.cancel);
  const discard = useSearchRunStore((s) => s.discard);
  const resumable = useSearchRunStore((s) => s.resumable);
  const modeName = useId();
  const [edited, setForm] = useState<SearchForm | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const canvasRestore = useCanvasRestore();

  const experts = useMemo(() => (zoo.data?.models ?? []).flatMap((m) => (m.role === 'expert' && m.skill ? [{ id: m.id, skill: m.skill }] : [])), [zoo.data]);
  const bases = useMemo(() => (zoo.data?.models ?? []).filter((m) => m.role === 'base').map((m) => m.id), [zoo.data]);
  const initial = useMemo(() => (experts.length > 0 && bases.length > 0 ? defaultSearchForm(experts.map((e) => e.id), bases[0]!) : null), [experts, bases]);
  const form = edited ?? initial;
  const baseConfig = useModelConfig(form?.base ?? null);

  const context: SearchFormContext = useMemo(
    () => ({
      skillOf: Object.fromEntries(experts.map((e) => [e.id, e.skill])),
      layerCount: baseConfig.data?.num_hidden_layers ?? null,
      devItems: Object.fromEntries((evals.data?.skills ?? []).map((s) => [s.id, s.splits['dev'] ?? 0])),
    }),
    [experts, baseConfig.data, evals.data],
  );
  const checked = useMemo((): Checked | null => {
    if (!form) return null;
    if (form.mode === 'search') {
      const result = searchConfigFromForm(form, context);
      return result.ok ? { ok: true, mode: 'search', config: result.config, cost: estimateSearchCost(result.config) } : result;
    }
    const result = hiMergingConfigFromForm(form, context);
    return result.ok ? { ok: true, mode: 'hi-merging', config: result.config, cost: hiMergingCostBound(result.config) } : result;
  }, [form, context]);

  const running = run?.status === 'running';
  const put = (recipe: Recipe, label: string) => {
    canvasRestore.restore(recipe, null);
    setNotice(`${label} is on the canvas.`);
  };
  const start = () => {
    if (!checked?.ok) return;
    setNotice(null);
    canvasRestore.forget();
    if (checked.mode === 'search') startSearch(checked.config);
    else startHiMerging(checked.config);
  };

  const setupError = zoo.error ?? evals.error ?? baseConfig.error;
  return (
    <div className="grid h-full min-h-0 grid-cols-[19rem_minmax(0,1fr)]">
      <div className="min-h-0 space-y-3 overflow-y-auto border-r border-slate-200 p-3">
        {setupError ? (
          <p role="alert" className="text-xs text-red-700">
            The search settings need the zoo: {setupError.message}
          </p>
        ) : null}
        {!form ? (
          <p className="text-xs text-slate-500">Reading the zoo…</p>
        ) : (
          <>
            <div role="radiogroup" aria-label="What to run" className="flex gap-3 text-xs">
              <label className="flex items-center gap-1">
                <input type="radio" name={modeName} checked={form.mode === 'search'} disabled={running} onChange={() => setForm({ ...form, mode: 'search' })} />
                Search a space
              </label>
              <label className="flex items-center gap-1">
                <input type="radio" name={modeName} checked={form.mode === 'hi-merging'} disabled={running} onChange={() => setForm({ ...form, mode: 'hi-merging' })} />
                Hi-Merging
              </label>
            </div>
            <SearchFormFields form={form} issues={checked && !checked.ok ? checked.issues : {}} experts={experts} bases={bases} skills={chosenSkills(form, context)} disabled={running} onChange={setForm} />
            <div className="sticky bottom-0 space-y-2 border-t border-slate-200 bg-white pt-2">
              {checked?.ok ? (
                <CostLine cost={checked.cost} bound={checked.mode === 'hi-merging'} rate={measuredRate} />
              ) : (
                <p className="text-xs text-red-700">Fix the settings marked above to see the cost and start.</p>
              )}
              <button
                type="button"
                onClick={start}
                disabled={running || !checked?.ok}
                className="w-full rounded-md border border-indigo-600 bg-indigo-600 px-3 py-1 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-40"
              >
                {form.mode === 'search' ? 'Start search' : 'Start Hi-Merging'}
              </button>
            </div>
          </>
        )}
      </div>
      <div className="min-h-0 space-y-3 overflow-y-auto p-3">
        {loadError ? (
          <p role="alert" className="text-xs text-red-700">
            {loadError}
          </p>
        ) : null}
        {warning ? (
          <p role="alert" className="text-xs text-amber-800">
            {warning}
          </p>
        ) : null}
        <ResumeBanner />
        <div className="flex min-h-5 items-center gap-2 text-xs text-slate-600">
          <p role="status">{notice}</p>
          {canvasRestore.canTakeBack ? (
            <button
              type="button"
              className="underline"
              onClick={() => {
                canvasRestore.takeBack();
                setNotice('The canvas is back as it was.');
              }}
            >
              Put the previous canvas back
            </button>
          ) : null}
          {run !== null && run.status !== 'running' && !resumable ? (
            <button type="button" onClick={() => void discard()} className="ml-auto whitespace-nowrap rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100">
              Clear results
            </button>
          ) : null}
        </div>
        {run === null ? (
          <div className="rounded border border-dashed border-slate-300 p-4 text-center text-sm text-slate-600">
            <p className="font-medium">No search yet.</p>
            <p className="mt-1 text-xs">
              Choose experts and press Start: the search tries merges of them on the dev split, spending a budget of examples, and lists the best recipes found. Put one on the canvas to preview it and score it on the test split.
            </p>
          </div>
        ) : run.kind === 'search' ? (
          <SpaceSearchView run={run} onCancel={cancel} onPut={put} />
        ) : (
          <HiMergingView run={run} onCancel={cancel} onPut={put} />
        )}
      </div>
    </div>
  );
}
