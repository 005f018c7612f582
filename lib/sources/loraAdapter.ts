/**
 * PEFT LoRA adapters (`adapter_config.json` + `adapter_model.safetensors`) as model sources.
 *
 * PEFT saves, for each adapted module M of the base model (adapter name removed):
 *   base_model.model.M.lora_A.weight   [r, in]      base_model.model.M.lora_B.weight  [out, r]
 *   base_model.model.M.lora_embedding_A [r, vocab]  base_model.model.M.lora_embedding_B [dim, r]  (embeddings)
 *   base_model.model.M.lora_B.bias     [out]        (lora_bias)
 *   base_model.model.<tensor>                       (modules_to_save, trained biases: whole tensors)
 * and merges them as `W + scale · B·A` (transposed for embeddings and for `fan_in_fan_out`
 * Conv1D layers), scale = lora_alpha / r, or lora_alpha / √r with `use_rslora`; `rank_pattern`
 * and `alpha_pattern` override r and alpha per module.
 *
 * An adapter opened over its base is a checkpoint source whose tensors are computed on read:
 * the full model (`W + scale·B·A`) or only the task vector (`scale·B·A`); only the tensor being
 * read is ever materialised.
 */
import { z } from 'zod';
import { decodeTensorBytes } from '@/lib/formats/tensorBytes';
import { elementCount, sameShape, tensor, type Tensor } from '@/lib/tensors/tensor';
import type { ReadOptions, RandomAccessReader } from './byteReader';
import {
  readObjectFile,
  readShardHeader,
  readSmallFile,
  type CheckpointSource,
  type ModelDescription,
  type OpenSourceOptions,
  type TensorHeader,
  TOKENIZER_FILE_NAMES,
} from './checkpointSource';
import { fingerprintCheckpoint, sha256Id } from './fingerprint';
import { countedFiles, hasFile, type FileInfo, type ModelFiles } from './modelFiles';
import { SourceError } from './sourceError';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
const PEFT_PREFIX = 'base_model.model.';

export function isLoraAdapter(files: ModelFiles): boolean {
  return hasFile(files, ADAPTER_CONFIG_FILE);
}

const loraConfigSchema = z.looseObject({
  peft_type: z.string().optional(),
  base_model_name_or_path: z.string().nullable().optional(),
  r: z.number().int().positive(),
  lora_alpha: z.number(),
  use_rslora: z.boolean().optional(),
  fan_in_fan_out: z.boolean().optional(),
  use_dora: z.boolean().optional(),
  target_modules: z.union([z.array(z.string()), z.string()]).nullable().optional(),
  modules_to_save: z.array(z.string()).nullable().optional(),
  rank_pattern: z.record(z.string(), z.number().int().positive()).nullable().optional(),
  alpha_pattern: z.record(z.string(), z.number()).nullable().optional(),
});

export interface LoraConfig {
  /** The model the adapter was trained on, as its config names it (a hub id or a path), or null. */
  readonly baseModel: string | null;
  readonly r: number;
  readonly alpha: number;
  readonly useRslora: boolean;
  readonly fanInFanOut: boolean;
  readonly targetModules: readonly string[] | string | null;
  readonly modulesToSave: readonly string[];
  readonly rankPattern: Readonly<Record<string, number>>;
  readonly alphaPattern: Readonly<Record<string, number>>;
}

export function parseLoraConfig(json: unknown, label: string): LoraConfig {
  const parsed = loraConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new SourceError('invalid', `${label}: ${ADAPTER_CONFIG_FILE} is not a LoRA adapter config (${problems})`);
  }
  const c = parsed.data;
  if (c.peft_type !== undefined && c.peft_type !== 'LORA') {
    throw new SourceError('invalid', `${label} is a ${c.peft_type} adapter; the studio applies LoRA adapters only`);
  }
  if (c.use_dora) {
    throw new SourceError('invalid', `${label} is a DoRA adapter (use_dora), which rescales each weight by a learned magnitude; the studio applies plain LoRA only: merge it into its base with peft's merge_and_unload first`);
  }
  return {
    baseModel: c.base_model_name_or_path ?? null,
    r: c.r,
    alpha: c.lora_alpha,
    useRslora: c.use_rslora ?? false,
    fanInFanOut: c.fan_in_fan_out ?? false,
    targetModules: c.target_modules ?? null,
    modulesToSave: c.modules_to_save ?? [],
    rankPattern: c.rank_pattern ?? {},
    alphaPattern: c.alpha_pattern ?? {},
  };
}

