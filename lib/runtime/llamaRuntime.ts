/**
 * Runs a Llama-family model with onnxruntime-web: one session per architecture config, weights
 * fed as inputs (so a new merge is just `setWeights`), batched forward passes, and batched
 * generation with a KV cache.
 *
 * `ort` is passed in: in the browser only the worker imports onnxruntime-web; Node imports it
 * directly (its wasm backend runs there).
 *
 * Batching: prompts of different lengths are LEFT-padded for generation, so every row produces
 * its next token at the same column and the cache grows in lockstep. Padding is masked out of
 * attention through `attention_bias` and skipped in `position_ids`, so a row's tokens are the
 * same whether it runs alone or in a batch. Finished rows are dropped from the batch (their
 * cache rows removed) once enough of them are done.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import type { NamedTensors } from '@/lib/tensors/tensor';
import {
  buildLlamaGraph,
  checkSupportedLlamaConfig,
  llamaWeightShapes,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from './llamaGraph';
import { argmax, sampleToken, seededRandom, tokenProbability } from './sampling';

export type Ort = typeof import('onnxruntime-web');

/** Added to attention scores of masked positions. Finite, so a row with nothing to attend to
 * (a padding query) gives a uniform softmax instead of NaNs that would poison the cache. */
export const MASKED = -1e9;

/** A prompt prefix shared by a whole batch is computed once (in its own run) when that saves at
 * least this many token evaluations. */
const MIN_SHARED_PREFIX_SAVING = 16;

export interface LlamaRuntimeOptions {
  sessionOptions?: InferenceSession.SessionOptions;
  /** Token fed at padded slots (masked out, so any valid id works). Default: config pad id or 0. */
  padTokenId?: number;
  /** Rows per ONNX run in `logits` and generation; larger inputs are split. Default 256. */
  maxBatchSize?: number;
  /**
   * Stores these weights in the graph as initializers: ORT can then pre-pack its matrix products
   * and nothing is copied per run (about 3× faster per generated token for a single prompt on
   * the zoo's models), but `setWeights` is refused. For long generations once sliders stop.
   */
  bakedWeights?: NamedTensors;
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** Generation of a row ends after it produces this token (or one of these). */
  stopTokenId?: number | readonly number[];
  /** Called for every new token of a row still running. */
  onToken?: (row: number, token: number, probability: number) => void;
  /** Ends a row early when it returns true (called after each new token that is not a stop token). */
  stopWhen?: (row: number, tokens: readonly number[]) => boolean;
  /**
   * Awaited between decoding steps, after the step's tokens were reported: lets a caller wait for
   * whoever consumes `onToken` and give its event loop a turn, so a cancelling message can arrive.
   * A rejection ends the generation with that error.
   */
  betweenSteps?: () => Promise<void>;
}

export interface SampleOptions extends GenerateOptions {
  /** Softmax temperature; 0 means greedy. */
  temperature: number;
  /** Keep only the k most likely tokens (0: all). */
  topK?: number;
  /** Same seed, same prompts, same weights → same tokens. */
  seed: number;
}

export interface GeneratedSequence {
  /** New tokens, including the stop token when one was produced. */
  tokens: number[];
  /** The model's probability (softmax at temperature 1) of each token in `tokens`. */
  probs: number[];
  /** True when the row ended with a stop token (rather than running out of tokens). */
  stopped: boolean;
}

/** How a row's next token is chosen from its logits. */
type TokenChooser = (logits: Float32Array, row: number) => number;

interface ForwardInputs {
  batch: number;
  seq: number;
  ids: BigInt64Array;
  positions: BigInt64Array;
  bias: Float32Array;
  /** Per layer [key, value]; empty arrays mean no past. */
  past: OrtTensor[];
  pastLength: number;
  withPresent: boolean;
}

interface ForwardOutputs {
  logits: Float32Array;
  present: OrtTensor[];
}

