/**
 * A Hugging Face checkpoint as a model source: config.json, the tokenizer files, and tensor
 * names, shapes and dtypes from the safetensors headers alone (8 bytes, then the header: two
 * reads per shard; a sharded checkpoint is one source over many readers, joined by
 * `model.safetensors.index.json`). `readTensor` reads one tensor's bytes and returns fp32.
 *
 * The source implements the merge executor's `ModelSource`, so it plugs into the planner and
 * the executor as it is.
 */
import { architectureFor, type ModelArchitecture } from '@/lib/arch';
import type { TensorInfo } from '@/lib/arch/tensorRole';
import { parseLlamaConfig, type LlamaConfig } from '@/lib/formats/hfConfig';
import { parseSafetensorsHeader } from '@/lib/formats/safetensors';
import { decodeTensorBytes } from '@/lib/formats/tensorBytes';
import type { ModelSource } from '@/lib/merge/executor';
import { elementCount, tensor, type StorageDType, type Tensor } from '@/lib/tensors/tensor';
import { readJson, readWhole, type ReadLedger, type ReadOptions } from './byteReader';
import { countedFiles, hasFile, type FileInfo, type ModelFiles, type OpenShard } from './modelFiles';
import { fingerprintCheckpoint } from './fingerprint';
import { SourceError } from './sourceError';

export const CONFIG_FILE = 'config.json';
export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const SHARD_INDEX_FILE = 'model.safetensors.index.json';

/** Files that describe how text becomes tokens and back; a merged model carries one model's set. */
export const TOKENIZER_FILE_NAMES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'tokenizer.model',
  'vocab.json',
  'merges.txt',
  'generation_config.json',
  'chat_template.jinja',
  'chat_template.json',
] as const;

export interface TensorHeader {
  readonly name: string;
  readonly dtype: StorageDType;
  readonly shape: readonly number[];
  /** The weight file that holds it. */
  readonly file: string;
  /** Absolute byte offsets in that file, end exclusive. */
  readonly begin: number;
  readonly end: number;
}

/** What a model is, from its config and headers alone: what the library card and validation read. */
export interface ModelDescription {
  readonly label: string;
  readonly kind: 'checkpoint' | 'lora';
  /** `architectures[0]` of config.json, e.g. "LlamaForCausalLM"; null when it names none. */
  readonly architecture: string | null;
  readonly modelType: string | null;
  /** config.json as written. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Why the studio cannot merge this architecture (or read this config), or null. */
  readonly architectureProblem: string | null;
  readonly layerCount: number | null;
  /** Every tensor a merge reads from this model, in checkpoint order. */
  readonly tensors: ReadonlyMap<string, { readonly dtype: StorageDType; readonly shape: readonly number[] }>;
  readonly parameterCount: number;
  /** Bytes of tensor data as stored. */
  readonly weightBytes: number;
  /** Parameters per storage dtype. */
  readonly dtypes: Readonly<Partial<Record<StorageDType, number>>>;
  /** The tokenizer files present. */
  readonly tokenizerFiles: readonly FileInfo[];
  /** For a LoRA adapter over its base: what the adapter is. */
  readonly adapter?: AdapterSummary;
}

export interface AdapterSummary {
  readonly label: string;
  /** The base its adapter_config.json names (base_model_name_or_path). */
  readonly baseModel: string | null;
  readonly ranks: readonly number[];
  /** Modules changed by a low-rank product. */
  readonly modules: number;
  /** Whole tensors it replaces (modules_to_save). */
  readonly replacedTensors: number;
  readonly adapterBytes: number;
  /** `full`: W + scale·B·A; `delta`: scale·B·A alone. */
  readonly view: 'full' | 'delta';
}

export interface CheckpointSource extends ModelSource {
  readonly description: ModelDescription;
  /** The parsed config, or null when the studio cannot read it (see `description.architectureProblem`). */
  readonly config: LlamaConfig | null;
  readonly files: ModelFiles;
  /** One tensor as fp32; only its bytes are read. */
  readTensor(name: string, options?: ReadOptions): Promise<Tensor>;
  /** A small file of the model (a tokenizer file), or null when it has none. */
  readFile(name: string, options?: ReadOptions): Promise<Uint8Array | null>;
  /**
   * Identifies these weights (for a share link to check that a local folder is the one it was
   * made with): config, headers, and samples of each weight file's tensor data.
   */
  fingerprint(options?: ReadOptions): Promise<string>;
  /** Releases open file handles. */
  close(): Promise<void>;
}

export interface OpenSourceOptions extends ReadOptions {
  /** Records every read (what opening and validating cost). */
  readonly ledger?: ReadLedger;
  /** At most this many weight files are opened at once (default 4). */
  readonly concurrency?: number;
}

