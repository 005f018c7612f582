/// <reference lib="webworker" />
// The engine worker (onnxruntime-web comes in through browserEngine.ts, never on the UI thread).
import * as Comlink from 'comlink';
import { createBrowserEngine } from './browserEngine';
import type { EngineApi } from './engineApi';

const ready = createBrowserEngine(4);

// Exposed synchronously, so no message from the page arrives before a listener exists.
const api: EngineApi = {
  info: async () => (await ready).info(),
  generate: async (channel, request) => (await ready).generate(channel, request),
  generateStream: async (channel, request, onToken) => (await ready).generateStream(channel, request, onToken),
  score: async (channel, request, onProgress) => (await ready).score(channel, request, onProgress),
  verifyReference: async (models) => (await ready).verifyReference(models),
  diagnostics: async (base, experts) => (await ready).diagnostics(base, experts),
};

Comlink.expose(api);
