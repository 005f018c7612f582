'use client';

import type { ReactNode } from 'react';
import { budgetFraction } from '@/lib/search/searchResults';
import type { RunStatus } from '@/lib/search/searchRunView';

const STATUS_TEXT: Record<RunStatus, string> = {
  running: 'Running',
  interrupted: 'Stopped before the end',
  cancelled: 'Cancelled',
  failed: 'Failed',
  finished: 'Finished',
};

/** Examples spent against the budget, what the run is doing, and Cancel while it runs. */
export function RunProgress({ status, spent, budget, detail, error, onCancel }: { status: RunStatus; spent: number; budget: number; detail: ReactNode; error: string | null; onCancel(): void }) {
  const fraction = budgetFraction(spent, budget, status === 'finished');
  const percent = Math.round(100 * fraction);
  return (
    <div className="space-y-1" data-testid="search-progress" data-state={status}>
      <div className="flex items-center gap-2">
        <div
          role="progressbar"
          aria-label="Search progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${spent.toLocaleString('en')} of ${budget.toLocaleString('en')} examples${status === 'finished' ? ', finished' : ''}`}
          className="h-2 flex-1 overflow-hidden rounded bg-slate-200"
        >
          <div className={`h-full ${status === 'failed' ? 'bg-red-500' : status === 'running' ? 'bg-indigo-500' : 'bg-indigo-700'}`} style={{ width: `${percent}%` }} />
        </div>
        {status === 'running' ? (
          <button type="button" onClick={onCancel} className="rounded border border-red-200 px-2 py-0.5 text-xs text-red-700 hover:bg-red-50">
            Cancel
          </button>
        ) : null}
      </div>
      <p role="status" className="text-xs text-slate-600">
        <span className="font-semibold">{STATUS_TEXT[status]}</span>: {detail}
      </p>
      {error ? (
        <p role="alert" className="text-xs text-red-700">
          The search stopped: {error}
        </p>
      ) : null}
    </div>
  );
}