export async function createLlamaRuntime(ort: Ort, config: LlamaConfig, options: LlamaRuntimeOptions = {}): Promise<LlamaRuntime> {
  checkSupportedLlamaConfig(config);
  if (options.bakedWeights) throwIfProblems(checkLlamaWeights(config, options.bakedWeights));
  const graph = buildLlamaGraph(config, { bakedWeights: options.bakedWeights });
  const session = await ort.InferenceSession.create(graph, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    ...options.sessionOptions,
  });
  return new LlamaRuntime(ort, config, session, options);
}

export class LlamaRuntime {
  private weightFeeds: Record<string, OrtTensor> | null = null;
  private readonly expectedShapes: Map<string, number[]>;
  private readonly padTokenId: number;
  private readonly maxBatchSize: number;
  private readonly layers: number;
  private readonly kvHeads: number;
  private readonly headDim: number;
  private readonly vocab: number;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly baked: boolean;

  constructor(
    private readonly ort: Ort,
    readonly config: LlamaConfig,
    private readonly session: InferenceSession,
    options: LlamaRuntimeOptions = {},
  ) {
    this.expectedShapes = llamaWeightShapes(config);
    const pad = options.padTokenId ?? config.pad_token_id ?? 0;
    this.padTokenId = pad >= 0 && pad < config.vocab_size ? pad : 0;
    this.maxBatchSize = options.maxBatchSize ?? 256;
    this.layers = config.num_hidden_layers;
    this.kvHeads = config.num_key_value_heads;
    this.headDim = config.head_dim;
    this.vocab = config.vocab_size;
    this.baked = options.bakedWeights !== undefined;
    if (this.baked) this.weightFeeds = {};
  }

  static create(ort: Ort, config: LlamaConfig, options: LlamaRuntimeOptions = {}): Promise<LlamaRuntime> {
    return createLlamaRuntime(ort, config, options);
  }

  get hasWeights(): boolean {
    return this.weightFeeds !== null;
  }

