import type { ExportProgress } from '@/lib/export/mergedModelZip';
import type { Recipe } from '@/lib/recipe/schema';

export type { ExportProgress };

export interface ExportedModel {
  /** `<name>.zip`: the recipe's name, else its output stage. */
  fileName: string;
  zip: Blob;
  /** The files of the Hugging Face folder inside the zip. */
  files: string[];
}

/** The export worker's surface, called through comlink: one merge, zipped as a Hugging Face folder. */
export interface ExportApi {
  exportModel(recipe: Recipe, onProgress?: (progress: ExportProgress) => void): Promise<ExportedModel>;
}
