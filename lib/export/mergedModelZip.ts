import { outputStageName } from '@/lib/recipe/recipeGraph';
import type { Recipe } from '@/lib/recipe/schema';
import type { ZooFiles } from '@/lib/zoo/zooFiles';
import { writeMergedModelFolder } from './mergedModelFolder';
import { zipFolder } from './zipFolder';
import { zooExportSources } from './zooExportSources';

export interface ExportProgress {
  phase: 'loading' | 'merging';
  /** Models loaded, or tensors merged (and written). */
  done: number;
  total: number;
}

export interface MergedModelZip {
  /** The folder inside the zip, and the zip's name without `.zip`. */
  name: string;
  chunks: Uint8Array[];
  /** The files of the folder, in the zip's order. */
  files: string[];
}

/** A name safe as a folder and file name: the recipe's name, else its output stage. */
export function exportName(recipe: Recipe): string {
  const name = (recipe.name ?? outputStageName(recipe)).trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return name || 'merged-model';
}

/** Merges the recipe's output stage from zoo models and zips it as a Hugging Face folder. */
export async function mergedModelZip(recipe: Recipe, files: ZooFiles, onProgress?: (progress: ExportProgress) => void): Promise<MergedModelZip> {
  const sources = await zooExportSources(recipe, files, (done, total) => onProgress?.({ phase: 'loading', done, total }));
  const name = exportName(recipe);
  const zip = zipFolder(name);
  const written = await writeMergedModelFolder(recipe, sources, zip.sink, {
    onProgress: (done, total) => onProgress?.({ phase: 'merging', done, total }),
  });
  return { name, chunks: await zip.finish(), files: written.files };
}
