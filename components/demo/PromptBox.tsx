'use client';

import { useState } from 'react';
import { useDebounced } from '@/components/hooks/useDebounced';
import { AnswerCards } from './AnswerCards';
import type { PreparedPrompt } from '@/lib/demo/demoRecipe';
import type { DemoColumn } from './engineQueries';

const TYPING_DELAY_MS = 300;

/** A live prompt box: prepared prompts to pick, or anything typed; every model answers side by side. */
export function PromptBox({ columns, prepared }: { columns: readonly DemoColumn[]; prepared: readonly PreparedPrompt[] }) {
  // Untouched, the box shows the first prepared prompt.
  const [prompt, setPrompt] = useState<string | null>(null);
  const shown = prompt ?? prepared[0]?.prompt ?? '';
  const asked = useDebounced(shown, TYPING_DELAY_MS);
  const expected = prepared.find((p) => p.prompt === asked)?.answer;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-2">
        <label htmlFor="demo-prompt" className="text-lg font-semibold text-slate-700">
          Prompt
        </label>
        <input
          id="demo-prompt"
          value={shown}
          onChange={(e) => setPrompt(e.target.value)}
          maxLength={100}
          spellCheck={false}
          autoComplete="off"
          className="w-full rounded-xl border-2 border-slate-300 bg-white px-4 py-3 font-mono text-3xl focus:border-indigo-500 focus:outline-none"
        />
      </div>
      {prepared.length > 0 ? (
        <div role="group" aria-label="Prepared prompts" className="flex flex-wrap gap-2">
          {prepared.map((p) => (
            <button
              key={p.prompt}
              type="button"
              onClick={() => setPrompt(p.prompt)}
              aria-pressed={p.prompt === shown}
              className="rounded-full border-2 border-slate-300 bg-white px-4 py-1.5 font-mono text-lg hover:bg-slate-100 aria-pressed:border-indigo-500 aria-pressed:bg-indigo-50"
            >
              {p.prompt}
            </button>
          ))}
        </div>
      ) : null}
      {expected !== undefined ? (
        <p className="text-xl text-slate-700">
          Expected answer: <span className="font-mono font-semibold" data-testid="demo-expected">{expected}</span>
        </p>
      ) : null}
      {asked ? <AnswerCards surface="prompt" columns={columns} prompt={asked} expected={expected} /> : null}
    </div>
  );
}
