/**
 * The engine: owns model bytes, merges recipes, runs the ONNX runtime, scores. The browser
 * runs it in a Web Worker (engine.worker.ts); Node runs the very same class for the CLI,
 * the benchmarks and the tests, with a file-system loader instead of fetch.
 */
import { z } from 'zod';
import { architectureFor, type ModelArchitecture } from '@/lib/arch';
import { taskVectorDiagnostics, type TaskVectorDiagnostics } from '@/lib/diagnostics/taskVectors';
import { scoreAll } from '@/lib/eval/exactMatch';
import { inMemorySource, mergeRecipeStage, type MergedStage } from '@/lib/merge/executor';
import { parseLlamaConfig, type LlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors } from '@/lib/formats/safetensors';
import { loadTextTokenizer, type TextTokenizer } from '@/lib/formats/tokenizer';
import type { Recipe } from '@/lib/recipe/schema';
import { externalModels } from '@/lib/recipe/recipeGraph';
import type { ZooFiles } from '@/lib/zoo/zooFiles';
import { modelFileUrl } from '@/lib/zoo/zooIndex';
import { incrementalDecoder } from '@/lib/runtime/incrementalDecoder';
import { createLlamaRuntime, type GenerateOptions, type LlamaRuntime, type Ort } from '@/lib/runtime/llamaRuntime';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { evalFileName, parseEvalJsonl, type EvalItem, type EvalSplit } from '@/lib/eval/evalSet';
import type {
  Decoding,
  EngineInfo,
  GeneratedText,
  GenerationRequest,
  GenerationResult,
  ModelTarget,
  ScoreProgress,
  ScoreRequest,
  ScoreResult,
  StreamedAnswer,
  StreamedToken,
  StreamRequest,
} from './engineApi';
import { GREEDY, SUPERSEDED, type ReferenceCheck } from './engineApi';

/** `reference_logits.json`, written by the zoo's trainer: logits at every position of a few prompts. */
const referenceLogitsSchema = z.object({
  cases: z.array(z.object({ prompt: z.string(), input_ids: z.array(z.number().int()), logits: z.array(z.array(z.number())) })),
});

export interface EngineOptions {
  backend?: EngineInfo['backend'];
  threads?: number;
  crossOriginIsolated?: boolean;
  /** Execution providers for ORT sessions (default: wasm). */
  executionProviders?: string[];
}

/** A model the engine holds in memory, with what running it needs. */
interface LoadedModel {
  id: string;
  config: LlamaConfig;
  architecture: ModelArchitecture;
  tensors: NamedTensors;
  tokenizer: TextTokenizer;
}

const MERGE_CACHE_SIZE = 4;
/** Prompts per score batch: small enough that a preview never waits long behind one. */
const SCORE_BATCH = 128;

/**
 * Serialises use of the runtime (one ORT session runs one thing at a time, with one model's
 * weights). Waiting work runs by priority, so a preview slips in ahead of queued score batches.
 */
class PriorityMutex {
  private busy = false;
  private readonly waiting: Array<{ priority: number; start: () => void }> = [];

  async run<T>(priority: number, work: () => Promise<T>): Promise<T> {
    if (this.busy) {
      await new Promise<void>((start) => {
        const at = this.waiting.findIndex((w) => w.priority < priority);
        this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { priority, start });
      });
    }
    this.busy = true;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.busy = false;
    }
  }
}

const PREVIEW_PRIORITY = 1;
const SCORE_PRIORITY = 0;

export class Engine {
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private readonly runtimes = new Map<string, Promise<LlamaRuntime>>();
  private readonly merges = new Map<string, Promise<MergedStage>>();
  private readonly evalSets = new Map<string, Promise<EvalItem[]>>();
  private readonly latest = new Map<string, number>();
  private readonly mutex = new PriorityMutex();
  private weightsOnRuntime = new WeakMap<LlamaRuntime, NamedTensors>();
  private sequence = 0;

