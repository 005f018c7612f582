import * as Comlink from 'comlink';
import type { EngineApi, StreamedAnswer, StreamedToken, StreamRequest } from './engineApi';

export interface EngineHandle {
  api: Comlink.Remote<EngineApi>;
  worker: Worker;
}

let current: EngineHandle | null = null;
const crashListeners = new Set<(message: string) => void>();

/** The engine worker, started on first use and restarted after a crash. Browser only. */
export function engine(): Comlink.Remote<EngineApi> {
  if (current) return current.api;
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'merge-engine' });
  const handle: EngineHandle = { api: Comlink.wrap<EngineApi>(worker), worker };
  worker.addEventListener('error', (event) => {
    if (current === handle) current = null;
    worker.terminate();
    const message = event.message || 'the engine worker stopped unexpectedly';
    crashListeners.forEach((listener) => listener(message));
  });
  current = handle;
  return handle.api;
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
