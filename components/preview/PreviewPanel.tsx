'use client';

import { useState } from 'react';
import { useEvalIndex } from '@/components/hooks/useZoo';
import { useActiveRecipe } from '@/components/hooks/useActiveRecipe';
import type { Decoding } from '@/lib/workers/engineApi';
import { AnswerText, ProbabilityLegend } from './AnswerText';
import { DecodingSettings, DEFAULT_SAMPLING, decodingOf, type SamplingValues } from './DecodingSettings';
import { useStreamedAnswers, type ColumnAnswer, type PreviewColumn } from './useStreamedAnswers';

const MAX_NEW_TOKENS = 24;

export function PreviewPanel() {
  const [prompt, setPrompt] = useState('add: 12+34=');
  const [mode, setMode] = useState<Decoding['mode']>('greedy');
  const [sampling, setSampling] = useState<SamplingValues>(DEFAULT_SAMPLING);
  const [coloured, setColoured] = useState(false);
  const active = useActiveRecipe();
  const evals = useEvalIndex();
  const columns: PreviewColumn[] = [];
  if (active.recipe && active.stage) {
    columns.push({
      label: `${active.stage} (merged)`,
      key: `merge:${active.stage}:${active.key}`,
      channel: `preview:merge:${active.stage}`,
      target: { kind: 'merge', recipe: active.recipe, stage: active.stage },
    });
  }
  for (const id of active.sources) columns.push({ label: id, key: `zoo:${id}`, channel: `preview:zoo:${id}`, target: { kind: 'zoo', id } });

  // One stream per column: a slider move regenerates the merge only; sources come from the cache.
  const { answers, updating, failure } = useStreamedAnswers(columns, prompt, decodingOf(mode, sampling), MAX_NEW_TOKENS);
  const merged = active.recipe && active.stage && answers[0]?.state === 'done' ? answers[0].answer : undefined;
  const skills = evals.data?.skills ?? [];

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
      <div className="mt-2 flex items-center gap-2">
        <label className="text-xs text-slate-600" htmlFor="preview-prompt">
          Prompt
        </label>
        <input
          id="preview-prompt"
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-1 font-mono text-sm"
          maxLength={100}
        />
        <select
          aria-label="Example prompt"
          value={skills.some((s) => s.examples.includes(prompt)) ? prompt : ''}
          onChange={(e) => e.target.value && setPrompt(e.target.value)}
          className="w-32 rounded border border-slate-300 px-1 py-1 text-xs"
        >
          <option value="">Examples…</option>
          {skills.map((skill) => (
            <optgroup key={skill.id} label={skill.id}>
              {skill.examples.map((example) => (
                <option key={example} value={example}>
                  {example}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
      <div className="mt-2 flex flex-wrap gap-1" role="group" aria-label="Example prompts">
        {skills.map((skill) => {
          const example = skill.examples[0];
          return example ? (
            <button
              key={skill.id}
              type="button"
              onClick={() => setPrompt(example)}
              aria-pressed={prompt === example}
              className="rounded-full border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 aria-pressed:border-indigo-400 aria-pressed:bg-indigo-50"
              title={`${skill.description} Example: ${example}`}
            >
              {skill.id}
            </button>
          ) : null;
        })}
      </div>
      <DecodingSettings mode={mode} onMode={setMode} sampling={sampling} onSampling={setSampling} coloured={coloured} onColoured={setColoured} />
      {coloured ? (
        <div className="mt-1 flex items-center gap-2 text-[10px] text-slate-500">
          <span aria-hidden="true">Probability of each token:</span>
          <ProbabilityLegend />
        </div>
      ) : null}
      {columns.length === 0 ? (
        <p className="mt-3 text-sm text-slate-500">Connect models to a merge node to see the merged model answer here.</p>
      ) : (
        <div className="mt-2 grid min-h-0 flex-1 auto-rows-min gap-2 overflow-y-auto" style={{ gridTemplateColumns: `repeat(${columns.length}, minmax(0, 1fr))` }}>
          {columns.map((column, i) => (
            <AnswerColumn key={column.channel} label={column.label} answer={answers[i] ?? { state: 'waiting' }} coloured={coloured} />
          ))}
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

function AnswerColumn({ label, answer, coloured }: { label: string; answer: ColumnAnswer; coloured: boolean }) {
  const streaming = answer.state === 'streaming';
  const tokens = answer.state === 'done' ? answer.answer.tokens : answer.state === 'waiting' ? [] : answer.tokens;
  const unfinished = answer.state === 'done' && !answer.answer.finished;
  return (
    <div className="rounded border border-slate-200 p-2" role="group" aria-label={`Answer of ${label}`} aria-busy={answer.state !== 'done'} data-state={answer.state}>
      <div className="truncate text-xs font-semibold text-slate-600">{label}</div>
      <div className="flex items-baseline">
        <AnswerText tokens={tokens} empty={answer.state === 'done' ? '∅' : '…'} coloured={coloured} dim={answer.state === 'stale'} />
        {streaming ? (
          <span aria-hidden="true" className="ml-0.5 animate-pulse font-mono text-sm text-indigo-500">
            ▍
          </span>
        ) : null}
      </div>
      {unfinished ? <div className="text-[10px] text-amber-700">no newline within {MAX_NEW_TOKENS} tokens</div> : null}
    </div>
  );
}