/** The result of reading config.json: the raw object, and the parsed config or why not. */
export interface ReadConfig {
  readonly raw: Record<string, unknown>;
  readonly parsed: LlamaConfig | null;
  readonly architecture: ModelArchitecture | null;
  readonly problem: string | null;
}

export function interpretConfig(raw: Record<string, unknown>): ReadConfig {
  try {
    const parsed = parseLlamaConfig(raw);
    return { raw, parsed, architecture: architectureFor(parsed), problem: null };
  } catch (error) {
    return { raw, parsed: null, architecture: null, problem: error instanceof Error ? error.message : String(error) };
  }
}

export async function readObjectFile(files: ModelFiles, name: string, options?: ReadOptions): Promise<Record<string, unknown>> {
  const reader = await files.open(name, options);
  try {
    const json = await readJson(reader, options).catch((error: unknown) => {
      throw new SourceError('invalid', error instanceof Error ? error.message : String(error));
    });
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SourceError('invalid', `${reader.label} is not a JSON object`);
    return json as Record<string, unknown>;
  } finally {
    await reader.close?.();
  }
}

/** Which weight files hold which tensors: the shard index, or the one `model.safetensors`. */
async function weightLayout(files: ModelFiles, options: ReadOptions | undefined): Promise<{ shards: string[]; map: Map<string, string> | null }> {
  if (hasFile(files, SHARD_INDEX_FILE)) {
    const index = await readObjectFile(files, SHARD_INDEX_FILE, options);
    const weightMap = index.weight_map;
    if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
      throw new SourceError('invalid', `${files.label}: ${SHARD_INDEX_FILE} has no weight_map`);
    }
    const map = new Map<string, string>();
    for (const [name, file] of Object.entries(weightMap)) {
      if (typeof file !== 'string') throw new SourceError('invalid', `${files.label}: ${SHARD_INDEX_FILE} maps ${name} to ${JSON.stringify(file)}, not a file name`);
      map.set(name, file);
    }
    const shards = [...new Set(map.values())].sort();
    const missing = shards.filter((s) => !hasFile(files, s));
    if (missing.length > 0) {
      throw new SourceError('not-found', `${files.label}: ${SHARD_INDEX_FILE} lists ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not in the model`);
    }
    return { shards, map };
  }
  if (hasFile(files, SINGLE_WEIGHTS_FILE)) return { shards: [SINGLE_WEIGHTS_FILE], map: null };
  const names = files.files.map((f) => f.name);
  if (names.some((n) => n.endsWith('.bin') || n.endsWith('.pt') || n.endsWith('.pth'))) {
    throw new SourceError(
      'invalid',
      `${files.label} has only PyTorch weight files (.bin), which cannot be read safely outside Python; use a revision with safetensors weights (convert them with the safetensors "convert" tool, or pick the hub's safetensors PR)`,
    );
  }
  throw new SourceError('invalid', `${files.label} has no ${SINGLE_WEIGHTS_FILE} and no ${SHARD_INDEX_FILE}: it is not a Hugging Face model folder`);
}

/** A safetensors header in two reads: the 8-byte length, then the JSON. */
export async function readShardHeader(files: ModelFiles, file: string, options: ReadOptions | undefined): Promise<OpenShard & { tensors: TensorHeader[] }> {
  const reader = await files.open(file, options);
  try {
    if (reader.size < 8) throw new SourceError('invalid', `${reader.label} is ${reader.size} bytes: too short for a safetensors file`);
    const prefix = await reader.read(0, 8, options);
    const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
    if (length > BigInt(reader.size - 8)) {
      throw new SourceError('invalid', `${reader.label}: its header runs past the end of the file (${reader.size} bytes); the file is truncated or not safetensors`);
    }
    const json = await reader.read(8, Number(length), options);
    const headerBytes = new Uint8Array(8 + json.length);
    headerBytes.set(prefix, 0);
    headerBytes.set(json, 8);
    let entries;
    try {
      entries = parseSafetensorsHeader(headerBytes, reader.size).entries;
    } catch (error) {
      throw new SourceError('invalid', `${reader.label}: ${error instanceof Error ? error.message.replace(/^safetensors: /, '') : String(error)}`);
    }
    return { file, reader, headerBytes, tensors: entries.map((e) => ({ ...e, file })) };
  } catch (error) {
    await reader.close?.();
    throw error;
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

export function describeTensors(headers: Iterable<TensorHeader>): Pick<ModelDescription, 'tensors' | 'parameterCount' | 'weightBytes' | 'dtypes'> {
  const tensors = new Map<string, { dtype: StorageDType; shape: readonly number[] }>();
  const dtypes: Partial<Record<StorageDType, number>> = {};
  let parameterCount = 0;
  let weightBytes = 0;
  for (const t of headers) {
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape });
    const count = elementCount(t.shape);
    parameterCount += count;
    weightBytes += t.end - t.begin;
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + count;
  }
  return { tensors, parameterCount, weightBytes, dtypes };
}

