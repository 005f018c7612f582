/**
 * Hugging Face checkpoints generated at test time (random weights, never committed): a family
 * spec and a config give the tensors and shapes; the weights are written tensor by tensor, as
 * one `model.safetensors` or as shards with `model.safetensors.index.json`, in F32, F16 or BF16.
 *
 * Weights are a pure function of (seed, tensor name, element index), so a base and its "experts"
 * (base + a small seeded delta) can be written without holding any model in memory, and a test
 * can recompute any tensor it needs as a reference.
 *
 * Other families plug in with their own `CheckpointFamily` (architecture name + expected shapes).
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { llamaExpectedShapes } from '@/lib/arch/llama';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { SafetensorsWriter, type SafetensorsTensorSpec } from '@/lib/formats/safetensors';
import { bytesPerElement } from '@/lib/tensors/dtype';
import { elementCount, type StorageDType } from '@/lib/tensors/tensor';

export interface CheckpointFamily {
  /** `architectures[0]` of config.json, e.g. "LlamaForCausalLM". */
  readonly architecture: string;
  readonly modelType: string;
  /** Every tensor of a checkpoint with this config, in checkpoint order. */
  expectedShapes(config: Readonly<Record<string, unknown>>): ReadonlyMap<string, readonly number[]>;
}

export const llamaCheckpointFamily: CheckpointFamily = {
  architecture: 'LlamaForCausalLM',
  modelType: 'llama',
  expectedShapes: (config) => llamaExpectedShapes(parseLlamaConfig(config)),
};

/** A small Llama config (2 layers, hidden 32): fast to write and read in unit tests. */
export function tinyLlamaConfig(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: 64,
    hidden_size: 32,
    intermediate_size: 48,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 8,
    max_position_embeddings: 64,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    ...overrides,
  };
}

/** SmolLM2-135M's shape: 30 layers, hidden 576, 9 heads / 3 KV heads, MLP 1536, vocab 49,152, tied, bf16. */
export function smolLm135mConfig(): Record<string, unknown> {
  return tinyLlamaConfig({
    vocab_size: 49152,
    hidden_size: 576,
    intermediate_size: 1536,
    num_hidden_layers: 30,
    num_attention_heads: 9,
    num_key_value_heads: 3,
    head_dim: 64,
    max_position_embeddings: 8192,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
  });
}

export interface CheckpointSpec {
  readonly family: CheckpointFamily;
  readonly config: Readonly<Record<string, unknown>>;
  /** Storage dtype of every tensor (default F32). */
  readonly dtype?: StorageDType;
  /** 1 (default): `model.safetensors`; more: `model-0000i-of-0000n.safetensors` and the index. */
  readonly shards?: number;
  /** Seed of the base weights. */
  readonly seed: number;
  /** An expert: the base plus `scale` (default 0.01) × its own seeded noise. */
  readonly expert?: { readonly seed: number; readonly scale?: number };
  /** tokenizer.json; default: a word-level vocabulary of `vocab_size` tokens; null: none. */
  readonly tokenizer?: unknown;
}

export interface WrittenCheckpoint {
  readonly dir: string;
  readonly files: readonly string[];
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Bytes of all weight files. */
  readonly weightBytes: number;
}

const TORCH_DTYPE: Record<StorageDType, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** A seeded generator per (seed, name): 32-bit xorshift after an FNV-1a hash of both. */
function streamFor(seed: number, name: string): () => number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  let x = h >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296 - 0.5;
  };
}

/** The fp32 values of one tensor before storage rounding: norms near 1, the rest small. */
export function generatedTensor(spec: Pick<CheckpointSpec, 'seed' | 'expert'>, name: string, shape: readonly number[]): Float32Array {
  const data = new Float32Array(elementCount(shape));
  const base = streamFor(spec.seed, name);
  const isNorm = name.endsWith('norm.weight');
  for (let i = 0; i < data.length; i++) data[i] = isNorm ? 1 + 0.2 * base() : 0.1 * base();
  if (spec.expert) {
    const delta = streamFor(spec.expert.seed, `expert:${name}`);
    const scale = spec.expert.scale ?? 0.01;
    for (let i = 0; i < data.length; i++) data[i]! += scale * 2 * delta();
  }
  return data;
}

