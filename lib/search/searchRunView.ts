/**
 * A search as the page shows it: status, examples spent, and the trials (or Hi-Merging's
 * steps) reported so far, built from the worker's events or from a stored checkpoint.
 * Plain functions, so the panel's store (lib/store/searchRunStore.ts) only wires them to the worker.
 */
import type { HiMergingConfig, HiMergingResult, HiMergingStep } from './hiMerging';
import type { TrialRecord } from './searchLoop';
import type { HiMergingPhase, SearchCheckpoint } from './searchCheckpoint';
import type { SearchConfig } from './searchConfig';
import { hiMergingCostBound } from './searchCost';
import { budgetFraction } from './searchResults';
import type { RunEvent, RunOutcome } from './searchWorkerRunner';

/**
 * running: in the search worker now; interrupted: saved by an earlier page (or run) that did
 * not finish, resumable; cancelled, failed (resumable too) and finished: over.
 */
export type RunStatus = 'running' | 'interrupted' | 'cancelled' | 'failed' | 'finished';

interface RunBase {
  status: RunStatus;
  spent: number;
  error: string | null;
  /**
   * This page's first event of the run and its latest one: the measured rate runs between
   * them, so the models' first load and a resumed run's earlier trials do not count.
   */
  rateFrom: { at: number; spent: number } | null;
  lastEventAt: number | null;
}

export interface SpaceRun extends RunBase {
  kind: 'search';
  config: SearchConfig;
  trials: TrialRecord[];
}

export interface HiMergingRun extends RunBase {
  kind: 'hi-merging';
  config: HiMergingConfig;
  steps: HiMergingStep[];
  phase: HiMergingPhase;
  /** Examples Hi-Merging counts at most, the progress bar's end. */
  bound: number;
  result: HiMergingResult | null;
}

export type SearchRun = SpaceRun | HiMergingRun;

export function newSpaceRun(config: SearchConfig): SpaceRun {
  return { kind: 'search', status: 'running', config, trials: [], spent: 0, error: null, rateFrom: null, lastEventAt: null };
}

export function newHiMergingRun(config: HiMergingConfig): HiMergingRun {
  return { kind: 'hi-merging', status: 'running', config, steps: [], phase: 'model-wise', bound: hiMergingCostBound(config).examples, result: null, spent: 0, error: null, rateFrom: null, lastEventAt: null };
}

/** The run a stored checkpoint shows: its trials or steps, and whether it can go on. */
export function runFromCheckpoint(checkpoint: SearchCheckpoint): SearchRun {
  const status: RunStatus = checkpoint.status === 'finished' ? 'finished' : checkpoint.error ? 'failed' : 'interrupted';
  const base = { status, error: checkpoint.error ?? null, rateFrom: null, lastEventAt: null };
  if (checkpoint.kind === 'search') {
    return { ...base, kind: 'search', config: checkpoint.state.config, trials: checkpoint.state.trials, spent: checkpoint.state.spent };
  }
  return {
    ...base,
    kind: 'hi-merging',
    config: checkpoint.config,
    steps: checkpoint.result?.steps ?? checkpoint.steps,
    phase: checkpoint.phase,
    bound: hiMergingCostBound(checkpoint.config).examples,
    result: checkpoint.result,
    spent: checkpoint.spent,
  };
}

export function withEvent(run: SearchRun, event: RunEvent, now: number): SearchRun {
  if (event.kind === 'trial' && run.kind === 'search') {
    return { ...run, trials: [...run.trials, event.trial], spent: event.spent, rateFrom: run.rateFrom ?? { at: now, spent: event.spent }, lastEventAt: now };
  }
  if (event.kind === 'hi-merging' && run.kind === 'hi-merging') return { ...run, steps: event.steps, spent: event.spent, phase: event.phase };
  return run;
}

export function withOutcome(run: SearchRun, outcome: RunOutcome): SearchRun {
  const status: RunStatus = outcome.status === 'finished' ? 'finished' : 'cancelled';
  if (outcome.kind === 'search' && run.kind === 'search') return { ...run, status, trials: outcome.state.trials, spent: outcome.state.spent };
  if (outcome.kind === 'hi-merging' && run.kind === 'hi-merging') {
    return outcome.status === 'finished'
      ? { ...run, status, result: outcome.result, steps: outcome.result.steps, spent: outcome.result.spent, phase: 'final' }
      : { ...run, status, steps: outcome.steps, spent: outcome.spent };
  }
  return { ...run, status };
}

/**
 * Examples per second a space search has scored in this page (null before two trials a
 * second apart). Hi-Merging counts examples answered from its memo too, so it measures nothing.
 */
export function measuredRate(run: SearchRun): number | null {
  if (run.kind !== 'search' || run.rateFrom === null || run.lastEventAt === null) return null;
  const seconds = (run.lastEventAt - run.rateFrom.at) / 1000;
  const examples = run.spent - run.rateFrom.spent;
  return seconds >= 1 && examples > 0 ? examples / seconds : null;
}

/** Share of the run's budget (Hi-Merging: of its bound) spent. */
export function runFraction(run: SearchRun): number {
  return budgetFraction(run.spent, run.kind === 'search' ? run.config.budget : run.bound, run.status === 'finished');
}