  constructor(
    private readonly ort: Ort,
    private readonly files: ZooFiles,
    private readonly options: EngineOptions = {},
  ) {}

  async info(): Promise<EngineInfo> {
    return {
      backend: this.options.backend ?? 'wasm',
      threads: this.options.threads ?? 1,
      crossOriginIsolated: this.options.crossOriginIsolated ?? false,
    };
  }

  // ---------------------------------------------------------------- requests

  async generate(channel: string, request: GenerationRequest): Promise<GenerationResult> {
    const ticket = this.claim(channel);
    const mergeStart = now();
    const resolved = [];
    for (const target of request.targets) resolved.push(await this.resolve(target));
    const mergeMs = now() - mergeStart;
    this.check(channel, ticket);
    const generateStart = now();
    const outputs: GeneratedText[] = [];
    for (const { weights, model } of resolved) {
      const { text, finished } = await this.answer(model, weights, request);
      outputs.push({ text, finished });
      this.check(channel, ticket);
    }
    return { outputs, mergeMs, generateMs: now() - generateStart };
  }

  async generateStream(channel: string, request: StreamRequest, onToken: (token: StreamedToken) => void | Promise<void>): Promise<StreamedAnswer> {
    const ticket = this.claim(channel);
    const mergeStart = now();
    const { weights, model } = await this.resolve(request.target);
    const mergeMs = now() - mergeStart;
    this.check(channel, ticket);
    const generateStart = now();
    const answer = await this.answer(model, weights, request, { onToken, check: () => this.check(channel, ticket) });
    return { ...answer, mergeMs, generateMs: now() - generateStart };
  }

  async score(channel: string, request: ScoreRequest, onProgress?: (progress: ScoreProgress) => void): Promise<ScoreResult> {
    const ticket = this.claim(channel);
    const start = now();
    const { weights, model } = await this.resolve(request.target);
    const runtime = await this.runtimeFor(model.config);
    const items = new Map<string, EvalItem[]>();
    for (const skill of request.skills) {
      const set = await this.evalSet(skill, request.split);
      items.set(skill, request.range ? set.slice(request.range[0], request.range[1]) : set);
    }
    this.check(channel, ticket);
    // Each batch takes the runtime on its own, so previews slip in between batches, and a
    // newer request on this channel stops this one at the next batch. A model run never lets
    // the event loop turn, so each batch first waits for one turn: requests that arrived as
    // messages meanwhile get in.
    const generator = {
      generateGreedy: async (prompts: readonly (readonly number[])[], options: Parameters<LlamaRuntime['generateGreedy']>[1]) => {
        await nextTurn();
        this.check(channel, ticket);
        return this.withWeights(runtime, weights, SCORE_PRIORITY, () => runtime.generateGreedy(prompts, options));
      },
    };
    const result = await scoreAll(generator, model.tokenizer, items, (done, total) => onProgress?.({ done, total }), {
      batchSize: SCORE_BATCH,
      // Scores carry no failure list, so none is regenerated.
      maxFailures: 0,
    });
    return {
      scores: request.skills.map((skill) => {
        const s = result[skill];
        return { skill, correct: s?.correct ?? 0, total: s?.total ?? 0, accuracy: s?.accuracy ?? 0 };
      }),
      ms: now() - start,
    };
  }

  async diagnostics(base: ModelTarget, experts: ModelTarget[]): Promise<TaskVectorDiagnostics> {
    const asSource = async (target: ModelTarget) => {
      const { weights, model } = await this.resolve(target);
      const architecture = architectureFor(model.config);
      return inMemorySource(weights, architecture.tensorInfo, architecture.layerCount);
    };
    const label = (t: ModelTarget) => (t.kind === 'zoo' ? t.id : t.stage);
    return taskVectorDiagnostics(
      await asSource(base),
      await Promise.all(experts.map(async (t) => ({ id: label(t), source: await asSource(t) }))),
    );
  }

