'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { AnswerCards } from './AnswerCards';
import type { PreparedPrompt } from '@/lib/demo/demoRecipe';
import { answerQuery, type DemoColumn } from './engineQueries';

const NEXT_KEYS = new Set(['ArrowRight', 'PageDown', ' ', 'Spacebar']);
const PREVIOUS_KEYS = new Set(['ArrowLeft', 'PageUp']);

/** The step a key moves to, or null when the key is not a presenter key. */
function stepForKey(key: string, shiftKey: boolean, step: number, count: number): number | null {
  const delta = NEXT_KEYS.has(key) ? (key === ' ' && shiftKey ? -1 : 1) : PREVIOUS_KEYS.has(key) ? -1 : key === 'Home' ? -step : key === 'End' ? count - 1 - step : null;
  if (delta === null) return null;
  return Math.min(count - 1, Math.max(0, step + delta));
}

/**
 * Full-screen walkthrough of the prepared prompts: each step shows the prompt, the expected
 * answer and every model's answer with ✓/✗. → / ← , PageDown / PageUp (presentation
 * clickers) and Space step; Escape leaves.
 */
export function PresenterMode({
  columns,
  prompts,
  step,
  onStep,
  onClose,
}: {
  columns: readonly DemoColumn[];
  prompts: readonly PreparedPrompt[];
  step: number;
  onStep: (step: number) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDivElement>(null);
  const queryClient = useQueryClient();
  const current = prompts[step];
  const next = prompts[step + 1];

  useEffect(() => {
    dialog.current?.focus();
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
        return;
      }
      // A focused button handles its own Space and Enter.
      if (event.target instanceof HTMLButtonElement && (event.key === ' ' || event.key === 'Enter')) return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const to = stepForKey(event.key, event.shiftKey, step, prompts.length);
      if (to === null) return;
      event.preventDefault();
      if (to !== step) onStep(to);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [step, prompts.length, onStep, onClose]);

  // While the audience reads this step, the next one is answered in the background.
  useEffect(() => {
    if (!next) return;
    const timer = setTimeout(() => {
      for (const column of columns) {
        const { queryKey, queryFn, retry } = answerQuery('prefetch', column, next.prompt);
        void queryClient.prefetchQuery({ queryKey, queryFn, retry });
      }
    }, 500);
    return () => clearTimeout(timer);
  }, [next, columns, queryClient]);

  return (
    <div
      ref={dialog}
      role="dialog"
      aria-modal="true"
      aria-labelledby="presenter-heading"
      tabIndex={-1}
      className="fixed inset-0 z-50 flex flex-col overflow-y-auto bg-white px-10 py-6 focus:outline-none"
    >
      <div className="flex items-center gap-4">
        <h2 id="presenter-heading" className="text-xl font-semibold uppercase tracking-wide text-slate-500">
          Presenter mode
        </h2>
        <p className="text-xl text-slate-600" aria-live="polite" data-testid="presenter-step">
          Prompt {prompts.length === 0 ? 0 : step + 1} of {prompts.length}
          {current ? ` · ${current.skill}` : ''}
        </p>
        <button
          type="button"
          onClick={onClose}
          className="ml-auto rounded-lg border-2 border-slate-300 px-4 py-1.5 text-lg font-medium hover:bg-slate-100"
        >
          Exit presenter mode
        </button>
      </div>

      {current ? (
        <div className="flex flex-1 flex-col justify-center gap-8 py-6">
          <div>
            <div className="text-xl text-slate-500">Prompt</div>
            <p className="break-words font-mono text-5xl font-semibold text-slate-900" data-testid="presenter-prompt">
              {current.prompt}
            </p>
            <p className="mt-4 text-3xl text-slate-700">
              Expected answer:{' '}
              <span className="font-mono font-semibold text-emerald-700" data-testid="presenter-expected">
                {current.answer}
              </span>
            </p>
          </div>
          <AnswerCards surface="presenter" columns={columns} prompt={current.prompt} expected={current.answer} size="large" />
        </div>
      ) : (
        <p className="flex-1 py-10 text-2xl text-slate-600">No prepared prompts for this recipe.</p>
      )}

      <div className="flex items-center gap-4">
        <button
          type="button"
          onClick={() => onStep(step - 1)}
          disabled={step <= 0}
          className="rounded-lg border-2 border-slate-300 px-6 py-2 text-xl font-medium hover:bg-slate-100 disabled:opacity-40"
        >
          ← Previous prompt
        </button>
        <button
          type="button"
          onClick={() => onStep(step + 1)}
          disabled={step >= prompts.length - 1}
          className="rounded-lg bg-indigo-600 px-6 py-2 text-xl font-medium text-white hover:bg-indigo-700 disabled:opacity-40"
        >
          Next prompt →
        </button>
        <p className="ml-auto text-base text-slate-500">Keys: → / ← · PageDown / PageUp · Space · Esc to leave</p>
      </div>
    </div>
  );
}