/** A word-level tokenizer.json of `size` tokens (`<unk>`, then `${prefix}1`…), with `extra` tokens appended. */
export function wordLevelTokenizer(size: number, options: { readonly prefix?: string; readonly extra?: readonly string[] } = {}): unknown {
  const prefix = options.prefix ?? 'w';
  const vocab: Record<string, number> = { '<unk>': 0 };
  for (let id = 1; id < size; id++) vocab[`${prefix}${id}`] = id;
  const extra = options.extra ?? [];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      ...extra.map((content, i) => ({ id: size + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    ],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
}

/** Tensors split in order into `count` groups of about equal bytes. */
function shardGroups(specs: readonly SafetensorsTensorSpec[], count: number): SafetensorsTensorSpec[][] {
  const bytes = (s: SafetensorsTensorSpec) => elementCount(s.shape) * bytesPerElement(s.dtype);
  const total = specs.reduce((n, s) => n + bytes(s), 0);
  const groups: SafetensorsTensorSpec[][] = [[]];
  let done = 0;
  for (const spec of specs) {
    const current = groups[groups.length - 1]!;
    if (current.length > 0 && groups.length < count && done >= (total * groups.length) / count) groups.push([spec]);
    else current.push(spec);
    done += bytes(spec);
  }
  return groups;
}

export function shardFileName(index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `model-${pad(index + 1)}-of-${pad(count)}.safetensors`;
}

export async function writeCheckpoint(dir: string, spec: CheckpointSpec): Promise<WrittenCheckpoint> {
  await mkdir(dir, { recursive: true });
  const dtype = spec.dtype ?? 'F32';
  const config: Record<string, unknown> = {
    architectures: [spec.family.architecture],
    model_type: spec.family.modelType,
    ...spec.config,
    torch_dtype: TORCH_DTYPE[dtype],
  };
  const shapes = spec.family.expectedShapes(config);
  const specs = [...shapes].map(([name, shape]) => ({ name, shape, dtype }));
  const count = Math.max(1, Math.min(spec.shards ?? 1, specs.length));
  const groups = shardGroups(specs, count);
  const files: string[] = ['config.json'];
  await writeFile(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const weightMap: Record<string, string> = {};
  let weightBytes = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const file = groups.length === 1 ? 'model.safetensors' : shardFileName(g, groups.length);
    const handle = await open(path.join(dir, file), 'w');
    try {
      const writer = new SafetensorsWriter(group, async (chunk) => void (await handle.write(chunk)), { format: 'pt' });
      for (const tensorSpec of group) {
        await writer.write(tensorSpec.name, { shape: tensorSpec.shape, data: generatedTensor(spec, tensorSpec.name, tensorSpec.shape) });
        weightMap[tensorSpec.name] = file;
      }
      await writer.finish();
      weightBytes += writer.byteLength;
    } finally {
      await handle.close();
    }
    files.push(file);
  }
  if (groups.length > 1) {
    const index = { metadata: { total_size: weightBytes }, weight_map: weightMap };
    await writeFile(path.join(dir, 'model.safetensors.index.json'), `${JSON.stringify(index, null, 2)}\n`);
    files.push('model.safetensors.index.json');
  }
  const tokenizer = spec.tokenizer === undefined ? wordLevelTokenizer(Number(config.vocab_size)) : spec.tokenizer;
  if (tokenizer !== null) {
    await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
    files.push('tokenizer.json');
  }
  return { dir, files, shapes, weightBytes };
}

export interface LoraAdapterSpec {
  readonly family: CheckpointFamily;
  /** The base's config (its shapes decide the adapter's). */
  readonly baseConfig: Readonly<Record<string, unknown>>;
  /** `base_model_name_or_path`. */
  readonly baseModel: string;
  readonly r: number;
  readonly alpha: number;
  /** Module name suffixes, as PEFT's target_modules: `q_proj`, `v_proj`, `embed_tokens`. */
  readonly targetModules: readonly string[];
  /** Whole tensors saved beside the adapter (PEFT's modules_to_save), e.g. `lm_head`. */
  readonly modulesToSave?: readonly string[];
  readonly rankPattern?: Readonly<Record<string, number>>;
  readonly alphaPattern?: Readonly<Record<string, number>>;
  readonly useRslora?: boolean;
  readonly fanInFanOut?: boolean;
  readonly dtype?: StorageDType;
  readonly seed: number;
  /** Extra keys for adapter_config.json (e.g. use_dora, to test refusals). */
  readonly extraConfig?: Readonly<Record<string, unknown>>;
}

const EMBEDDING_MODULES = new Set(['embed_tokens', 'wte', 'word_embeddings']);

/** Writes `adapter_config.json` and `adapter_model.safetensors` as PEFT saves a LoRA adapter. */
export async function writeLoraAdapter(dir: string, spec: LoraAdapterSpec): Promise<{ dir: string; tensors: ReadonlyMap<string, readonly number[]> }> {
  await mkdir(dir, { recursive: true });
  const shapes = spec.family.expectedShapes(spec.baseConfig);
  const dtype = spec.dtype ?? 'F32';
  const tensors = new Map<string, readonly number[]>();
  const patternFor = (patterns: Readonly<Record<string, number>> | undefined, module: string) =>
    Object.entries(patterns ?? {}).find(([pattern]) => new RegExp(`^(.*\\.)?(${pattern})$`).test(module))?.[1];
  for (const [name, shape] of shapes) {
    if (!name.endsWith('.weight') || shape.length !== 2) continue;
    const module = name.slice(0, -'.weight'.length);
    const leaf = module.split('.').pop() ?? module;
    if (!spec.targetModules.includes(leaf)) continue;
    const r = patternFor(spec.rankPattern, module) ?? spec.r;
    if (EMBEDDING_MODULES.has(leaf)) {
      const [vocab, dim] = shape as [number, number];
      tensors.set(`base_model.model.${module}.lora_embedding_A`, [r, vocab]);
      tensors.set(`base_model.model.${module}.lora_embedding_B`, [dim, r]);
    } else {
      const [out, inner] = (spec.fanInFanOut ? [shape[1], shape[0]] : shape) as [number, number];
      tensors.set(`base_model.model.${module}.lora_A.weight`, [r, inner]);
      tensors.set(`base_model.model.${module}.lora_B.weight`, [out, r]);
    }
  }
  for (const module of spec.modulesToSave ?? []) {
    const name = [...shapes.keys()].find((n) => n === `${module}.weight` || n.endsWith(`.${module}.weight`));
    if (name) tensors.set(`base_model.model.${name}`, shapes.get(name)!);
  }
  const specs = [...tensors].map(([name, shape]) => ({ name, shape, dtype }));
  const handle = await open(path.join(dir, 'adapter_model.safetensors'), 'w');
  try {
    const writer = new SafetensorsWriter(specs, async (chunk) => void (await handle.write(chunk)), { format: 'pt' });
    for (const { name, shape } of specs) await writer.write(name, { shape, data: generatedTensor({ seed: spec.seed }, name, shape) });
    await writer.finish();
  } finally {
    await handle.close();
  }
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: spec.baseModel,
    r: spec.r,
    lora_alpha: spec.alpha,
    lora_dropout: 0,
    use_rslora: spec.useRslora ?? false,
    fan_in_fan_out: spec.fanInFanOut ?? false,
    bias: 'none',
    target_modules: [...spec.targetModules],
    modules_to_save: spec.modulesToSave ? [...spec.modulesToSave] : null,
    rank_pattern: spec.rankPattern ?? {},
    alpha_pattern: spec.alphaPattern ?? {},
    use_dora: false,
    ...spec.extraConfig,
  };
  await writeFile(path.join(dir, 'adapter_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return { dir, tensors };
}