  async verifyReference(models: string[]): Promise<ReferenceCheck[]> {
    const checks: ReferenceCheck[] = [];
    for (const id of models) {
      const model = await this.loadModel(id);
      const reference = referenceLogitsSchema.parse(JSON.parse(await this.files.text(modelFileUrl(id, 'reference_logits.json'))));
      const runtime = await this.runtimeFor(model.config);
      const ids = reference.cases.map((c) => c.input_ids);
      const logits = await this.withWeights(runtime, model.tensors, PREVIEW_PRIORITY, () => runtime.logits(ids));
      let maxAbsDiff = 0;
      let positions = 0;
      reference.cases.forEach((c, i) => {
        const got = logits[i];
        if (!got) throw new Error(`no logits for reference case ${i} of ${id}`);
        c.logits.forEach((row, position) => {
          positions++;
          row.forEach((expected, v) => {
            maxAbsDiff = Math.max(maxAbsDiff, Math.abs((got[position * row.length + v] ?? NaN) - expected));
          });
        });
      });
      checks.push({ model: id, positions, maxAbsDiff });
    }
    return checks;
  }

  /**
   * One model's answer to a prompt, until its newline. With `stream`, each token goes to
   * `onToken` as it is generated; between tokens the engine waits for that delivery and
   * `check` may throw to end the answer early.
   */
  private async answer(
    model: LoadedModel,
    weights: NamedTensors,
    request: { prompt: string; maxNewTokens: number; decoding?: Decoding },
    stream?: { onToken: (token: StreamedToken) => void | Promise<void>; check: () => void },
  ): Promise<GeneratedText & { tokens: StreamedToken[] }> {
    const runtime = await this.runtimeFor(model.config);
    const prompt = model.tokenizer.encode(request.prompt);
    const newline = newlineId(model.tokenizer);
    const decoder = incrementalDecoder(model.tokenizer);
    const tokens: StreamedToken[] = [];
    let delivery: void | Promise<void> = undefined;
    const options: GenerateOptions = {
      maxNewTokens: request.maxNewTokens,
      stopTokenId: newline,
      onToken: (_row, id, probability) => {
        if (id === newline) return;
        const token: StreamedToken = { index: tokens.length, id, text: decoder.push(id), probability };
        tokens.push(token);
        delivery = stream?.onToken(token);
      },
      ...(stream
        ? {
            betweenSteps: async () => {
              await delivery;
              stream.check();
            },
          }
        : {}),
    };
    const decoding = request.decoding ?? GREEDY;
    const [sequence] = await this.withWeights(runtime, weights, PREVIEW_PRIORITY, () =>
      decoding.mode === 'sample'
        ? runtime.generateSample([prompt], { ...options, temperature: decoding.temperature, topK: decoding.topK, seed: decoding.seed })
        : runtime.generateGreedy([prompt], options),
    );
    await delivery;
    stream?.check();
    // A character still incomplete when the answer ended belongs to its last token.
    const last = tokens[tokens.length - 1];
    if (last && decoder.pending) tokens[tokens.length - 1] = { ...last, text: last.text + decoder.pending };
    return { text: decoder.text, finished: sequence?.stopped ?? false, tokens };
  }

  // ---------------------------------------------------------------- models

  /** A zoo model, loaded once: config, tokenizer and fp32 weights. */
  loadModel(id: string): Promise<LoadedModel> {
    let model = this.models.get(id);
    if (!model) {
      model = this.readModel(id);
      this.models.set(id, model);
      model.catch(() => this.models.delete(id));
    }
    return model;
  }

  private async readModel(id: string): Promise<LoadedModel> {
    const [configText, tokenizerText, bytes] = await Promise.all([
      this.files.text(modelFileUrl(id, 'config.json')),
      this.files.text(modelFileUrl(id, 'tokenizer.json')),
      this.files.bytes(modelFileUrl(id, 'model.safetensors')),
    ]);
    const tokenizerConfig = await this.files.text(modelFileUrl(id, 'tokenizer_config.json')).then(JSON.parse, () => undefined);
    const config = parseLlamaConfig(JSON.parse(configText));
    const { tensors } = loadSafetensors(bytes);
    return { id, config, architecture: architectureFor(config), tensors, tokenizer: loadTextTokenizer(JSON.parse(tokenizerText), tokenizerConfig) };
  }