  /**
   * Checks every tensor against the config (names and shapes) and keeps them as ORT tensors,
   * fed on every run. The arrays are referenced, not copied: do not mutate them afterwards.
   * An `lm_head.weight` beside tied embeddings is ignored, as Hugging Face ignores it.
   */
  setWeights(weights: NamedTensors): void {
    if (this.baked) throw new Error('this runtime has its weights baked into the graph; create another runtime for new weights');
    throwIfProblems(checkLlamaWeights(this.config, weights));
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, shape] of this.expectedShapes) feeds[name] = new this.ort.Tensor('float32', weights.get(name)!.data, shape);
    this.weightFeeds = feeds;
  }

  /**
   * Logits at every position of each sequence: result[i] is [ids[i].length × vocab], row-major.
   * Sequences are right-padded into batches of at most maxBatchSize rows.
   */
  logits(ids: readonly (readonly number[])[]): Promise<Float32Array[]> {
    return this.exclusive(async () => {
      const out: Float32Array[] = [];
      for (let start = 0; start < ids.length; start += this.maxBatchSize) {
        out.push(...(await this.logitsBatch(ids.slice(start, start + this.maxBatchSize))));
      }
      return out;
    });
  }

  /** Greedy continuations of each prompt (token ids, BOS included by the caller). */
  generateGreedy(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<GeneratedSequence[]> {
    return this.generate(prompts, options, (logits) => argmax(logits));
  }

  /** Sampled continuations: softmax(logits / temperature) over the top k. Row r draws from its
   * own RNG stream seeded by (seed, r), so it does not depend on how rows are batched. */
  generateSample(prompts: readonly (readonly number[])[], options: SampleOptions): Promise<GeneratedSequence[]> {
    const streams = new Map<number, () => number>();
    const scratch = new Float64Array(this.vocab);
    const settings = { temperature: options.temperature, topK: options.topK };
    return this.generate(prompts, options, (logits, row) => {
      let random = streams.get(row);
      if (!random) streams.set(row, (random = seededRandom(options.seed ^ Math.imul(row + 1, 0x9e3779b1))));
      return sampleToken(logits, settings, random, scratch);
    });
  }

  /** Releases the ORT session. Further calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.session.release();
  }

  // ---------------------------------------------------------------------------------------------

  private generate(
    prompts: readonly (readonly number[])[],
    options: GenerateOptions,
    choose: TokenChooser,
  ): Promise<GeneratedSequence[]> {
    return this.exclusive(async () => {
      const results: GeneratedSequence[] = [];
      for (let start = 0; start < prompts.length; start += this.maxBatchSize) {
        const batch = prompts.slice(start, start + this.maxBatchSize);
        const { onToken, stopWhen } = options;
        const shifted: GenerateOptions = {
          ...options,
          onToken: onToken && ((row, token, p) => onToken(start + row, token, p)),
          stopWhen: stopWhen && ((row, tokens) => stopWhen(start + row, tokens)),
        };
        results.push(...(await this.generateBatch(batch, shifted, (logits, row) => choose(logits, start + row))));
      }
      return results;
    });
  }

  private async logitsBatch(ids: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const batch = ids.length;
    const seq = Math.max(1, ...ids.map((row) => row.length));
    const inputIds = new BigInt64Array(batch * seq).fill(BigInt(this.padTokenId));
    const positions = new BigInt64Array(batch * seq);
    for (let b = 0; b < batch; b++) {
      const row = ids[b]!;
      for (let s = 0; s < row.length; s++) inputIds[b * seq + s] = this.tokenId(row[s]!);
      for (let s = 0; s < seq; s++) positions[b * seq + s] = BigInt(s);
    }
    // Right padding: a plain causal mask; the padded tail never influences real positions.
    const { logits } = await this.forward({
      batch,
      seq,
      ids: inputIds,
      positions,
      bias: causalBias(batch, seq),
      past: this.emptyPast(batch),
      pastLength: 0,
      withPresent: false,
    });
    const V = this.vocab;
    return ids.map((row, b) => logits.slice(b * seq * V, (b * seq + row.length) * V));
  }

  /**
   * One batch of generation. The cache is laid out per row as
   *   [shared prefix (P) | padding (pad[b]) | rest of the prompt | generated tokens]
   * The prefix all prompts share (a task's instruction, at least BOS) is computed once and
   * copied to every row; padding columns are masked and skipped by position_ids.
   */
  private async generateBatch(
    prompts: readonly (readonly number[])[],
    options: GenerateOptions,
    choose: TokenChooser,
  ): Promise<GeneratedSequence[]> {
    const batch = prompts.length;
    const results = prompts.map(() => ({ tokens: [] as number[], probs: [] as number[], stopped: false, ended: false }));
    if (batch === 0 || options.maxNewTokens <= 0) return results.map(({ tokens, probs, stopped }) => ({ tokens, probs, stopped }));
    if (prompts.some((p) => p.length === 0)) throw new Error('every prompt needs at least one token (e.g. BOS)');
    const stops = new Set(typeof options.stopTokenId === 'number' ? [options.stopTokenId] : (options.stopTokenId ?? []));
    const V = this.vocab;

    // 1. The shared prefix, once.
    const shared = sharedPrefixLength(prompts);
    const prefix = (batch - 1) * shared >= MIN_SHARED_PREFIX_SAVING ? shared : 0;
    let past = this.emptyPast(batch);
    if (prefix > 0) {
      const ids = BigInt64Array.from(prompts[0]!.slice(0, prefix), (id) => this.tokenId(id));
      const positions = BigInt64Array.from(ids, (_, s) => BigInt(s));
      const out = await this.forward({ batch: 1, seq: prefix, ids, positions, bias: causalBias(1, prefix), past, pastLength: 0, withPresent: true });
      past = out.present.map((t) => this.selectRows(t, new Array<number>(batch).fill(0)));
    }

    // 2. The rest of each prompt, left-padded: row b's tokens start at column prefix + pad[b].
    const seq = Math.max(...prompts.map((p) => p.length)) - prefix;
    const width = prefix + seq;
    let pad = prompts.map((p) => prefix + seq - p.length);
    const ids = new BigInt64Array(batch * seq).fill(BigInt(this.padTokenId));
    const positions = new BigInt64Array(batch * seq);
    const bias = new Float32Array(batch * seq * width).fill(MASKED);
    for (let b = 0; b < batch; b++) {
      const prompt = prompts[b]!;
      const start = pad[b]!;
      for (let s = start; s < seq; s++) {
        ids[b * seq + s] = this.tokenId(prompt[prefix + s - start]!);
        positions[b * seq + s] = BigInt(prefix + s - start);
      }
      for (let q = 0; q < seq; q++) {
        const rowStart = (b * seq + q) * width;
        if (q < start) {
          bias[rowStart + prefix + q] = 0; // a padding query attends to itself only
        } else {
          bias.fill(0, rowStart, rowStart + prefix);
          bias.fill(0, rowStart + prefix + start, rowStart + prefix + q + 1);
        }
      }
    }
    let out = await this.forward({ batch, seq, ids, positions, bias, past, pastLength: prefix, withPresent: true });
    let logitsRow = (i: number) => out.logits.subarray((i * seq + seq - 1) * V, (i * seq + seq) * V);

    // 3. One token per running row per step. rows[i]: the prompt in row i of the running batch.
    let rows = prompts.map((_, b) => b);
    let nextTokens = new Array<number>(batch);
    let total = width; // cache length
    for (let step = 0; ; step++) {
      let running = 0;
      for (let i = 0; i < rows.length; i++) {
        const prompt = rows[i]!;
        const result = results[prompt]!;
        if (result.stopped || result.ended) continue;
        const logits = logitsRow(i);
        const token = choose(logits, prompt);
        const prob = tokenProbability(logits, token);
        result.tokens.push(token);
        result.probs.push(prob);
        options.onToken?.(prompt, token, prob);
        nextTokens[i] = token;
        if (stops.has(token)) result.stopped = true;
        else if (options.stopWhen?.(prompt, result.tokens)) result.ended = true;
        if (!result.stopped && !result.ended) running++;
      }
      if (running === 0 || step + 1 >= options.maxNewTokens) break;
      await options.betweenSteps?.();

      // Drop finished rows once a quarter of the batch is done: less cache to copy every step.
      if (running <= (rows.length * 3) / 4) {
        const keep = rows.flatMap((p, i) => (results[p]!.stopped || results[p]!.ended ? [] : [i]));
        out = { logits: out.logits, present: out.present.map((t) => this.selectRows(t, keep)) };
        rows = keep.map((i) => rows[i]!);
        pad = keep.map((i) => pad[i]!);
        nextTokens = keep.map((i) => nextTokens[i]!);
      }

      const n = rows.length;
      const stepIds = new BigInt64Array(n);
      const stepPositions = new BigInt64Array(n);
      const stepBias = new Float32Array(n * (total + 1));
      for (let i = 0; i < n; i++) {
        const padding = pad[i]!;
        stepIds[i] = this.tokenId(nextTokens[i]!);
        stepPositions[i] = BigInt(total - padding);
        stepBias.fill(MASKED, i * (total + 1) + prefix, i * (total + 1) + prefix + padding);
      }
      out = await this.forward({ batch: n, seq: 1, ids: stepIds, positions: stepPositions, bias: stepBias, past: out.present, pastLength: total, withPresent: true });
      total += 1;
      const stepLogits = out.logits;
      logitsRow = (i: number) => stepLogits.subarray(i * V, (i + 1) * V);
    }
    return results.map(({ tokens, probs, stopped }) => ({ tokens, probs, stopped }));
  }

  private async forward(inputs: ForwardInputs): Promise<ForwardOutputs> {
    if (this.closed) throw new Error('this runtime is closed');
    if (!this.weightFeeds) throw new Error('no weights: call setWeights first');
    const { batch, seq, pastLength } = inputs;
    const Tensor = this.ort.Tensor;
    const feeds: Record<string, OrtTensor> = {
      ...this.weightFeeds,
      input_ids: new Tensor('int64', inputs.ids, [batch, seq]),
      position_ids: new Tensor('int64', inputs.positions, [batch, seq]),
      attention_bias: new Tensor('float32', inputs.bias, [batch, 1, seq, pastLength + seq]),
    };
    for (let layer = 0; layer < this.layers; layer++) {
      feeds[pastKeyName(layer)] = inputs.past[2 * layer]!;
      feeds[pastValueName(layer)] = inputs.past[2 * layer + 1]!;
    }
    const fetches = ['logits'];
    if (inputs.withPresent) {
      for (let layer = 0; layer < this.layers; layer++) fetches.push(presentKeyName(layer), presentValueName(layer));
    }
    const result = await this.session.run(feeds, fetches);
    const present: OrtTensor[] = [];
    if (inputs.withPresent) {
      for (let layer = 0; layer < this.layers; layer++) present.push(result[presentKeyName(layer)]!, result[presentValueName(layer)]!);
    }
    return { logits: result.logits!.data as Float32Array, present };
  }

  private emptyPast(batch: number): OrtTensor[] {
    const empty = new this.ort.Tensor('float32', new Float32Array(0), [batch, this.kvHeads, 0, this.headDim]);
    return Array.from({ length: 2 * this.layers }, () => empty);
  }

  /** Rows `keep` of a [B, ...] cache tensor. */
  private selectRows(t: OrtTensor, keep: readonly number[]): OrtTensor {
    const data = t.data as Float32Array;
    const rowSize = data.length / t.dims[0]!;
    const out = new Float32Array(keep.length * rowSize);
    keep.forEach((row, i) => out.set(data.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize));
    return new this.ort.Tensor('float32', out, [keep.length, ...t.dims.slice(1)]);
  }

  private tokenId(id: number): bigint {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocab) throw new RangeError(`token id ${id} is outside the vocabulary (${this.vocab})`);
    return BigInt(id);
  }

  /** Runs calls one at a time: a session must not run twice at once. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Problems that keep `weights` from running under `config`: missing tensors, wrong shapes,
 * tensors the architecture does not have. Empty when they fit. An `lm_head.weight` beside tied
 * embeddings is ignored (as Hugging Face ignores it), and so are `rotary_emb.inv_freq` buffers.
 */
