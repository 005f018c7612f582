import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ZooFiles } from '@/lib/zoo/zooFiles';

/**
 * The engine's file access in Node: site paths (`/models/…`, `/evals/…`) map to the
 * repository's `public/` folder; `extraModels` maps further model ids to folders anywhere
 * (a merge written by the CLI, a downloaded checkpoint in Hugging Face layout).
 */
export function nodeZooFiles(publicRoot: string, extraModels: ReadonlyMap<string, string> = new Map()): ZooFiles {
  const resolve = (sitePath: string): string => {
    const match = /^\/models\/([^/]+)\/(.+)$/.exec(sitePath);
    const folder = match?.[1] !== undefined ? extraModels.get(decodeURIComponent(match[1])) : undefined;
    if (folder !== undefined && match?.[2] !== undefined) return path.join(folder, match[2]);
    return path.join(publicRoot, ...sitePath.split('/').filter(Boolean).map(decodeURIComponent));
  };
  return {
    bytes: async (sitePath) => new Uint8Array(await readFile(resolve(sitePath))),
    text: async (sitePath) => readFile(resolve(sitePath), 'utf8'),
  };
}

export const REPO_PUBLIC = path.resolve(import.meta.dirname, '..', '..', 'public');
