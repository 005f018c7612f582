'use client';

import { useEffect, useRef, type KeyboardEvent } from 'react';
import { runFraction } from '@/lib/search/searchRunView';
import { SearchPanel } from './SearchPanel';
import { useSearchRunStore } from '@/lib/store/searchRunStore';

const SEARCH_DRAWER_ID = 'search-drawer';

/** The header button that opens the search drawer; it shows a running search's progress, or that one can be resumed. */
export function SearchToggle() {
  const open = useSearchRunStore((s) => s.open);
  const setOpen = useSearchRunStore((s) => s.setOpen);
  const run = useSearchRunStore((s) => s.run);
  const resumable = useSearchRunStore((s) => s.resumable);
  const running = run?.status === 'running';
  const fraction = running ? runFraction(run) : 0;
  // The label keeps its width (the header is full): a running search shows as a thin bar along the button's foot.
  return (
    <button
      type="button"
      id="search-toggle"
      aria-expanded={open}
      aria-controls={SEARCH_DRAWER_ID}
      onClick={() => setOpen(!open)}
      title={running ? `A search is running: ${Math.round(100 * fraction)}% of its budget spent` : resumable ? 'An unfinished search can be resumed' : undefined}
      className={`relative overflow-hidden rounded-md border px-3 py-1 text-sm font-medium ${open ? 'border-indigo-600 bg-indigo-600 text-white' : 'border-indigo-300 bg-indigo-50 text-indigo-800 hover:bg-indigo-100'}`}
    >
      Automated search
      {running ? (
        <>
          <span className="sr-only">(running, {Math.round(100 * fraction)}%)</span>
          <span aria-hidden="true" className="absolute bottom-0 left-0 h-1 bg-amber-400" style={{ width: `${Math.max(4, 100 * fraction)}%` }} />
        </>
      ) : resumable ? (
        <>
          <span className="sr-only">(one can be resumed)</span>
          <span aria-hidden="true" className="absolute right-1 top-1 h-1.5 w-1.5 rounded-full bg-amber-500" />
        </>
      ) : null}
    </button>
  );
}

/**
 * The search panel as a drawer over the right of the studio (inspector, and the right of the
 * canvas and results), leaving the canvas's left and the preview in view. It is not modal:
 * the canvas stays usable while a search runs, and closing it keeps the search going.
 * Place it in the studio grid, which must be `relative`.
 */
export function SearchDrawer({ className }: { className: string }) {
  const open = useSearchRunStore((s) => s.open);
  const setOpen = useSearchRunStore((s) => s.setOpen);
  const loadSaved = useSearchRunStore((s) => s.loadSaved);
  const close = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  useEffect(() => {
    void loadSaved();
  }, [loadSaved]);

  useEffect(() => {
    if (open) close.current?.focus();
    else if (wasOpen.current) document.getElementById('search-toggle')?.focus();
    wasOpen.current = open;
  }, [open]);

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      setOpen(false);
    }
  };

  return (
    <section
      id={SEARCH_DRAWER_ID}
      aria-labelledby="search-drawer-title"
      hidden={!open}
      onKeyDown={onKeyDown}
      className={`z-30 flex min-h-0 flex-col border-l border-slate-300 bg-white shadow-xl ${className}`}
    >
      <div className="flex items-center gap-2 border-b border-slate-200 px-3 py-1.5">
        <h2 id="search-drawer-title" className="text-sm font-semibold uppercase tracking-wide text-slate-600">
          Automated search
        </h2>
        <span className="text-xs text-slate-500">find merge recipes on the dev split; the studio stays usable while it runs</span>
        <button ref={close} type="button" onClick={() => setOpen(false)} aria-label="Close the search panel" className="ml-auto rounded px-2 text-lg leading-none text-slate-500 hover:bg-slate-100">
          ×
        </button>
      </div>
      <div className="min-h-0 flex-1">
        <SearchPanel />
      </div>
    </section>
  );
}
