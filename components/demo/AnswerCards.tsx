'use client';

import { useQueries } from '@tanstack/react-query';
import { isSuperseded } from '@/lib/workers/engineApi';
import { isCorrect } from '@/lib/demo/demoRecipe';
import { DEMO_MAX_NEW_TOKENS, answerQuery, type DemoColumn } from './engineQueries';

const SIZES = {
  normal: { label: 'text-lg', answer: 'text-3xl', mark: 'text-3xl', pad: 'p-4' },
  large: { label: 'text-2xl', answer: 'text-4xl', mark: 'text-5xl', pad: 'p-5' },
} as const;

/**
 * Each model's answer to one prompt, side by side, the merged model first. With an expected
 * answer, each gets ✓ or ✗ (exact match, as the scores count it). Engine errors are shown
 * in the card they belong to.
 */
export function AnswerCards({
  surface,
  columns,
  prompt,
  expected,
  size = 'normal',
}: {
  /** Which part of the page asks (engine requests of one surface supersede each other per model). */
  surface: string;
  columns: readonly DemoColumn[];
  prompt: string;
  expected?: string;
  size?: keyof typeof SIZES;
}) {
  const answers = useQueries({ queries: columns.map((c) => answerQuery(surface, c, prompt)) });
  const s = SIZES[size];
  return (
    <div className="grid gap-4" style={{ gridTemplateColumns: `repeat(${columns.length}, minmax(0, 1fr))` }}>
      {columns.map((column, i) => {
        const answer = answers[i];
        const output = answer?.data;
        const failed = answer?.isError && !isSuperseded(answer.error) ? answer.error : null;
        const correct = output && expected !== undefined ? isCorrect(output, expected) : null;
        return (
          <section
            key={column.key}
            aria-label={`Answer of ${column.label}`}
            data-state={output ? 'answered' : failed ? 'failed' : 'waiting'}
            className={`min-w-0 rounded-xl border-2 ${s.pad} ${column.merged ? 'border-indigo-400 bg-indigo-50' : 'border-slate-200 bg-white'}`}
          >
            <h3 className={`truncate font-semibold text-slate-700 ${s.label}`} title={column.label}>
              {column.label}
            </h3>
            {failed ? (
              <p role="alert" className="mt-2 text-base text-red-800">
                Could not answer: {failed.message}
              </p>
            ) : (
              <div className="mt-2 flex items-baseline justify-between gap-3">
                <output className={`min-w-0 break-all font-mono font-semibold text-slate-900 ${s.answer}`} data-testid="demo-answer">
                  {output ? output.text || '∅' : <span className="text-slate-400" aria-label="thinking">…</span>}
                </output>
                {correct === null ? null : (
                  <span
                    className={`shrink-0 font-bold ${s.mark} ${correct ? 'text-emerald-600' : 'text-red-600'}`}
                    role="img"
                    aria-label={correct ? 'correct' : 'wrong'}
                  >
                    {correct ? '✓' : '✗'}
                  </span>
                )}
              </div>
            )}
            {output && !output.finished ? (
              <p className="mt-1 text-sm text-amber-700">no end of answer within {DEMO_MAX_NEW_TOKENS} tokens</p>
            ) : null}
          </section>
        );
      })}
    </div>
  );
}