/** PEFT's `get_pattern_key`: the first pattern that matches the module name's end, dotted. */
function patternValue(patterns: Readonly<Record<string, number>>, module: string): number | undefined {
  for (const [pattern, value] of Object.entries(patterns)) {
    try {
      if (new RegExp(`^(.*\\.)?(${pattern})$`).test(module)) return value;
    } catch {
      if (module === pattern || module.endsWith(`.${pattern}`)) return value;
    }
  }
  return undefined;
}

/** How one module of the base changes: `scale · B·A`, transposed for embeddings and Conv1D layers. */
export interface LoraUpdate {
  readonly module: string;
  /** The base tensor it changes (`${module}.weight`). */
  readonly target: string;
  readonly a: TensorHeader;
  readonly b: TensorHeader;
  /** `lora_B.bias`, added (scaled) to `${module}.bias`. */
  readonly bias: TensorHeader | null;
  readonly rank: number;
  readonly scale: number;
  /** The product is stored transposed in the base ([in, out]: embeddings, fan_in_fan_out). */
  readonly transposed: boolean;
}

export interface LoraAdapter {
  readonly label: string;
  readonly files: ModelFiles;
  readonly config: LoraConfig;
  readonly rawConfig: Readonly<Record<string, unknown>>;
  /** By base tensor name. */
  readonly updates: ReadonlyMap<string, LoraUpdate>;
  /** Whole tensors that replace the base's (modules_to_save, trained biases), by base tensor name. */
  readonly replacements: ReadonlyMap<string, TensorHeader>;
  readonly adapterBytes: number;
  readAdapterTensor(header: TensorHeader, options?: ReadOptions): Promise<Tensor>;
  fingerprint(options?: ReadOptions): Promise<string>;
  close(): Promise<void>;
}

interface PendingUpdate {
  a?: TensorHeader;
  b?: TensorHeader;
  bias?: TensorHeader;
  embedding: boolean;
}

/** Reads adapter_config.json and the adapter's safetensors header (no tensor bytes). */
export async function openLoraAdapter(modelFiles: ModelFiles, options: OpenSourceOptions = {}): Promise<LoraAdapter> {
  const files = options.ledger ? countedFiles(modelFiles, options.ledger) : modelFiles;
  const rawConfig = await readObjectFile(files, ADAPTER_CONFIG_FILE, options);
  const config = parseLoraConfig(rawConfig, files.label);
  if (!hasFile(files, ADAPTER_WEIGHTS_FILE)) {
    const bin = hasFile(files, 'adapter_model.bin');
    throw new SourceError(
      'invalid',
      bin
        ? `${files.label} has its adapter weights as adapter_model.bin (PyTorch), which cannot be read safely outside Python; save it with safe_serialization (adapter_model.safetensors)`
        : `${files.label} has ${ADAPTER_CONFIG_FILE} but no ${ADAPTER_WEIGHTS_FILE}`,
    );
  }
  const shard = await readShardHeader(files, ADAPTER_WEIGHTS_FILE, options);
  try {
    const pending = new Map<string, PendingUpdate>();
    const replacements = new Map<string, TensorHeader>();
    for (const t of shard.tensors) {
      if (!t.name.startsWith(PEFT_PREFIX)) {
        throw new SourceError('invalid', `${files.label}: tensor ${t.name} does not start with "${PEFT_PREFIX}"; is this a PEFT adapter?`);
      }
      const key = t.name.slice(PEFT_PREFIX.length);
      if (/\.lora_magnitude_vector(\.|$)/.test(key)) {
        throw new SourceError('invalid', `${files.label} holds DoRA magnitude vectors; the studio applies plain LoRA only`);
      }
      const match = /^(.+)\.(lora_A|lora_B|lora_embedding_A|lora_embedding_B)(?:\.[^.]+)?(?:\.(weight|bias))?$/.exec(key);
      if (!match) {
        replacements.set(key, t);
        continue;
      }
      const module = match[1]!;
      const part = match[2]!;
      const kind = match[3];
      const entry = pending.get(module) ?? { embedding: part.startsWith('lora_embedding') };
      if (part === 'lora_B' && kind === 'bias') entry.bias = t;
      else if (part.endsWith('A')) entry.a = t;
      else entry.b = t;
      pending.set(module, entry);
    }
    const updates = new Map<string, LoraUpdate>();
    for (const [module, entry] of pending) {
      if (!entry.a || !entry.b) {
        throw new SourceError('invalid', `${files.label}: module ${module} has lora_${entry.a ? 'A' : 'B'} but no lora_${entry.a ? 'B' : 'A'}`);
      }
      const rank = entry.a.shape[0]!;
      if (entry.a.shape.length !== 2 || entry.b.shape.length !== 2 || entry.b.shape[1] !== rank) {
        throw new SourceError('invalid', `${files.label}: module ${module} has lora_A [${entry.a.shape.join(', ')}] and lora_B [${entry.b.shape.join(', ')}], which do not multiply`);
      }
      const configuredRank = patternValue(config.rankPattern, module) ?? config.r;
      if (configuredRank !== rank) {
        throw new SourceError('invalid', `${files.label}: module ${module} has rank ${rank} in its weights but ${configuredRank} in ${ADAPTER_CONFIG_FILE}`);
      }
      const alpha = patternValue(config.alphaPattern, module) ?? config.alpha;
      const scale = config.useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
      updates.set(`${module}.weight`, {
        module,
        target: `${module}.weight`,
        a: entry.a,
        b: entry.b,
        bias: entry.bias ?? null,
        rank,
        scale,
        transposed: entry.embedding || config.fanInFanOut,
      });
    }
    const reader: RandomAccessReader = shard.reader;
    return {
      label: files.label,
      files,
      config,
      rawConfig,
      updates,
      replacements,
      adapterBytes: shard.tensors.reduce((n, t) => n + (t.end - t.begin), 0),
      async readAdapterTensor(header, readOptions) {
        const bytes = await reader.read(header.begin, header.end - header.begin, readOptions);
        return tensor(header.shape, decodeTensorBytes(bytes, header.dtype));
      },
      fingerprint: (readOptions) => fingerprintCheckpoint(rawConfig, [shard], readOptions),
      close: async () => void (await reader.close?.()),
    };
  } catch (error) {
    await shard.reader.close?.();
    throw error;
  }
}

