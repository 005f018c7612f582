import { architectureFor } from '@/lib/arch';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { byteSourceFromBytes, openSafetensors } from '@/lib/formats/safetensors';
import { safetensorsModelSource } from '@/lib/merge/safetensorsSource';
import type { Recipe } from '@/lib/recipe/schema';
import { externalModels } from '@/lib/recipe/recipeGraph';
import type { ZooFiles } from '@/lib/zoo/zooFiles';
import { modelFileUrl } from '@/lib/zoo/zooIndex';
import type { ExportSource } from './mergedModelFolder';

/** The zoo models a recipe reads, ready for an export; `onLoaded` counts them in. */
export async function zooExportSources(recipe: Recipe, files: ZooFiles, onLoaded?: (done: number, total: number) => void): Promise<Map<string, ExportSource>> {
  const ids = externalModels(recipe);
  const sources = new Map<string, ExportSource>();
  onLoaded?.(0, ids.length);
  for (const id of ids) {
    const config = parseLlamaConfig(JSON.parse(await files.text(modelFileUrl(id, 'config.json'))));
    const reader = await openSafetensors(byteSourceFromBytes(await files.bytes(modelFileUrl(id, 'model.safetensors'))));
    sources.set(id, {
      source: safetensorsModelSource(reader, architectureFor(config)),
      config,
      // tokenizer_config.json is optional, as the engine treats it; tokenizer.json is not.
      file: (name) => {
        const bytes = files.bytes(modelFileUrl(id, name));
        return name === 'tokenizer_config.json' ? bytes.catch(() => null) : bytes;
      },
    });
    onLoaded?.(sources.size, ids.length);
  }
  return sources;
}
