/// <reference lib="webworker" />
/**
 * The engine as a browser worker builds it: zoo files over fetch, ORT threads when the page
 * is cross-origin isolated, WebGPU when the browser offers an adapter. Both workers (engine,
 * search) build theirs here. Worker only: onnxruntime-web is imported here and nowhere
 * on the UI thread.
 */
import * as ort from 'onnxruntime-web';
import { fetchZooFiles } from '@/lib/zoo/zooFiles';
import { Engine } from './engine';

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

/** A new engine for this worker: WebGPU when there is an adapter, the wasm backend always as the fallback. */
export async function createBrowserEngine(maxThreads = 4): Promise<Engine> {
  // Threads need SharedArrayBuffer, which needs cross-origin isolation (COOP/COEP headers).
  const isolated = self.crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, Math.min(maxThreads, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.wasm.numThreads = threads;
  const webgpu = await hasWebGpuAdapter();
  return new Engine(ort, fetchZooFiles, {
    backend: webgpu ? 'webgpu' : 'wasm',
    threads,
    crossOriginIsolated: isolated,
    executionProviders: webgpu ? ['webgpu', 'wasm'] : ['wasm'],
  });
}