export function checkLlamaWeights(config: LlamaConfig, weights: NamedTensors): string[] {
  const problems: string[] = [];
  const expected = llamaWeightShapes(config);
  for (const [name, shape] of expected) {
    const t = weights.get(name);
    if (!t) problems.push(`missing ${name} [${shape.join(', ')}]`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      problems.push(`${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    } else if (t.data.length !== shape.reduce((a, b) => a * b, 1)) {
      problems.push(`${name} holds ${t.data.length} values for shape [${shape.join(', ')}]`);
    }
  }
  for (const name of weights.keys()) {
    if (expected.has(name)) continue;
    if (name === 'lm_head.weight' && config.tie_word_embeddings) continue;
    if (name.endsWith('.rotary_emb.inv_freq')) continue;
    problems.push(`unexpected tensor ${name}`);
  }
  return problems;
}

function throwIfProblems(problems: readonly string[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, 8).join('\n  ');
  const more = problems.length > 8 ? `\n  … and ${problems.length - 8} more` : '';
  throw new Error(`weights do not fit this Llama config:\n  ${shown}${more}`);
}

/** [batch, 1, seq, seq]: each position attends to itself and the positions before it. */
function causalBias(batch: number, seq: number): Float32Array {
  const bias = new Float32Array(batch * seq * seq);
  for (let r = 0; r < batch * seq; r++) {
    const q = r % seq;
    bias.fill(MASKED, r * seq + q + 1, (r + 1) * seq);
  }
  return bias;
}

/** Length of the prefix every prompt shares, leaving at least one token of each prompt after it. */
function sharedPrefixLength(prompts: readonly (readonly number[])[]): number {
  const first = prompts[0]!;
  let length = Math.min(...prompts.map((p) => p.length)) - 1;
  for (const p of prompts) {
    let i = 0;
    while (i < length && p[i] === first[i]) i++;
    length = i;
  }
  return Math.max(0, length);
}