  /** Weights and model description of a target, merging (and caching) recipes as needed. */
  async resolve(target: ModelTarget): Promise<{ weights: NamedTensors; model: LoadedModel }> {
    if (target.kind === 'zoo') {
      const model = await this.loadModel(target.id);
      return { weights: model.tensors, model };
    }
    const merged = await this.mergeCached(target.recipe, target.stage);
    const [first] = externalModels(target.recipe);
    if (first === undefined) throw new Error('the recipe reads no model');
    // The merged model shares its sources' tokenizer and config, but for its depth.
    const source = await this.loadModel(first);
    const config = merged.layerCount === source.config.num_hidden_layers ? source.config : { ...source.config, num_hidden_layers: merged.layerCount };
    return { weights: merged.tensors, model: { ...source, config } };
  }

  private mergeCached(recipe: Recipe, stage: string): Promise<MergedStage> {
    const key = JSON.stringify([recipe, stage]);
    let merged = this.merges.get(key);
    if (!merged) {
      merged = mergeRecipeStage(recipe, stage, async (id) => {
        const model = await this.loadModel(id);
        return inMemorySource(model.tensors, model.architecture.tensorInfo, model.architecture.layerCount);
      });
      this.merges.set(key, merged);
      merged.catch(() => this.merges.delete(key));
      while (this.merges.size > MERGE_CACHE_SIZE) {
        const oldest = this.merges.keys().next().value;
        if (oldest === undefined) break;
        this.merges.delete(oldest);
      }
    }
    return merged;
  }

  private runtimeFor(config: LlamaConfig): Promise<LlamaRuntime> {
    const key = JSON.stringify(config);
    let runtime = this.runtimes.get(key);
    if (!runtime) {
      runtime = createLlamaRuntime(this.ort, config, {
        sessionOptions: { executionProviders: this.options.executionProviders ?? ['wasm'] },
      });
      this.runtimes.set(key, runtime);
      runtime.catch(() => this.runtimes.delete(key));
    }
    return runtime;
  }

  private withWeights<T>(runtime: LlamaRuntime, weights: NamedTensors, priority: number, work: () => Promise<T>): Promise<T> {
    return this.mutex.run(priority, async () => {
      if (this.weightsOnRuntime.get(runtime) !== weights) {
        runtime.setWeights(weights);
        this.weightsOnRuntime.set(runtime, weights);
      }
      return work();
    });
  }

  private evalSet(skill: string, split: EvalSplit): Promise<EvalItem[]> {
    const key = `${skill}.${split}`;
    let set = this.evalSets.get(key);
    if (!set) {
      const path = `/evals/${encodeURIComponent(evalFileName(skill, split))}`;
      set = this.files.text(path).then((text) => parseEvalJsonl(text, path));
      this.evalSets.set(key, set);
      set.catch(() => this.evalSets.delete(key));
    }
    return set;
  }

  // ---------------------------------------------------------------- channels

  private claim(channel: string): number {
    const ticket = ++this.sequence;
    this.latest.set(channel, ticket);
    return ticket;
  }

  private check(channel: string, ticket: number): void {
    if (this.latest.get(channel) !== ticket) throw new Error(`${channel}: ${SUPERSEDED}`);
  }
}

function newlineId(tokenizer: TextTokenizer): number {
  const ids = tokenizer.encode('\n');
  const id = ids[ids.length - 1];
  if (id === undefined) throw new Error('the tokenizer cannot encode a newline');
  return id;
}

/** Resolves after the event loop has run once more (timers, incoming messages). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function now(): number {
  return globalThis.performance.now();
}