/** The shape `scale · B·A` has in the base: [out, in], or [in, out] when transposed. */
function updateShape(update: LoraUpdate): [number, number] {
  const out = update.b.shape[0]!;
  const inner = update.a.shape[1]!;
  return update.transposed ? [inner, out] : [out, inner];
}

/** Adds `scale · B·A` (B [out, r], A [r, in]) into `target`, laid out [out, in] or transposed. */
export function addLowRankProduct(target: Float32Array, b: Float32Array, a: Float32Array, out: number, rank: number, inner: number, scale: number, transposed: boolean): void {
  const row = new Float32Array(inner);
  for (let i = 0; i < out; i++) {
    row.fill(0);
    for (let k = 0; k < rank; k++) {
      const coefficient = scale * b[i * rank + k]!;
      if (coefficient === 0) continue;
      const offset = k * inner;
      for (let j = 0; j < inner; j++) row[j]! += coefficient * a[offset + j]!;
    }
    if (transposed) for (let j = 0; j < inner; j++) target[j * out + i]! += row[j]!;
    else {
      const offset = i * inner;
      for (let j = 0; j < inner; j++) target[offset + j]! += row[j]!;
    }
  }
}

export type LoraView = 'full' | 'delta';

function checkAgainstBase(adapter: LoraAdapter, base: CheckpointSource): void {
  const mismatch = (name: string, adapterShape: readonly number[], baseShape: readonly number[] | undefined) =>
    new SourceError(
      'invalid',
      baseShape === undefined
        ? `${adapter.label} changes ${name}, which ${base.description.label} does not have: it is not this adapter's base`
        : `${adapter.label} was trained on a model whose ${name} is [${adapterShape.join(', ')}]; in ${base.description.label} it is [${baseShape.join(', ')}]: it is not this adapter's base`,
    );
  for (const update of adapter.updates.values()) {
    const shape = updateShape(update);
    const baseShape = base.tensorShape?.(update.target);
    if (!baseShape || !sameShape(shape, baseShape)) throw mismatch(update.target, shape, baseShape);
    if (update.bias) {
      const biasName = `${update.module}.bias`;
      const biasShape = base.tensorShape?.(biasName);
      if (!biasShape || !sameShape(update.bias.shape, biasShape)) throw mismatch(biasName, update.bias.shape, biasShape);
    }
  }
  for (const [name, header] of adapter.replacements) {
    const baseShape = base.tensorShape?.(name);
    if (!baseShape || !sameShape(header.shape, baseShape)) throw mismatch(name, header.shape, baseShape);
  }
}

