/**
 * Runs one search at a time (a space search or Hi-Merging) for the search worker: keeps its
 * checkpoint in a store after every step, reports each step, and stops at once on cancel.
 * The worker wires it to an engine and IndexedDB; tests wire it to a synthetic scorer and
 * memory, so everything but the wiring runs in Node.
 */
import { runHiMerging, type HiMergingConfig, type HiMergingResult, type HiMergingStep } from './hiMerging';
import { initialSearchState, runSearch, type Evaluate, type SearchState, type TrialRecord } from './searchLoop';
import { type HiMergingCheckpoint, type HiMergingPhase, type SearchCheckpoint, type SearchCheckpointStore } from './searchCheckpoint';
import type { SearchConfig } from './searchConfig';

export type RunEvent =
  | { kind: 'trial'; trial: TrialRecord; spent: number; budget: number }
  | { kind: 'hi-merging'; phase: HiMergingPhase; spent: number; steps: HiMergingStep[] }
  /** The checkpoint could not be stored: the search goes on, but cannot resume after a reload. */
  | { kind: 'not-saved'; message: string };

export type RunOutcome =
  | { kind: 'search'; status: 'finished' | 'cancelled'; state: SearchState }
  | { kind: 'hi-merging'; status: 'finished'; result: HiMergingResult }
  | { kind: 'hi-merging'; status: 'cancelled'; steps: HiMergingStep[]; spent: number };

export const ALREADY_RUNNING = 'a search is already running: cancel it first';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The evaluation, or a rejection as soon as the signal aborts (the engine finishes its batch on its own). */
function abortable(evaluate: Evaluate): Evaluate {
  return (request, signal) => {
    if (!signal) return evaluate(request);
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      evaluate(request, signal).then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  };
}

export class SearchRunner {
  private controller: AbortController | null = null;
  private readonly evaluate: Evaluate;

  constructor(
    evaluate: Evaluate,
    private readonly store: SearchCheckpointStore,
    private readonly now: () => number = Date.now,
  ) {
    this.evaluate = abortable(evaluate);
  }

  get running(): boolean {
    return this.controller !== null;
  }

  cancel(): void {
    this.controller?.abort(new DOMException('the search was cancelled', 'AbortError'));
  }

  startSearch(config: SearchConfig, onEvent: (event: RunEvent) => void): Promise<RunOutcome> {
    return this.search(initialSearchState(config), onEvent);
  }

  startHiMerging(config: HiMergingConfig, onEvent: (event: RunEvent) => void): Promise<RunOutcome> {
    return this.hiMerging({ kind: 'hi-merging', status: 'running', savedAt: this.now(), config, memo: {}, steps: [], spent: 0, phase: 'model-wise', result: null }, onEvent);
  }

  /** Goes on from a stored checkpoint: the same trials an uninterrupted run would have made. */
  resume(checkpoint: SearchCheckpoint, onEvent: (event: RunEvent) => void): Promise<RunOutcome> {
    return checkpoint.kind === 'search' ? this.search(checkpoint.state, onEvent) : this.hiMerging(checkpoint, onEvent);
  }

  private begin(): AbortSignal {
    if (this.controller) throw new Error(ALREADY_RUNNING);
    this.controller = new AbortController();
    return this.controller.signal;
  }

  /** Saves in order; a failure is reported once per run and does not stop the search. */
  private saver(onEvent: (event: RunEvent) => void): { save: (checkpoint: SearchCheckpoint) => Promise<void> } {
    let queue = Promise.resolve();
    let reported = false;
    const report = (error: unknown) => {
      if (reported) return;
      reported = true;
      onEvent({ kind: 'not-saved', message: `the search cannot resume after a reload: ${message(error)}` });
    };
    return {
      save: (checkpoint) => (queue = queue.then(() => this.store.save(checkpoint)).catch(report)),
    };
  }

  private async search(from: SearchState, onEvent: (event: RunEvent) => void): Promise<RunOutcome> {
    const signal = this.begin();
    const { save } = this.saver(onEvent);
    let latest = from;
    const checkpoint = (state: SearchState, status: SearchCheckpoint['status'], error?: string): SearchCheckpoint => ({
      kind: 'search',
      status,
      savedAt: this.now(),
      state,
      ...(error === undefined ? {} : { error }),
    });
    try {
      await save(checkpoint(from, 'running'));
      const state = await runSearch(from.config, this.evaluate, {
        resume: from,
        signal,
        onCheckpoint: async (current, trial) => {
          latest = structuredClone(current);
          await save(checkpoint(latest, 'running'));
          onEvent({ kind: 'trial', trial, spent: current.spent, budget: current.config.budget });
        },
      });
      await save(checkpoint(state, 'finished'));
      return { kind: 'search', status: 'finished', state };
    } catch (error) {
      if (signal.aborted) {
        await save(checkpoint(latest, 'stopped'));
        return { kind: 'search', status: 'cancelled', state: latest };
      }
      await save(checkpoint(latest, 'stopped', message(error)));
      throw error;
    } finally {
      this.controller = null;
    }
  }

  private async hiMerging(from: HiMergingCheckpoint, onEvent: (event: RunEvent) => void): Promise<RunOutcome> {
    const signal = this.begin();
    const { save } = this.saver(onEvent);
    let latest: HiMergingCheckpoint = { ...from, status: 'running', savedAt: this.now() };
    try {
      await save(latest);
      const result = await runHiMerging(from.config, this.evaluate, {
        memo: from.memo,
        signal,
        onProgress: ({ phase, spent, memo, steps }) => {
          // Copies: the run keeps adding to both.
          latest = { ...latest, savedAt: this.now(), memo: { ...memo }, steps: [...steps], spent, phase };
          void save(latest);
          onEvent({ kind: 'hi-merging', phase, spent, steps: [...steps] });
        },
      });
      await save({ ...latest, status: 'finished', savedAt: this.now(), steps: result.steps, spent: result.spent, phase: 'final', result });
      return { kind: 'hi-merging', status: 'finished', result };
    } catch (error) {
      const stopped: HiMergingCheckpoint = { ...latest, status: 'stopped', savedAt: this.now() };
      if (signal.aborted) {
        await save(stopped);
        return { kind: 'hi-merging', status: 'cancelled', steps: latest.steps, spent: latest.spent };
      }
      await save({ ...stopped, error: message(error) });
      throw error;
    } finally {
      this.controller = null;
    }
  }
}
