'use client';

import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { HiMergingConfig } from '@/lib/search/hiMerging';
import { searchCheckpointStore } from '@/lib/search/idbSearchCheckpoints';
import { isResumable, type SearchCheckpoint } from '@/lib/search/searchCheckpoint';
import type { SearchConfig } from '@/lib/search/searchConfig';
import { measuredRate, newHiMergingRun, newSpaceRun, runFromCheckpoint, withEvent, withOutcome, type SearchRun } from '@/lib/search/searchRunView';
import type { RunEvent, RunOutcome } from '@/lib/search/searchWorkerRunner';
import { onSearchWorkerCrash, searchWorker } from '@/lib/workers/searchClient';

interface SearchRunStore {
  open: boolean;
  run: SearchRun | null;
  /** The stored checkpoint a resume goes on from (null when nothing is resumable). */
  resumable: SearchCheckpoint | null;
  /** Set once the stored checkpoint has been read (or failed to be). */
  loaded: boolean;
  loadError: string | null;
  warning: string | null;
  /** Examples per second of this page's last space search, for estimates. */
  measuredRate: number | null;
  setOpen(open: boolean): void;
  loadSaved(): Promise<void>;
  startSearch(config: SearchConfig): void;
  startHiMerging(config: HiMergingConfig): void;
  resume(): void;
  cancel(): void;
  discard(): Promise<void>;
}

const store = () => searchCheckpointStore();

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let unsubscribeCrash: (() => void) | null = null;

export const useSearchRunStore = create<SearchRunStore>()((set, get) => {
  /** Runs a worker call, feeding its events into the store; one at a time. */
  const launch = (run: SearchRun, call: (onEvent: (event: RunEvent) => void) => Promise<RunOutcome>) => {
    set({ run: { ...run, status: 'running', error: null, rateFrom: null, lastEventAt: null }, resumable: null, warning: null });
    unsubscribeCrash ??= onSearchWorkerCrash((reason) => {
      const current = get().run;
      if (current?.status === 'running') set({ run: { ...current, status: 'failed', error: `the search worker stopped: ${reason}` } });
      void get().loadSaved();
    });
    const onEvent = (event: RunEvent) => {
      if (event.kind === 'not-saved') set({ warning: event.message });
      const current = get().run;
      if (current?.status === 'running') set({ run: withEvent(current, event, Date.now()) });
    };
    call(Comlink.proxy(onEvent)).then(
      (outcome) => {
        const current = get().run;
        if (!current) return;
        const done = withOutcome(current, outcome);
        set({ run: done, measuredRate: measuredRate(done) ?? get().measuredRate });
        if (outcome.status === 'cancelled') void get().loadSaved();
      },
      (error: unknown) => {
        const current = get().run;
        if (current) set({ run: { ...current, status: 'failed', error: message(error) } });
        void get().loadSaved();
      },
    );
  };

  return {
    open: false,
    run: null,
    resumable: null,
    loaded: false,
    loadError: null,
    warning: null,
    measuredRate: null,
    setOpen: (open) => set({ open }),

    loadSaved: async () => {
      try {
        const checkpoint = await store().load();
        // A run of this page keeps its own view; after a reload the stored one is on show.
        const shown = get().run;
        set({
          loaded: true,
          loadError: null,
          resumable: checkpoint && isResumable(checkpoint) && shown?.status !== 'running' ? checkpoint : null,
          ...(checkpoint && shown === null ? { run: runFromCheckpoint(checkpoint) } : {}),
        });
      } catch (error) {
        set({ loaded: true, loadError: message(error) });
      }
    },

    startSearch: (config) => {
      if (get().run?.status === 'running') return;
      launch(newSpaceRun(config), (onEvent) => searchWorker().startSearch(config, onEvent));
    },

    startHiMerging: (config) => {
      if (get().run?.status === 'running') return;
      launch(newHiMergingRun(config), (onEvent) => searchWorker().startHiMerging(config, onEvent));
    },

    resume: () => {
      const checkpoint = get().resumable;
      if (!checkpoint || get().run?.status === 'running') return;
      launch(runFromCheckpoint(checkpoint), (onEvent) => searchWorker().resume(checkpoint, onEvent));
    },

    cancel: () => {
      if (get().run?.status === 'running') void searchWorker().cancel();
    },

    discard: async () => {
      if (get().run?.status === 'running') return;
      try {
        await store().clear();
        set({ resumable: null, run: null, loadError: null });
      } catch (error) {
        set({ loadError: message(error) });
      }
    },
  };
});
