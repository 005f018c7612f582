/**
 * A merged model as a Hugging Face folder: config.json, model.safetensors (written tensor by
 * tensor as the merge produces them), the tokenizer files, a model card embedding the recipe as
 * mergekit YAML, and the recipe itself as `mergekit_config.yml` (the name mergekit gives it).
 * Where the files go is up to the sink: a folder on disk (the CLI), a zip (the studio).
 */
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import { SafetensorsWriter, type SafetensorsTensorSpec } from '@/lib/formats/safetensors';
import { executePlan, type ModelSource } from '@/lib/merge/executor';
import { formatPlanIssues, planRecipe, type MergePlan } from '@/lib/merge/planner';
import { defaultRegistry } from '@/lib/merge/registry';
import type { Recipe, RecipeDType } from '@/lib/recipe/schema';
import { mergekitYamlFromRecipe } from '@/lib/recipe/yaml';
import type { StorageDType } from '@/lib/tensors/tensor';
import { externalModels } from '@/lib/recipe/recipeGraph';
import { modelCard } from './modelCard';

/** A model a recipe reads, as an export needs it. */
export interface ExportSource {
  source: ModelSource;
  config: LlamaConfig;
  /** A tokenizer file of the model's folder, or null when it has none. */
  file(name: TokenizerFile): Promise<Uint8Array | null>;
}

/** One file being written: its bytes arrive in order, then `close`. */
export interface FileSink {
  write(chunk: Uint8Array): void | Promise<void>;
  close(): void | Promise<void>;
}

/** Where the folder's files go, one after the other. `weights` files hold tensor data, the rest is text. */
export interface FolderSink {
  open(name: string, kind: 'weights' | 'text'): FileSink | Promise<FileSink>;
}

export interface MergedModelFolder {
  plan: MergePlan;
  tensors: number;
  /** The files written, in order. */
  files: string[];
}

const STORAGE: Record<RecipeDType, { dtype: StorageDType; torch: string }> = {
  float32: { dtype: 'F32', torch: 'float32' },
  float16: { dtype: 'F16', torch: 'float16' },
  bfloat16: { dtype: 'BF16', torch: 'bfloat16' },
};

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;
export type TokenizerFile = (typeof TOKENIZER_FILES)[number];

/** The recipe as mergekit YAML, the file mergekit writes beside a merged model. */
const RECIPE_FILE = 'mergekit_config.yml';

async function writeWhole(sink: FolderSink, name: string, bytes: Uint8Array | string): Promise<void> {
  const file = await sink.open(name, 'text');
  await file.write(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  await file.close();
}

/** Plans and runs `recipe` (its output stage) on `sources`, writing the merged model's folder into `sink`. */
export async function writeMergedModelFolder(
  recipe: Recipe,
  sources: ReadonlyMap<string, ExportSource>,
  sink: FolderSink,
  options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<MergedModelFolder> {
  const catalog = new Map([...sources].map(([ref, model]) => [ref, model.source]));
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
  const [firstRef] = externalModels(recipe);
  const first = firstRef === undefined ? undefined : sources.get(firstRef);
  if (!first) throw new Error('the recipe reads no model');
  const tokenizerModel = (output.tokenizerSource && sources.get(output.tokenizerSource)) || first;

  const files: string[] = [];
  const weights = await sink.open('model.safetensors', 'weights');
  const writer = new SafetensorsWriter(specs, (chunk) => weights.write(chunk), { format: 'pt' });
  try {
    await executePlan(plan, catalog, {
      collect: false,
      onTensor: (name, tensor) => writer.write(name, tensor),
      onProgress: (done, total) => options.onProgress?.(done, total),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await writer.finish();
  } finally {
    await weights.close();
  }
  files.push('model.safetensors');

  const config = { ...first.config, num_hidden_layers: output.layerCount, torch_dtype: storage.torch };
  await writeWhole(sink, 'config.json', `${JSON.stringify(config, null, 2)}\n`);
  files.push('config.json');
  for (const name of TOKENIZER_FILES) {
    const bytes = await tokenizerModel.file(name);
    if (bytes === null) continue;
    await writeWhole(sink, name, bytes);
    files.push(name);
  }
  await writeWhole(sink, 'README.md', modelCard(recipe, plan));
  files.push('README.md');
  await writeWhole(sink, RECIPE_FILE, mergekitYamlFromRecipe(recipe, { registry: defaultRegistry }).yaml);
  files.push(RECIPE_FILE);
  return { plan, tensors: specs.length, files };
}
