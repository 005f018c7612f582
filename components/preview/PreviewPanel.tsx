'use client';

import { keepPreviousData, useQueries } from '@tanstack/react-query';
import { useState } from 'react';
import { useEvalIndex } from '@/components/library/useZoo';
import { useActiveRecipe } from '@/components/studio/useActiveRecipe';
import { isSuperseded, type ModelTarget } from '@/lib/workers/engineApi';
import { engine } from '@/lib/workers/engineClient';

const MAX_NEW_TOKENS = 24;

export function PreviewPanel() {
  const [prompt, setPrompt] = useState('add: 12+34=');
  const active = useActiveRecipe();
  const evals = useEvalIndex();
  const columns: Array<{ label: string; key: string; target: ModelTarget }> = [];
  if (active.recipe && active.stage) {
    columns.push({ label: `${active.stage} (merged)`, key: `merge:${active.stage}:${active.key}`, target: { kind: 'merge', recipe: active.recipe, stage: active.stage } });
  }
  for (const id of active.sources) columns.push({ label: id, key: `zoo:${id}`, target: { kind: 'zoo', id } });

  // One query per column: a slider move regenerates the merge only; sources come from the cache.
  const answers = useQueries({
    queries: columns.map((column) => ({
      queryKey: ['preview', column.key, prompt],
      enabled: prompt.length > 0,
      placeholderData: keepPreviousData,
      retry: (_: number, error: Error) => isSuperseded(error),
      queryFn: () => engine().generate(`preview:${column.key.split(':', 2).join(':')}`, { targets: [column.target], prompt, maxNewTokens: MAX_NEW_TOKENS }),
    })),
  });
  const updating = answers.some((a) => a.isFetching || a.isPlaceholderData);
  const failure = answers.find((a) => a.isError && !isSuperseded(a.error))?.error;
  const merged = active.recipe && active.stage ? answers[0]?.data : undefined;

  return (
    <section
      aria-labelledby="preview-heading"
      className="flex min-h-0 flex-col border-r border-slate-200 p-3"
      data-testid="preview"
      data-state={updating ? 'updating' : 'ready'}
    >
      <h2 id="preview-heading" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
        Preview
      </h2>
      <label className="mt-2 block text-xs text-slate-600" htmlFor="preview-prompt">
        Prompt (greedy decoding until a newline)
      </label>
      <input
        id="preview-prompt"
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
        className="mt-1 w-full rounded border border-slate-300 px-2 py-1 font-mono text-sm"
        maxLength={100}
      />
      <div className="mt-2 flex flex-wrap gap-1" aria-label="Example prompts">
        {evals.data?.skills.map((skill) => {
          const example = skill.examples[0];
          return example ? (
            <button
              key={skill.id}
              type="button"
              onClick={() => setPrompt(example)}
              className="rounded-full border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100"
              title={skill.description}
            >
              {skill.id}
            </button>
          ) : null;
        })}
      </div>
      {columns.length === 0 ? (
        <p className="mt-3 text-sm text-slate-500">Connect models to a merge node to see the merged model answer here.</p>
      ) : (
        <div className="mt-3 grid min-h-0 flex-1 auto-rows-min gap-2 overflow-y-auto" style={{ gridTemplateColumns: `repeat(${columns.length}, minmax(0, 1fr))` }}>
          {columns.map((column, i) => {
            const output = answers[i]?.data?.outputs[0];
            return (
              <div key={column.label} className="rounded border border-slate-200 p-2" role="group" aria-label={`Answer of ${column.label}`}>
                <div className="truncate text-xs font-semibold text-slate-600">{column.label}</div>
                <output className="mt-1 block whitespace-pre-wrap break-all font-mono text-sm" data-testid="preview-answer">
                  {output ? output.text || '∅' : '…'}
                </output>
                {output && !output.finished ? <div className="text-[10px] text-amber-700">no newline within {MAX_NEW_TOKENS} tokens</div> : null}
              </div>
            );
          })}
        </div>
      )}
      {failure ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          Preview failed: {failure.message}
        </p>
      ) : null}
      {merged ? (
        <p className="mt-1 text-[10px] text-slate-400">
          merge {merged.mergeMs.toFixed(0)} ms · generation {merged.generateMs.toFixed(0)} ms
        </p>
      ) : null}
    </section>
  );
}
