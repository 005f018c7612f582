import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { architectureFor } from '@/lib/arch';
import { fileByteSource, type FileByteSource } from '@/lib/formats/fileByteSource';
import { parseLlamaConfig, type LlamaConfig } from '@/lib/formats/hfConfig';
import { openSafetensors } from '@/lib/formats/safetensors';
import type { ModelSource } from '@/lib/merge/executor';
import { safetensorsModelSource } from '@/lib/merge/safetensorsSource';
import { REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';

/** A checkpoint folder in Hugging Face layout, read tensor by tensor (never whole). */
export interface ModelFolder {
  dir: string;
  config: LlamaConfig;
  source: ModelSource;
  close(): Promise<void>;
}

export async function openModelFolder(dir: string): Promise<ModelFolder> {
  const config = parseLlamaConfig(JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')));
  const architecture = architectureFor(config);
  const file: FileByteSource = await fileByteSource(path.join(dir, 'model.safetensors'));
  const source = safetensorsModelSource(await openSafetensors(file), architecture);
  return { dir, config, source, close: () => file.close() };
}

/** Where a model reference of a recipe lives: a zoo id, or a folder path. */
export function resolveModelFolder(ref: string, recipeDir: string): string {
  const zoo = path.join(REPO_PUBLIC, 'models', ref);
  if (/^[A-Za-z0-9._-]+$/.test(ref) && existsSync(path.join(zoo, 'config.json'))) return zoo;
  const local = path.resolve(recipeDir, ref);
  if (existsSync(local) && statSync(local).isDirectory()) return local;
  throw new Error(`model "${ref}" is neither a zoo model (public/models/${ref}) nor a folder`);
}
