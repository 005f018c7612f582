'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useEvalIndex } from '@/components/hooks/useZoo';
import { coveredSkills, expertsBySkill, recipeDiagram, recipeSentence } from '@/lib/demo/demoRecipe';
import { baseModels, outputStageName, sourceModels } from '@/lib/recipe/recipeGraph';
import type { Recipe } from '@/lib/recipe/schema';
import { onEngineCrash } from '@/lib/workers/engineClient';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';
import { DEMO_QUERY_ROOT, demoColumns } from './engineQueries';
import { HeadlineScores } from './HeadlineScores';
import { PresenterMode } from './PresenterMode';
import { PromptBox } from './PromptBox';
import { RecipeDiagram } from './RecipeDiagram';
import { useDemoScores } from './useDemoScores';
import { usePreparedPrompts } from './usePreparedPrompts';

/** The presentation of one valid recipe: diagram, headline scores, live prompts, presenter mode. */
export function Demo({ recipe, hash, zoo }: { recipe: Recipe; hash: string; zoo: readonly ZooIndexEntry[] }) {
  const evals = useEvalIndex();
  const output = outputStageName(recipe);
  const diagram = useMemo(() => recipeDiagram(recipe), [recipe]);
  const sources = useMemo(() => sourceModels(recipe), [recipe]);
  const columns = useMemo(() => demoColumns(recipe, output, sources), [recipe, output, sources]);
  const allSkills = useMemo(() => evals.data?.skills.map((s) => s.id) ?? [], [evals.data]);
  const skills = useMemo(() => (allSkills.length > 0 ? coveredSkills(sources, zoo, allSkills) : []), [sources, zoo, allSkills]);
  const experts = useMemo(() => expertsBySkill(sources, zoo), [sources, zoo]);
  const bases = useMemo(() => new Set(baseModels(recipe)), [recipe]);
  const testCounts = useMemo(() => new Map(evals.data?.skills.map((s) => [s.id, s.splits.test ?? 0]) ?? []), [evals.data]);
  const scores = useDemoScores(columns, skills, testCounts);
  const prepared = usePreparedPrompts(skills);
  const [presenterStep, setPresenterStep] = useState<number | null>(null);
  const crash = useEngineCrash();
  const presenterButton = useRef<HTMLButtonElement>(null);
  const closePresenter = () => {
    setPresenterStep(null);
    presenterButton.current?.focus();
  };

  return (
    <div className="mx-auto flex min-h-screen max-w-[1600px] flex-col gap-6 px-8 py-6">
      <header className="flex flex-wrap items-start gap-x-6 gap-y-2">
        <div className="min-w-0 flex-1">
          <p className="text-base font-semibold uppercase tracking-wide text-indigo-700">Merge Studio · demo</p>
          <h1 className="font-mono text-4xl font-bold text-slate-900">{recipe.name ?? output}</h1>
          <p className="mt-1 text-xl text-slate-700" data-testid="recipe-sentence">
            {recipeSentence(diagram)}
          </p>
        </div>
        <div className="flex items-center gap-4">
          <button
            ref={presenterButton}
            type="button"
            onClick={() => setPresenterStep(0)}
            disabled={prepared.prompts.length === 0}
            className="rounded-lg bg-indigo-600 px-5 py-2 text-lg font-medium text-white hover:bg-indigo-700 disabled:opacity-40"
          >
            Presenter mode
          </button>
          <a href={`/${hash}`} className="text-sm text-indigo-700 underline hover:text-indigo-900">
            Open in studio
          </a>
        </div>
      </header>

      {crash ? <EngineCrashNotice message={crash.message} onRetry={crash.retry} /> : null}

      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <section aria-labelledby="recipe-heading" className="flex flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="recipe-heading" className="text-2xl font-semibold text-slate-800">
            How it is made
          </h2>
          <div className="mt-2 h-[22rem] min-h-0" role="figure" aria-label="Recipe diagram" aria-describedby="recipe-diagram-text">
            <RecipeDiagram diagram={diagram} zoo={zoo} />
          </div>
          <p id="recipe-diagram-text" className="sr-only">
            {recipeSentence(diagram)}
          </p>
        </section>
        <section aria-labelledby="scores-heading" className="flex flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="scores-heading" className="text-2xl font-semibold text-slate-800">
            How it scores
          </h2>
          <p className="mb-3 text-base text-slate-500">Exact match on held-out test questions, computed live in this browser.</p>
          {evals.isError ? (
            <p role="alert" className="text-base text-red-800">
              The skill list could not be loaded: {evals.error.message}
            </p>
          ) : (
            <HeadlineScores columns={columns} skills={skills} experts={experts} bases={bases} scores={scores} />
          )}
        </section>
      </div>

      <section aria-labelledby="ask-heading" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="ask-heading" className="text-2xl font-semibold text-slate-800">
          Ask the models
        </h2>
        <p className="mb-3 text-base text-slate-500">The merged model and the models it was made from answer the same prompt.</p>
        {prepared.error ? (
          <p role="alert" className="mb-3 text-base text-red-800">
            The prepared prompts could not be loaded: {prepared.error.message}
          </p>
        ) : null}
        <PromptBox columns={columns} prepared={prepared.prompts} />
      </section>

      {presenterStep !== null ? (
        <PresenterMode
          columns={columns}
          prompts={prepared.prompts}
          step={Math.min(presenterStep, Math.max(0, prepared.prompts.length - 1))}
          onStep={(step) => setPresenterStep(Math.min(Math.max(0, step), Math.max(0, prepared.prompts.length - 1)))}
          onClose={closePresenter}
        />
      ) : null}
    </div>
  );
}

/** The engine worker's crash, and a retry that re-runs every demo request on a fresh worker. */
function useEngineCrash(): { message: string; retry: () => void } | null {
  const [message, setMessage] = useState<string | null>(null);
  const queryClient = useQueryClient();
  useEffect(() => onEngineCrash(setMessage), []);
  if (message === null) return null;
  return {
    message,
    retry: () => {
      setMessage(null);
      void queryClient.resetQueries({ queryKey: [DEMO_QUERY_ROOT] });
    },
  };
}

function EngineCrashNotice({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div role="alert" className="flex items-center gap-4 rounded-xl border border-amber-300 bg-amber-50 px-4 py-3 text-lg text-amber-900">
      <span>The engine stopped ({message}); answers and scores in progress were lost.</span>
      <button type="button" onClick={onRetry} className="ml-auto rounded-lg border-2 border-amber-400 px-4 py-1 font-medium hover:bg-amber-100">
        Try again
      </button>
    </div>
  );
}
