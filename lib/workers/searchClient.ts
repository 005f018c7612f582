import * as Comlink from 'comlink';
import type { SearchWorkerApi } from './searchApi';

let current: { api: Comlink.Remote<SearchWorkerApi>; worker: Worker } | null = null;
const crashListeners = new Set<(message: string) => void>();

/** The search worker, started on first use and restarted after a crash. Browser only. */
export function searchWorker(): Comlink.Remote<SearchWorkerApi> {
  if (current) return current.api;
  const worker = new Worker(new URL('./search.worker.ts', import.meta.url), { type: 'module', name: 'merge-search' });
  const handle = { api: Comlink.wrap<SearchWorkerApi>(worker), worker };
  worker.addEventListener('error', (event) => {
    if (current === handle) current = null;
    worker.terminate();
    const message = event.message || 'the search worker stopped unexpectedly';
    crashListeners.forEach((listener) => listener(message));
  });
  current = handle;
  return handle.api;
}

/** Called with a message when the search worker crashes; the next request starts a fresh one. */
export function onSearchWorkerCrash(listener: (message: string) => void): () => void {
  crashListeners.add(listener);
  return () => crashListeners.delete(listener);
}
