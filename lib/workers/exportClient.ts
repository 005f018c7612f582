import * as Comlink from 'comlink';
import type { Recipe } from '@/lib/recipe/schema';
import type { ExportApi, ExportedModel, ExportProgress } from './exportApi';

export interface RunningExport {
  result: Promise<ExportedModel>;
  /** Stops the export (its worker is ended); `result` rejects with an ExportCancelled. */
  cancel(): void;
}

export class ExportCancelled extends Error {
  override readonly name = 'ExportCancelled';
  constructor() {
    super('the export was cancelled');
  }
}

/**
 * Merges `recipe` and zips it in a worker of its own, started for this export and ended after
 * it, so the merged weights never stay in memory. Browser only.
 */
export function exportMergedModel(recipe: Recipe, onProgress: (progress: ExportProgress) => void): RunningExport {
  const worker = new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module', name: 'model-export' });
  const api = Comlink.wrap<ExportApi>(worker);
  let stop: (reason: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  worker.addEventListener('error', (event) => stop(new Error(event.message || 'the export worker stopped unexpectedly')));
  const result = Promise.race([api.exportModel(recipe, Comlink.proxy(onProgress)), stopped]).finally(() => worker.terminate());
  return { result, cancel: () => stop(new ExportCancelled()) };
}
