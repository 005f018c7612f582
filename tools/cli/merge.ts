/**
 * npm run merge -- <recipe.json | config.yml> --out <dir>
 *
 * Runs a recipe with the studio's own merge engine and writes a Hugging Face layout folder:
 * config.json, model.safetensors (streamed tensor by tensor), tokenizer files and a model
 * card that embeds the recipe. The recipe is the studio's JSON or mergekit YAML (a
 * `mergekit-yaml` configuration or a `mergekit-multi` file), told apart by the extension
 * (.json, .yml/.yaml) or, for other names, by the content.
 */
import { copyFile, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SafetensorsWriter, type SafetensorsTensorSpec } from '@/lib/formats/safetensors';
import { executePlan } from '@/lib/merge/executor';
import { formatPlanIssues, planRecipe } from '@/lib/merge/planner';
import { mergeMethodNames } from '@/lib/merge/registry';
import { formatIssues, parseRecipe, type Recipe, type RecipeDType } from '@/lib/recipe/schema';
import { formatMergekitYamlIssues, recipeFromMergekitYaml } from '@/lib/recipe/yaml';
import type { StorageDType } from '@/lib/tensors/tensor';
import { externalModels } from '@/lib/workers/recipeMerge';
import { modelCard } from './modelCard';
import { openModelFolder, resolveModelFolder, type ModelFolder } from './modelFolder';
import { parseArgs, printProgress } from './args';

const STORAGE: Record<RecipeDType, { dtype: StorageDType; torch: string }> = {
  float32: { dtype: 'F32', torch: 'float32' },
  float16: { dtype: 'F16', torch: 'float16' },
  bfloat16: { dtype: 'BF16', torch: 'bfloat16' },
};

/** How a recipe file is written: by its extension, else by its content (studio JSON is an object). */
export function recipeFileFormat(file: string, text: string): 'json' | 'mergekit-yaml' {
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

export async function mergeToFolder(recipe: Recipe, recipeDir: string, outDir: string, onProgress?: (done: number, total: number) => void) {
  const folders = new Map<string, ModelFolder>();
  try {
    for (const ref of externalModels(recipe)) folders.set(ref, await openModelFolder(resolveModelFolder(ref, recipeDir)));
    const catalog = new Map([...folders].map(([ref, folder]) => [ref, folder.source]));
    const planned = planRecipe(recipe, catalog);
    if (!planned.ok) throw new Error(`the recipe cannot be merged:\n${formatPlanIssues(planned.issues)}`);
    const plan = planned.plan;
    const output = plan.stages.find((s) => s.name === plan.output);
    if (!output) throw new Error(`no output stage "${plan.output}"`);
    const storage = STORAGE[output.dtype ?? 'float32'];
    const specs: SafetensorsTensorSpec[] = output.tensors.map((t) => {
      if (!t.shape) throw new Error(`the shape of ${t.name} is unknown before merging`);
      return { name: t.name, shape: [...t.shape], dtype: storage.dtype };
    });

    await mkdir(outDir, { recursive: true });
    const handle = await open(path.join(outDir, 'model.safetensors'), 'w');
    try {
      const writer = new SafetensorsWriter(specs, async (chunk) => void (await handle.write(chunk)), { format: 'pt' });
      await executePlan(plan, catalog, {
        collect: false,
        onTensor: (name, tensor) => writer.write(name, tensor),
        onProgress: (done, total) => onProgress?.(done, total),
      });
      await writer.finish();
    } finally {
      await handle.close();
    }

    const [firstRef] = externalModels(recipe);
    const first = firstRef === undefined ? undefined : folders.get(firstRef);
    if (!first) throw new Error('the recipe reads no model');
    const tokenizerFolder = (output.tokenizerSource && folders.get(output.tokenizerSource)) || first;
    const config = { ...first.config, num_hidden_layers: output.layerCount, torch_dtype: storage.torch };
    await writeFile(path.join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      await copyFile(path.join(tokenizerFolder.dir, file), path.join(outDir, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await writeFile(path.join(outDir, 'README.md'), modelCard(recipe, plan));
    return { plan, tensors: specs.length };
  } finally {
    await Promise.all([...folders.values()].map((f) => f.close()));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['out']);
  const [file] = args.positional;
  const out = args.options.get('out');
  if (!file || !out) {
    console.error('usage: npm run merge -- <recipe.json | mergekit.yml> --out <dir>');
    process.exit(2);
  }
  const recipe = await loadRecipeFile(file, (warning) => console.warn(warning));
  const started = performance.now();
  const { plan, tensors } = await mergeToFolder(recipe, path.dirname(path.resolve(file)), out, printProgress('merging'));
  console.log(`wrote ${out}: stage "${plan.output}", ${tensors} tensors in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