/** The tokenizer files of an adapter over its base: the adapter's where it has them (it may add tokens), else the base's. */
function combinedTokenizerFiles(adapter: LoraAdapter, base: CheckpointSource): FileInfo[] {
  const fromAdapter = adapter.files.files.filter((f) => (TOKENIZER_FILE_NAMES as readonly string[]).includes(f.name));
  return [...fromAdapter, ...base.description.tokenizerFiles.filter((f) => !fromAdapter.some((a) => a.name === f.name))];
}

/**
 * A LoRA adapter over its base as one source: the base's tensor names, each computed on read.
 * `full`: W + scale·B·A (what peft's merge_and_unload gives). `delta`: scale·B·A alone, the
 * adapter's task vector (zeros where it changes nothing; a replaced tensor minus the base's).
 */
export function loraSource(base: CheckpointSource, adapter: LoraAdapter, view: LoraView = 'full'): CheckpointSource {
  checkAgainstBase(adapter, base);
  const biasUpdates = new Map<string, LoraUpdate>();
  for (const update of adapter.updates.values()) if (update.bias) biasUpdates.set(`${update.module}.bias`, update);
  const label = `${base.description.label}+${adapter.label}`;

  async function readLora(name: string, options: ReadOptions | undefined): Promise<Tensor> {
    const replacement = adapter.replacements.get(name);
    if (replacement) {
      const replaced = await adapter.readAdapterTensor(replacement, options);
      if (view === 'full') return replaced;
      const original = await base.readTensor(name, options);
      const data = replaced.data.slice();
      for (let i = 0; i < data.length; i++) data[i]! -= original.data[i]!;
      return tensor(replaced.shape, data);
    }
    const update = adapter.updates.get(name);
    const biasUpdate = biasUpdates.get(name);
    const shape = base.tensorShape?.(name);
    if (!update && !biasUpdate) {
      if (view === 'full') return base.readTensor(name, options);
      if (!shape) throw new SourceError('not-found', `${label} has no tensor ${name}`);
      return tensor(shape, new Float32Array(elementCount(shape)));
    }
    const start = view === 'full' ? await base.readTensor(name, options) : tensor(shape!, new Float32Array(elementCount(shape!)));
    const data = view === 'full' ? start.data.slice() : start.data;
    if (update) {
      const [a, b] = await Promise.all([adapter.readAdapterTensor(update.a, options), adapter.readAdapterTensor(update.b, options)]);
      addLowRankProduct(data, b.data, a.data, update.b.shape[0]!, update.rank, update.a.shape[1]!, update.scale, update.transposed);
    } else if (biasUpdate?.bias) {
      const bias = await adapter.readAdapterTensor(biasUpdate.bias, options);
      for (let i = 0; i < data.length; i++) data[i]! += biasUpdate.scale * bias.data[i]!;
    }
    return tensor(start.shape, data);
  }

  const description: ModelDescription = {
    ...base.description,
    label,
    kind: 'lora',
    tokenizerFiles: combinedTokenizerFiles(adapter, base),
    adapter: {
      label: adapter.label,
      baseModel: adapter.config.baseModel,
      ranks: [...new Set([...adapter.updates.values()].map((u) => u.rank))].sort((x, y) => x - y),
      modules: adapter.updates.size,
      replacedTensors: adapter.replacements.size,
      adapterBytes: adapter.adapterBytes,
      view,
    },
  };
  return {
    description,
    config: base.config,
    files: base.files,
    tensorNames: () => base.tensorNames(),
    tensorInfo: (name) => base.tensorInfo(name),
    layerCount: base.layerCount,
    tensorShape: (name) => base.tensorShape?.(name),
    readTensor: readLora,
    async readFile(name, options) {
      return (await readSmallFile(adapter.files, name, options)) ?? base.readFile(name, options);
    },
    async fingerprint(options) {
      return sha256Id(`${await base.fingerprint(options)}+${await adapter.fingerprint(options)}+${view}`);
    },
    close: async () => void (await Promise.all([base.close(), adapter.close()])),
  };
}
