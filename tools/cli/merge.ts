/**
 * npm run merge -- <recipe.json | config.yml> --out <dir>
 *
 * Runs a recipe with the studio's own merge engine and writes a Hugging Face layout folder:
 * config.json, model.safetensors (streamed tensor by tensor), tokenizer files, a model card
 * that embeds the recipe, and the recipe as mergekit_config.yml (lib/export/mergedModelFolder.ts).
 * The recipe is the studio's JSON or mergekit YAML (a `mergekit-yaml` configuration or a
 * `mergekit-multi` file), told apart by the extension (.json, .yml/.yaml) or, for other names,
 * by the content. Models are zoo ids, folders, hub ids or model+adapter (tools/cli/modelResolver.ts);
 * the recipe is validated from their headers before any weight is downloaded.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeMergedModelFolder, type ExportSource, type FolderSink } from '@/lib/export/mergedModelFolder';
import { mergeMethodNames } from '@/lib/merge/registry';
import { formatIssues, parseRecipe, type Recipe } from '@/lib/recipe/schema';
import { formatMergekitYamlIssues, recipeFromMergekitYaml } from '@/lib/recipe/yaml';
import type { CheckpointSource } from '@/lib/sources/checkpointSource';
import { parseArgs, printProgress, printTransferProgress } from './args';
import { modelsToOpen } from '@/lib/recipe/recipeGraph';
import { environmentFrom, openModels, type ModelEnvironment } from './recipeModels';

/** How a recipe file is written: by its extension, else by its content (studio JSON is an object). */
function recipeFileFormat(file: string, text: string): 'json' | 'mergekit-yaml' {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yml' || extension === '.yaml') return 'mergekit-yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'mergekit-yaml';
}

/** Read a recipe file (studio JSON or mergekit YAML); what mergekit YAML loses on the way goes to `onWarning`. */
export async function loadRecipeFile(file: string, onWarning?: (message: string) => void): Promise<Recipe> {
  const text = await readFile(file, 'utf8');
  if (recipeFileFormat(file, text) === 'mergekit-yaml') {
    const read = recipeFromMergekitYaml(text, { methods: mergeMethodNames() });
    if (!read.ok) throw new Error(`${file} is not a mergekit configuration the studio can run:\n${formatMergekitYamlIssues(read.issues, file)}`);
    if (read.warnings.length > 0) onWarning?.(formatMergekitYamlIssues(read.warnings, file));
    return read.recipe;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = parseRecipe(json, { methods: mergeMethodNames() });
  if (!parsed.ok) throw new Error(`${file} is not a valid recipe:\n${formatIssues(parsed.issues)}`);
  return parsed.recipe;
}

/** Files of a folder on disk, created as they are opened. */
function diskFolder(outDir: string): FolderSink {
  return {
    async open(name) {
      await mkdir(outDir, { recursive: true });
      const handle = await open(path.join(outDir, name), 'w');
      return {
        write: async (chunk) => void (await handle.write(chunk)),
        close: () => handle.close(),
      };
    },
  };
}

/** A model the recipe reads, as the export reads it: tensor by tensor, tokenizer files on demand. */
function exportSource(source: CheckpointSource): ExportSource {
  if (!source.config) throw new Error(`${source.description.label}: ${source.description.architectureProblem ?? 'its config cannot be read'}`);
  return { source, config: source.config, file: (name) => source.readFile(name) };
}

export interface MergeToFolderOptions {
  readonly onProgress?: (done: number, total: number) => void;
  /** Where models come from (default: from the environment: HF_ENDPOINT, HF_TOKEN, the cache). */
  readonly environment?: ModelEnvironment;
}

/**
 * Opens the recipe's models (zoo ids, folders, hub ids, model+adapter), validates the recipe from
 * their headers, downloads what is missing from the cache, and writes the merged folder.
 */
export async function mergeToFolder(recipe: Recipe, recipeDir: string, outDir: string, options: MergeToFolderOptions = {}) {
  const environment = options.environment ?? environmentFrom(process.env);
  const models = await openModels(modelsToOpen(recipe), recipeDir, environment, { recipe, keepOutput: false });
  try {
    const sources = new Map([...models.sources].map(([ref, source]) => [ref, exportSource(source)]));
    const { plan, tensors } = await writeMergedModelFolder(recipe, sources, diskFolder(outDir), options.onProgress ? { onProgress: options.onProgress } : {});
    return { plan, tensors };
  } finally {
    await models.close();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['out']);
  const [file] = args.positional;
  const out = args.options.get('out');
  if (!file || !out) {
    console.error('usage: npm run merge -- <recipe.json | mergekit.yml> --out <dir>');
    console.error('models: zoo ids, folders, hub ids (org/name[@revision]) or model+adapter; HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE and MERGE_STUDIO_CACHE apply');
    process.exit(2);
  }
  const recipe = await loadRecipeFile(file, (warning) => console.warn(warning));
  const started = performance.now();
  const environment = environmentFrom(process.env, (line) => console.error(line), printTransferProgress());
  const { plan, tensors } = await mergeToFolder(recipe, path.dirname(path.resolve(file)), out, { onProgress: printProgress('merging'), environment });
  console.log(`wrote ${out}: stage "${plan.output}", ${tensors} tensors in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
