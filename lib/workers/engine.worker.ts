/// <reference lib="webworker" />
// The engine worker: onnxruntime-web is imported here and nowhere on the UI thread.
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import { fetchZooFiles } from '@/lib/zoo/zooFiles';
import { Engine } from './engine';
import type { EngineApi } from './engineApi';

// Threads need SharedArrayBuffer, which needs cross-origin isolation (COOP/COEP headers).
const isolated = self.crossOriginIsolated === true;
const threads = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
ort.env.wasm.numThreads = threads;

type GpuNavigator = Navigator & { gpu?: { requestAdapter(): Promise<object | null> } };

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as GpuNavigator).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

// WebGPU when the browser offers an adapter; the wasm backend always works and stays the fallback.
const ready: Promise<Engine> = hasWebGpuAdapter().then(
  (webgpu) =>
    new Engine(ort, fetchZooFiles, {
      backend: webgpu ? 'webgpu' : 'wasm',
      threads,
      crossOriginIsolated: isolated,
      executionProviders: webgpu ? ['webgpu', 'wasm'] : ['wasm'],
    }),
);

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
