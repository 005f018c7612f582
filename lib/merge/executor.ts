/**
 * The executor: runs a plan against model sources, one output tensor at a time (read
 * the inputs of one tensor, merge, emit), so memory holds one tensor's inputs at a time
 * plus the outputs of intermediate stages that later stages still read.
 *
 * Sources are a small interface of our own: the browser worker plugs in fetch-backed
 * safetensors readers, the CLI file-backed ones, tests and benchmarks in-memory ones.
 */
import type { TensorInfo } from '@/lib/arch/tensorRole';
import { externalModels } from '@/lib/recipe/recipeGraph';
import type { Recipe } from '@/lib/recipe/schema';
import { elementCount, sameShape, tensor, type NamedTensors, type Tensor } from '@/lib/tensors/tensor';
import type { MergeMethodDefinition, MethodTensorInput } from './method';
import {
  formatPlanIssues,
  planRecipe,
  stageOutputManifest,
  type MergePlan,
  type ModelCatalog,
  type ModelManifest,
  type PlanIssue,
  type PlanOptions,
  type StagePlan,
  type TensorPlan,
} from './planner';
import { defaultRegistry, type MethodRegistry } from './registry';
import { seededRng } from './rng';

/** A model whose tensors can be read, one at a time. */
export interface ModelSource extends ModelManifest {
  readTensor(name: string): Promise<Tensor>;
}

export type SourceCatalog = ModelCatalog<ModelSource>;

export type MergeErrorCode =
  | 'plan'
  | 'unknown-method'
  | 'missing-model'
  | 'read-failed'
  | 'shape-mismatch'
  | 'bad-output';

export class MergeError extends Error {
  override readonly name = 'MergeError';
  constructor(
    readonly code: MergeErrorCode,
    message: string,
    readonly details: { readonly stage?: string; readonly tensor?: string; readonly issues?: readonly PlanIssue[]; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
  }
}

export interface ExecuteOptions {
  readonly signal?: AbortSignal;
  /**
   * Called before each output tensor with the number already done, and once at the end
   * with (total, total, ''). Totals count the tensors of every stage that runs.
   */
  readonly onProgress?: (doneTensors: number, totalTensors: number, currentName: string) => void;
  /** Receives each tensor of the output stage as soon as it is merged (e.g. a safetensors writer). */
  readonly onTensor?: (name: string, tensor: Tensor, info: TensorInfo) => void | Promise<void>;
  /** Keep the output stage's tensors and return them (default true); false with `onTensor` to stream. */
  readonly collect?: boolean;
  readonly registry?: MethodRegistry;
}

/** A source over tensors already in memory (tests, benchmarks, a stage's output). */
export function inMemorySource(
  tensors: NamedTensors,
  tensorInfo: (name: string) => TensorInfo,
  layerCount: number,
): ModelSource {
  const names = [...tensors.keys()];
  return {
    tensorNames: () => names,
    tensorInfo,
    layerCount,
    tensorShape: (name) => tensors.get(name)?.shape,
    readTensor: async (name) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`no tensor named ${name}`);
      return t;
    },
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The merge was cancelled', 'AbortError');
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** Let the event loop run (a cancel message, a UI update) when the loop has held it for a while. */
function makeYielder(): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < 16) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    last = Date.now();
  };
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

interface RunningStage {
  readonly plan: StagePlan;
  readonly method: MergeMethodDefinition;
  readonly sources: ReadonlyMap<string, ModelSource>;
}

async function readInput(stage: RunningStage, model: string, name: string, signal: AbortSignal | undefined): Promise<Tensor> {
  const source = stage.sources.get(model)!;
  let result: Tensor;
  try {
    result = await source.readTensor(name);
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    const message = err instanceof Error ? err.message : String(err);
    throw new MergeError('read-failed', `reading ${name} from "${model}" failed: ${message}`, {
      stage: stage.plan.name,
      tensor: name,
      cause: err,
    });
  }
  checkAbort(signal);
  return result;
}

/**
 * Merges one planned tensor. The plan is trusted: the planner checked the inputs, the base and
 * the parameters (`planRecipe`); what only the bytes can tell (a read, a shape, the method's
 * output) is checked here.
 */
async function mergeTensor(stage: RunningStage, t: TensorPlan, signal: AbortSignal | undefined): Promise<Tensor> {
  // Inputs are read concurrently: file and network sources overlap their I/O.
  const read: Tensor[] = await Promise.all(t.sources.map((src) => readInput(stage, src.model, src.tensor, signal)));
  const shape = read[0]!.shape;
  const odd = read.findIndex((r) => !sameShape(r.shape, shape));
  if (odd >= 0) {
    const shapes = t.sources.map((s, j) => `"${s.model}" has ${shapeText(read[j]!.shape)}`).join(', ');
    throw new MergeError('shape-mismatch', `shape mismatch for ${t.name} in stage "${stage.plan.name}": ${shapes}`, {
      stage: stage.plan.name,
      tensor: t.name,
    });
  }
  const inputs: MethodTensorInput[] = t.sources.map((s, j) => ({
    model: s.model,
    tensorName: s.tensor,
    data: read[j]!.data,
    params: s.params,
    isBase: s.isBase,
  }));
  let data: Float32Array;
  try {
    data = await stage.method.merge({
      tensorName: t.name,
      shape,
      info: t.info,
      inputs,
      base: inputs.find((i) => i.isBase) ?? null,
      params: t.params,
      rng: seededRng(stage.plan.seed, t.name),
    });
  } catch (err) {
    if (err instanceof MergeError || signal?.aborted) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new MergeError('bad-output', `${stage.method.name} failed on ${t.name} in stage "${stage.plan.name}": ${message}`, {
      stage: stage.plan.name,
      tensor: t.name,
      cause: err,
    });
  }
  if (!(data instanceof Float32Array) || data.length !== elementCount(shape)) {
    throw new MergeError(
      'bad-output',
      `${stage.method.name} returned ${data instanceof Float32Array ? `${data.length} values` : 'no Float32Array'} for ${t.name} of shape ${shapeText(shape)}`,
      { stage: stage.plan.name, tensor: t.name },
    );
  }
  return tensor(shape, data);
}

