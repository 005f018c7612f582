import * as Comlink from 'comlink';
import { isSuperseded, type EngineApi, type StreamedAnswer, type StreamedToken, type StreamRequest } from './engineApi';

type Call<F> = F extends (...args: infer A) => infer R ? (...args: A) => R : never;

/** The engine's requests as the page sends them through comlink. */
export type EngineCalls = { readonly [K in keyof EngineApi]: Call<Comlink.Remote<EngineApi>[K]> };

/** A request that was running when the engine worker crashed; sent again, it runs on a fresh worker. */
export class EngineCrashed extends Error {
  constructor(reason: string) {
    super(`the engine stopped while working on this (${reason})`);
    this.name = 'EngineCrashed';
  }
}

/** The calls of one worker, and `crash` to reject every one still waiting on it. */
export interface GuardedEngine {
  readonly calls: EngineCalls;
  crash(reason: string): void;
}

/**
 * Each call answers as `remote` does, or rejects with `EngineCrashed` when `crash` is called
 * first: a dead worker never answers, and what waits on it must not wait forever.
 */
export function guardedCalls(remote: Comlink.Remote<EngineApi>): GuardedEngine {
  const waiting = new Set<(error: EngineCrashed) => void>();
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      new Promise<R>((resolve, reject) => {
        waiting.add(reject);
        call(...args)
          .then(resolve, reject)
          .finally(() => waiting.delete(reject));
      });
  return {
    calls: {
      info: guard(remote.info),
      generate: guard(remote.generate),
      generateStream: guard(remote.generateStream),
      score: guard(remote.score),
      diagnostics: guard(remote.diagnostics),
      verifyReference: guard(remote.verifyReference),
    },
    crash: (reason) => {
      const error = new EngineCrashed(reason);
      waiting.forEach((reject) => reject(error));
      waiting.clear();
    },
  };
}

/** How often a request that died with the worker is sent again before its failure is shown. */
export const CRASH_RETRIES = 1;

/** react-query's `retry` for engine requests: a superseded one always, one that died with the worker once more. */
export function retryEngineRequest(failures: number, error: Error): boolean {
  return isSuperseded(error) || (error instanceof EngineCrashed && failures < CRASH_RETRIES);
}

let current: EngineCalls | null = null;
const crashListeners = new Set<(message: string) => void>();

/** The engine worker, started on first use and restarted after a crash. Browser only. */
export function engine(): EngineCalls {
  if (current) return current;
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'merge-engine' });
  const { calls, crash } = guardedCalls(Comlink.wrap<EngineApi>(worker));
  worker.addEventListener('error', (event) => {
    if (current === calls) current = null;
    worker.terminate();
    const message = event.message || 'the engine worker stopped unexpectedly';
    crash(message);
    crashListeners.forEach((listener) => listener(message));
  });
  current = calls;
  return calls;
}

/** Called with a message when the worker crashes; the next request starts a fresh one. */
export function onEngineCrash(listener: (message: string) => void): () => void {
  crashListeners.add(listener);
  return () => crashListeners.delete(listener);
}

/** One answer streamed from the engine worker: `onToken` runs on this thread as each token arrives. */
export function generateStream(channel: string, request: StreamRequest, onToken: (token: StreamedToken) => void): Promise<StreamedAnswer> {
  return engine().generateStream(channel, request, Comlink.proxy(onToken));
}
