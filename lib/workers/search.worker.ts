/// <reference lib="webworker" />
// The search worker: its own engine, so the preview's worker stays free while a search runs.
import * as Comlink from 'comlink';
import { engineEvaluator } from './engineEvaluator';
import { hiMergingConfigSchema } from '@/lib/search/hiMerging';
import { searchCheckpointStore } from '@/lib/search/idbSearchCheckpoints';
import { parseSearchCheckpoint } from '@/lib/search/searchCheckpoint';
import { parseSearchConfig } from '@/lib/search/searchConfig';
import { SearchRunner } from '@/lib/search/searchWorkerRunner';
import type { Engine } from './engine';
import { createBrowserEngine } from './browserEngine';
import type { SearchWorkerApi } from './searchApi';

let engine: Promise<Engine> | null = null;
function ready(): Promise<Engine> {
  if (!engine) {
    // Half the cores at most, so the preview's engine keeps some.
    const started = createBrowserEngine(Math.max(1, Math.floor((navigator.hardwareConcurrency || 2) / 2)));
    started.catch(() => {
      if (engine === started) engine = null;
    });
    engine = started;
  }
  return engine;
}

const runner = new SearchRunner(async (request, signal) => engineEvaluator(await ready())(request, signal), searchCheckpointStore());

// Everything from the page is checked again here: the worker trusts no message.
const api: SearchWorkerApi = {
  startSearch: async (config, onEvent) => runner.startSearch(parseSearchConfig(config), onEvent),
  startHiMerging: async (config, onEvent) => runner.startHiMerging(hiMergingConfigSchema.parse(config), onEvent),
  resume: async (checkpoint, onEvent) => runner.resume(parseSearchCheckpoint(checkpoint), onEvent),
  cancel: async () => runner.cancel(),
};

Comlink.expose(api);