function tokenizerFilesOf(files: ModelFiles): FileInfo[] {
  return files.files.filter((f) => (TOKENIZER_FILE_NAMES as readonly string[]).includes(f.name));
}

/** Reads a small file whole, or null when the model has none. */
export async function readSmallFile(files: ModelFiles, name: string, options?: ReadOptions): Promise<Uint8Array | null> {
  if (!hasFile(files, name)) return null;
  const reader = await files.open(name, options);
  try {
    return await readWhole(reader, options);
  } finally {
    await reader.close?.();
  }
}

/** A tensor-info function that says why it cannot answer, for models the studio cannot merge. */
function unsupportedTensorInfo(label: string, problem: string): (name: string) => TensorInfo {
  return (name) => {
    throw new SourceError('invalid', `${label}: cannot place tensor ${name}: ${problem}`);
  };
}

/**
 * Opens a checkpoint: reads config.json, the shard index (when sharded) and every shard's
 * safetensors header; nothing else. Weight bytes are read only by `readTensor`.
 */
export async function openCheckpoint(modelFiles: ModelFiles, options: OpenSourceOptions = {}): Promise<CheckpointSource> {
  const files = options.ledger ? countedFiles(modelFiles, options.ledger) : modelFiles;
  if (!hasFile(files, CONFIG_FILE)) {
    throw new SourceError('invalid', `${files.label} has no ${CONFIG_FILE}: it is not a Hugging Face model folder`);
  }
  const config = interpretConfig(await readObjectFile(files, CONFIG_FILE, options));
  const layout = await weightLayout(files, options);
  const opened: OpenShard[] = [];
  const byName = new Map<string, TensorHeader>();
  try {
    const shards = await mapLimited(layout.shards, options.concurrency ?? 4, async (file) => {
      const shard = await readShardHeader(files, file, options);
      opened.push(shard);
      return shard;
    });
    for (const shard of shards) {
      for (const t of shard.tensors) {
        const other = byName.get(t.name);
        if (other) throw new SourceError('invalid', `${files.label}: tensor ${t.name} is in both ${other.file} and ${t.file}`);
        const listed = layout.map?.get(t.name);
        if (layout.map && listed !== t.file) {
          throw new SourceError('invalid', `${files.label}: ${t.file} holds ${t.name}, which ${SHARD_INDEX_FILE} ${listed ? `puts in ${listed}` : 'does not list'}`);
        }
        byName.set(t.name, t);
      }
    }
    for (const [name, file] of layout.map ?? []) {
      if (!byName.has(name)) throw new SourceError('invalid', `${files.label}: ${SHARD_INDEX_FILE} puts ${name} in ${file}, whose header does not have it`);
    }
  } catch (error) {
    await Promise.all(opened.map((s) => s.reader.close?.()));
    throw error;
  }
  const readers = new Map(opened.map((s) => [s.file, s.reader]));
  const names = [...byName.keys()];
  const architecture = config.architecture;
  const raw = config.raw;
  const description: ModelDescription = {
    label: files.label,
    kind: 'checkpoint',
    architecture: Array.isArray(raw.architectures) && typeof raw.architectures[0] === 'string' ? raw.architectures[0] : null,
    modelType: typeof raw.model_type === 'string' ? raw.model_type : null,
    config: raw,
    architectureProblem: config.problem,
    layerCount: config.parsed?.num_hidden_layers ?? (typeof raw.num_hidden_layers === 'number' ? raw.num_hidden_layers : null),
    ...describeTensors(byName.values()),
    tokenizerFiles: tokenizerFilesOf(files),
  };

  return {
    description,
    config: config.parsed,
    files,
    tensorNames: () => names,
    tensorInfo: architecture ? (name) => architecture.tensorInfo(name) : unsupportedTensorInfo(files.label, config.problem ?? 'unknown architecture'),
    layerCount: description.layerCount ?? 0,
    tensorShape: (name) => byName.get(name)?.shape,
    async readTensor(name, readOptions) {
      const header = byName.get(name);
      if (!header) throw new SourceError('not-found', `${files.label} has no tensor ${name}`);
      const bytes = await readers.get(header.file)!.read(header.begin, header.end - header.begin, readOptions);
      return tensor(header.shape, decodeTensorBytes(bytes, header.dtype));
    },
    readFile: (name, readOptions) => readSmallFile(files, name, readOptions),
    fingerprint: (readOptions) => fingerprintCheckpoint(raw, opened, readOptions),
    close: async () => void (await Promise.all([...readers.values()].map((r) => r.close?.()))),
  };
}