/**
 * Run a plan's stages (those the output needs, in order), each stage's output feeding
 * later stages in memory. Returns the output stage's tensors (empty when `collect` is
 * false). Rejects with a `MergeError`, or with the signal's reason when cancelled.
 */
export async function executePlan(plan: MergePlan, sources: SourceCatalog, options: ExecuteOptions = {}): Promise<NamedTensors> {
  const { signal, onProgress, onTensor } = options;
  const collect = options.collect ?? true;
  const registry = options.registry ?? defaultRegistry;
  checkAbort(signal);

  const byName = new Map(plan.stages.map((s) => [s.name, s]));
  const runStages = plan.run.map((name) => {
    const stage = byName.get(name);
    if (!stage) throw new MergeError('plan', `the plan has no stage "${name}" to run`, { stage: name });
    return stage;
  });
  // When each intermediate output can be dropped.
  const lastUse = new Map<string, number>();
  runStages.forEach((stage, i) => stage.inputs.forEach((input) => lastUse.set(input, i)));

  const total = runStages.reduce((n, s) => n + s.tensors.length, 0);
  let done = 0;
  const yieldNow = makeYielder();
  const stageOutputs = new Map<string, ModelSource>();
  let result: NamedTensors = new Map();

  for (let i = 0; i < runStages.length; i++) {
    const stagePlan = runStages[i]!;
    const method = registry.get(stagePlan.method);
    if (!method) throw new MergeError('unknown-method', `unknown merge method "${stagePlan.method}" in stage "${stagePlan.name}"`, { stage: stagePlan.name });
    const stageSources = new Map<string, ModelSource>();
    for (const model of stagePlan.inputs) {
      const source = stageOutputs.get(model) ?? sources.get(model);
      if (!source) {
        throw new MergeError('missing-model', `stage "${stagePlan.name}" reads model "${model}", which is not loaded`, { stage: stagePlan.name });
      }
      stageSources.set(model, source);
    }
    const running: RunningStage = { plan: stagePlan, method, sources: stageSources };
    const isOutput = stagePlan.name === plan.output;
    const keep = !isOutput || collect;
    const out: NamedTensors = new Map();
    for (const t of stagePlan.tensors) {
      checkAbort(signal);
      onProgress?.(done, total, t.name);
      const merged = await mergeTensor(running, t, signal);
      if (isOutput && onTensor) {
        await onTensor(t.name, merged, t.info);
        checkAbort(signal);
      }
      if (keep) out.set(t.name, merged);
      done++;
      await yieldNow();
    }

    if (isOutput) result = collect ? out : new Map();
    else {
      const manifest = stageOutputManifest(stagePlan);
      stageOutputs.set(stagePlan.name, inMemorySource(out, manifest.tensorInfo, manifest.layerCount));
    }
    // Drop intermediate outputs no later stage reads.
    for (const [name] of stageOutputs) if ((lastUse.get(name) ?? -1) <= i) stageOutputs.delete(name);
  }
  onProgress?.(total, total, '');
  return result;
}

/** Plan a validated recipe against its sources and run it; a failed plan rejects with code 'plan'. */
export async function mergeRecipe(
  recipe: Recipe,
  sources: SourceCatalog,
  options: ExecuteOptions & PlanOptions = {},
): Promise<{ plan: MergePlan; tensors: NamedTensors }> {
  const planned = planRecipe(recipe, sources, options);
  if (!planned.ok) {
    throw new MergeError('plan', `the recipe cannot be merged:\n${formatPlanIssues(planned.issues)}`, { issues: planned.issues });
  }
  const tensors = await executePlan(planned.plan, sources, options);
  return { plan: planned.plan, tensors };
}

export interface MergedStage {
  tensors: NamedTensors;
  /** Decoder layers of the merged model (layer stacking can change it). */
  layerCount: number;
}

/** Merges one stage of a recipe (and the stages it needs); `load` opens each model outside the recipe. */
export async function mergeRecipeStage(
  recipe: Recipe,
  stage: string,
  load: (id: string) => Promise<ModelSource>,
  signal?: AbortSignal,
): Promise<MergedStage> {
  const catalog = new Map<string, ModelSource>();
  for (const id of externalModels(recipe)) catalog.set(id, await load(id));
  const { plan, tensors } = await mergeRecipe({ ...recipe, output: stage }, catalog, signal ? { signal } : {});
  const planned = plan.stages.find((s) => s.name === stage);
  if (!planned) throw new Error(`the recipe has no stage "${stage}"`);
  return { tensors, layerCount: planned.layerCount };
}
