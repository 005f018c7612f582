/**
 * The planner: for every output tensor of every stage, which source tensors from which
 * models, which method, and every parameter's concrete value. Plain data, no tensor
 * bytes: cheap, inspectable, shown by the UI, and all the executor needs.
 *
 * It follows mergekit's `MergePlanner` (mergekit/plan.py):
 *  - `models:` syntax becomes one slice whose sources cover every layer of each model;
 *    a `base_model` that is not listed is appended as one more source (whatever the
 *    method), with no parameters of its own. All models must have the same layer count.
 *  - slices are laid end to end: output layer j of a slice of N layers reads layer
 *    `layer_range[0] + k` of each source (k = j − the slice's first output layer), and its
 *    gradients are evaluated at t = k / (N − 1) (t = 1 when N = 1).
 *  - tensors before the layers (embeddings) are merged from the FIRST slice's sources
 *    with that slice's parameters; tensors after them (final norm, lm_head) from the
 *    LAST slice's sources with its parameters; both at t = 0.
 *  - global (method) parameters are evaluated against the output tensor name; per-model
 *    (tensor) parameters against the name of the tensor read from that model (mergekit's
 *    `cfg_reader.for_tensor(weight_in.name)`), which differs with slices that move layers.
 *  - precedence: per-model in a slice > slice > global; a level that evaluates to
 *    nothing (a filter list with no match) falls through; then the method's default.
 *  - a required tensor parameter is not required of the base model (mergekit:
 *    `required and not is_base`), unless the method says otherwise (`requiredForBase`).
 *
 * Where mergekit warns and carries on, the planner reports an error instead: a source
 * missing a tensor, and (when shapes are known) shapes that differ between models.
 */
import type { TensorInfo } from '@/lib/arch/tensorRole';
import { outputStageName, stagesFeeding } from '@/lib/recipe/recipeGraph';
import {
  formatIssuePath,
  stageReferences,
  type IssuePath,
  type ParamMap,
  type ParamScalar,
  type Recipe,
  type RecipeDType,
  type RecipeModelEntry,
  type RecipeStage,
} from '@/lib/recipe/schema';
import { layerT, OUTSIDE_LAYERS_T } from './gradient';
import type { MergeMethodDefinition, ParameterDef } from './method';
import { coerceParam, resolveParam, type ParamOrigin, type ParamScopes } from './parameters';
import { defaultRegistry, type MethodRegistry } from './registry';

// ---------------------------------------------------------------------------
// Inputs

/** What the planner needs to know of a model: its tensors' names and roles, no bytes. */
export interface ModelManifest {
  /** Tensor names in checkpoint order. */
  tensorNames(): readonly string[];
  tensorInfo(name: string): TensorInfo;
  /** Number of decoder layers. */
  readonly layerCount: number;
  /** Shape of a tensor, when known without reading it (a safetensors header gives it). */
  tensorShape?(name: string): readonly number[] | undefined;
}

/** Looks up zoo models (or any models outside the recipe) by id. A `Map` is one. */
export interface ModelCatalog<M extends ModelManifest = ModelManifest> {
  get(id: string): M | undefined;
}

// ---------------------------------------------------------------------------
// The plan

export interface PlannedSource {
  /** Model reference: a catalog id or an earlier stage's name. */
  readonly model: string;
  /** Name of the tensor read from it. */
  readonly tensor: string;
  readonly isBase: boolean;
  /** Resolved tensor parameters (parameters without a value are absent). */
  readonly params: Readonly<Record<string, ParamScalar>>;
  readonly origins: Readonly<Record<string, ParamOrigin>>;
}

export interface TensorPlan {
  /** Output tensor name. */
  readonly name: string;
  /** Output tensor info (its layer is the output layer). */
  readonly info: TensorInfo;
  readonly section: 'pre' | 'layer' | 'post';
  /** The slice whose sources and parameters apply. */
  readonly slice: number;
  /** Gradient position: the layer's place within its slice; 0 outside the layers. */
  readonly t: number;
  /** Known without reading bytes, or null. */
  readonly shape: readonly number[] | null;
  readonly sources: readonly PlannedSource[];
  /** Resolved global parameters. */
  readonly params: Readonly<Record<string, ParamScalar>>;
  readonly origins: Readonly<Record<string, ParamOrigin>>;
}

export interface StagePlan {
  readonly index: number;
  readonly name: string;
  readonly method: string;
  readonly baseModel: string | null;
  /** Seed of randomized methods: the stage's random_seed, default 0. */
  readonly seed: number;
  readonly dtype: RecipeDType | null;
  readonly tokenizerSource: string | null;
  /** Distinct models read, in first-use order. */
  readonly inputs: readonly string[];
  /** Output decoder layers. */
  readonly layerCount: number;
  readonly tensors: readonly TensorPlan[];
}

export interface PlanIssue {
  /** Stage name, or null for recipe-wide issues. */
  readonly stage: string | null;
  /** JSON path into the recipe, as text (`stages[0].models[1].model`), or ''. */
  readonly at: string;
  readonly message: string;
}

export interface MergePlan {
  readonly output: string;
  readonly stages: readonly StagePlan[];
  /** Names of the stages the output needs, in execution order. */
  readonly run: readonly string[];
  readonly warnings: readonly PlanIssue[];
}

export type PlanResult =
  | { readonly ok: true; readonly plan: MergePlan }
  | { readonly ok: false; readonly issues: readonly PlanIssue[]; readonly warnings: readonly PlanIssue[] };

export interface PlanOptions {
  readonly registry?: MethodRegistry;
}

// ---------------------------------------------------------------------------
// Tensor names across layers

/**
 * Rename a layer tensor to another layer: the first dotted path segment (not the first
 * one) that equals `from` becomes `to`. `model.layers.3.mlp.up_proj.weight`, 3 → 7.
 * Returns undefined when the name has no such segment.
 */
export function renameTensorLayer(name: string, from: number, to: number): string | undefined {
  const parts = name.split('.');
  const key = String(from);
  for (let i = 1; i < parts.length; i++) {
    if (parts[i] === key) {
      parts[i] = String(to);
      return parts.join('.');
    }
  }
  return undefined;
}

interface ManifestIndex {
  readonly names: ReadonlySet<string>;
  readonly byLayer: ReadonlyMap<number, readonly string[]>;
  readonly outside: readonly string[];
}

const indexCache = new WeakMap<ModelManifest, ManifestIndex>();

function indexManifest(manifest: ModelManifest): ManifestIndex {
  const cached = indexCache.get(manifest);
  if (cached) return cached;
  const names = manifest.tensorNames();
  const byLayer = new Map<number, string[]>();
  const outside: string[] = [];
  for (const name of names) {
    const layer = manifest.tensorInfo(name).layer;
    if (layer === null) outside.push(name);
    else {
      let list = byLayer.get(layer);
      if (!list) byLayer.set(layer, (list = []));
      list.push(name);
    }
  }
  const index = { names: new Set(names), byLayer, outside };
  indexCache.set(manifest, index);
  return index;
}

/** The manifest of a planned stage's output, for the stages that read it. */
export function stageOutputManifest(stage: StagePlan): ModelManifest {
  const byName = new Map(stage.tensors.map((t) => [t.name, t]));
  const names = stage.tensors.map((t) => t.name);
  return {
    tensorNames: () => names,
    tensorInfo: (name) => {
      const t = byName.get(name);
      if (!t) throw new Error(`stage "${stage.name}" has no tensor ${name}`);
      return t.info;
    },
    layerCount: stage.layerCount,
    tensorShape: (name) => byName.get(name)?.shape ?? undefined,
  };
}

// ---------------------------------------------------------------------------
// Planning

interface NormSource {
  readonly model: string;
  readonly start: number;
  readonly parameters: ParamMap | undefined;
  readonly isBase: boolean;
  /** The source was added by the planner (an unlisted base with `models:` syntax). */
  readonly implicit: boolean;
  readonly path: IssuePath;
}

interface NormSlice {
  readonly sources: readonly NormSource[];
  readonly length: number;
  readonly parameters: ParamMap | undefined;
  readonly path: IssuePath;
}

class IssueList {
  readonly issues: PlanIssue[] = [];
  readonly warnings: PlanIssue[] = [];
  private readonly counted = new Map<string, { index: number; first: string; count: number; make: (more: string) => string }>();

  error(stage: string | null, path: IssuePath, message: string): void {
    this.issues.push({ stage, at: formatIssuePath(path), message });
  }

  warn(stage: string | null, path: IssuePath, message: string): void {
    this.warnings.push({ stage, at: formatIssuePath(path), message });
  }

  /** One error per key, however many tensors hit it; the message names the first tensor and counts the rest. */
  errorOnce(key: string, stage: string, path: IssuePath, tensor: string, make: (tensors: string) => string): void {
    const entry = this.counted.get(key);
    if (entry) {
      entry.count++;
      const more = entry.count - 1;
      const issue = this.issues[entry.index]!;
      this.issues[entry.index] = { ...issue, message: entry.make(`${entry.first} and ${more} other tensor${more === 1 ? '' : 's'}`) };
      return;
    }
    this.counted.set(key, { index: this.issues.length, first: tensor, count: 1, make });
    this.error(stage, path, make(tensor));
  }
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

interface ResolvedSet {
  params: Record<string, ParamScalar>;
  origins: Record<string, ParamOrigin>;
  missing: ParameterDef[];
}

function resolveDefs(
  defs: readonly ParameterDef[],
  scopes: ParamScopes,
  tensorName: string,
  t: number,
  isRequired: (def: ParameterDef) => boolean,
): ResolvedSet {
  const params: Record<string, ParamScalar> = {};
  const origins: Record<string, ParamOrigin> = {};
  const missing: ParameterDef[] = [];
  for (const def of defs) {
    const found = resolveParam(def.name, scopes, tensorName, t);
    if (found) {
      params[def.name] = coerceParam(found.value, def.kind);
      origins[def.name] = found.from;
    } else if (isRequired(def)) {
      missing.push(def);
    } else if (def.default !== undefined) {
      params[def.name] = coerceParam(def.default, def.kind);
      origins[def.name] = 'default';
    }
  }
  return { params, origins, missing };
}

function warnUnusedParameters(stage: RecipeStage, stagePath: IssuePath, method: MergeMethodDefinition, list: IssueList): void {
  const globalNames = new Set(method.parameters.map((p) => p.name));
  const tensorNames = new Set(method.tensorParameters.map((p) => p.name));
  const check = (map: ParamMap | undefined, path: IssuePath, perModel: boolean) => {
    if (!map) return;
    for (const name of Object.keys(map)) {
      const at = [...path, 'parameters', name];
      if (!globalNames.has(name) && !tensorNames.has(name)) {
        list.warn(stage.name, at, `parameter "${name}" is not used by ${method.name} (mergekit ignores it too)`);
      } else if (perModel && !tensorNames.has(name)) {
        list.warn(stage.name, at, `"${name}" is a global parameter of ${method.name}; a per-model value is ignored (as in mergekit)`);
      }
    }
  };
  check(stage.parameters, stagePath, false);
  stage.models?.forEach((m, i) => check(m.parameters, [...stagePath, 'models', i], true));
  stage.slices?.forEach((slice, s) => {
    check(slice.parameters, [...stagePath, 'slices', s], false);
    slice.sources.forEach((src, i) => check(src.parameters, [...stagePath, 'slices', s, 'sources', i], true));
  });
}

interface StageContext {
  readonly catalog: ModelCatalog;
  readonly registry: MethodRegistry;
  readonly stageOutputs: Map<string, ModelManifest>;
  readonly failedStages: Set<string>;
  readonly list: IssueList;
}

/** What every step of planning one stage reads. */
interface StageScope {
  readonly stage: RecipeStage;
  readonly index: number;
  readonly path: IssuePath;
  /** Null when the method is unknown (reported): the walk still finds the recipe's other problems. */
  readonly method: MergeMethodDefinition | null;
  readonly list: IssueList;
  /** Errors of the whole plan before this stage's: a method's own tensor check runs only while the stage has none. */
  readonly errorsBefore: number;
}

function planStage(stage: RecipeStage, index: number, ctx: StageContext): StagePlan | null {
  const { list } = ctx;
  const path: IssuePath = ['stages', index];
  const errorsBefore = list.issues.length;
  const method = ctx.registry.get(stage.merge_method) ?? null;
  if (!method) list.error(stage.name, [...path, 'merge_method'], `unknown merge method "${stage.merge_method}"`);
  else warnUnusedParameters(stage, path, method, list);
  const scope: StageScope = { stage, index, path, method, list, errorsBefore };

  const manifests = resolveReferences(scope, ctx);
  const slices = normalizeSlices(scope, manifests);
  checkInputs(scope, slices);
  const walk = new TensorWalk(scope, manifests, slices);
  if (slices.length > 0 && slices.every((slice) => slice.sources.every((src) => manifests.has(src.model)))) walk.run();

  if (list.issues.length > errorsBefore) return null;
  const inputs: string[] = [];
  for (const slice of slices) for (const src of slice.sources) if (!inputs.includes(src.model)) inputs.push(src.model);
  return {
    index,
    name: stage.name,
    method: stage.merge_method,
    baseModel: stage.base_model ?? null,
    seed: stage.random_seed ?? 0,
    dtype: stage.dtype ?? null,
    tokenizerSource: stage.tokenizer_source ?? null,
    inputs,
    layerCount: walk.layerCount,
    tensors: walk.tensors,
  };
}

/** Every model the stage names, resolved: an earlier stage first (mergekit-multi), then the catalog. */
function resolveReferences({ stage, path, list }: StageScope, ctx: StageContext): Map<string, ModelManifest> {
  const manifests = new Map<string, ModelManifest>();
  const unresolved = new Set<string>();
  for (const ref of stageReferences(stage)) {
    if (ref.kind === 'tokenizer' || manifests.has(ref.ref) || unresolved.has(ref.ref)) continue;
    const manifest = ctx.stageOutputs.get(ref.ref) ?? ctx.catalog.get(ref.ref);
    if (manifest) {
      manifests.set(ref.ref, manifest);
      continue;
    }
    unresolved.add(ref.ref);
    list.error(
      stage.name,
      [...path, ...ref.path],
      ctx.failedStages.has(ref.ref)
        ? `uses stage "${ref.ref}", which could not be planned (see its issues)`
        : `unknown model "${ref.ref}": not a loaded model and not an earlier stage`,
    );
  }
  return manifests;
}

/** The stage as slices, as mergekit's normalize_config makes them: `models:` is one slice over every layer. */
function normalizeSlices(scope: StageScope, manifests: ReadonlyMap<string, ModelManifest>): NormSlice[] {
  const { stage } = scope;
  if (stage.models) return [modelsAsSlice(scope, stage.models, manifests)];
  return (stage.slices ?? []).map((slice, s) => {
    const slicePath: IssuePath = [...scope.path, 'slices', s];
    const sources = slice.sources.map((src, i): NormSource => {
      const [start, end] = src.layer_range;
      const manifest = manifests.get(src.model);
      if (manifest && end > manifest.layerCount) {
        scope.list.error(stage.name, [...slicePath, 'sources', i, 'layer_range'], `layer_range [${start}, ${end}) goes past the ${manifest.layerCount} layers of "${src.model}"`);
      }
      return { model: src.model, start, parameters: src.parameters, isBase: src.model === stage.base_model, implicit: false, path: [...slicePath, 'sources', i] };
    });
    const first = slice.sources[0]!;
    return { sources, length: first.layer_range[1] - first.layer_range[0], parameters: slice.parameters, path: slicePath };
  });
}

/** `models:` syntax: every layer of each model, and a base that is not listed as one more source (whatever the method). */
function modelsAsSlice({ stage, path, list }: StageScope, models: readonly RecipeModelEntry[], manifests: ReadonlyMap<string, ModelManifest>): NormSlice {
  const base = stage.base_model ?? null;
  // mergekit keys a merge's inputs by model, so a model listed twice would silently count once there.
  models.forEach((m, i) => {
    if (models.findIndex((other) => other.model === m.model) !== i) {
      list.error(stage.name, [...path, 'models', i, 'model'], `model "${m.model}" is listed twice; mergekit merges each model once, so list it once with the weight you want`);
    }
  });
  const sources: NormSource[] = models.map((m, i) => ({ model: m.model, start: 0, parameters: m.parameters, isBase: m.model === base, implicit: false, path: [...path, 'models', i] }));
  if (base !== null && !models.some((m) => m.model === base)) {
    sources.push({ model: base, start: 0, parameters: undefined, isBase: true, implicit: true, path: [...path, 'base_model'] });
  }
  const known = sources.flatMap((s) => {
    const layers = manifests.get(s.model)?.layerCount;
    return layers === undefined ? [] : [{ model: s.model, layers }];
  });
  const layers = known[0]?.layers ?? 0;
  if (known.some((c) => c.layers !== layers)) {
    list.error(
      stage.name,
      [...path, 'models'],
      `the models have different layer counts (${known.map((c) => `"${c.model}": ${c.layers}`).join(', ')}); use slices to pick matching layer ranges`,
    );
  }
  return { sources, length: layers, parameters: undefined, path: [...path, 'models'] };
}

/** The base model and the number of inputs the method takes (mergekit fails on these at run time; the plan says it up front). */
function checkInputs({ stage, path, method, list }: StageScope, slices: readonly NormSlice[]): void {
  if (!method) return;
  const base = stage.base_model ?? null;
  if (method.baseModel === 'required' && base === null) list.error(stage.name, [...path, 'base_model'], `${method.name} needs a base_model`);
  if (base !== null && method.baseModel === 'unused' && stage.slices) list.warn(stage.name, [...path, 'base_model'], `${method.name} does not use base_model`);
  slices.forEach((slice, s) => {
    if (base !== null && method.baseModel === 'required' && !slice.sources.some((src) => src.isBase)) {
      list.error(
        stage.name,
        slice.path,
        `base_model "${base}" is not among the sources of slices[${s}]; ${method.name} reads the base from each slice's sources (as mergekit does)`,
      );
    }
    const n = slice.sources.length;
    const { min, max } = method.inputs;
    if (n < min || (max !== undefined && n > max)) {
      const wanted = max === min ? `exactly ${min}` : max === undefined ? `at least ${min}` : `${min} to ${max}`;
      const implicitBase = slice.sources.find((src) => src.implicit);
      const why = implicitBase ? ` (base_model "${implicitBase.model}" counts: mergekit adds it to the inputs when it is not listed under models)` : '';
      list.error(
        stage.name,
        slice.path,
        `${method.name} takes ${wanted} input model${max === 1 ? '' : 's'} per tensor; ${stage.models ? 'this stage' : `slices[${s}]`} gives ${n}${why}`,
      );
    }
  });
}

/**
 * The output tensors of one stage, in mergekit's order (mergekit/plan.py): the tensors before
 * the layers from the first slice, each slice's layers (`planSlice`, `planLayer`), the tensors
 * after them from the last slice; each output tensor with its sources and parameters
 * (`planTensor`).
 */
class TensorWalk {
  readonly tensors: TensorPlan[] = [];
  /** Output decoder layers so far. */
  layerCount = 0;
  private readonly outputNames = new Set<string>();

  constructor(
    private readonly scope: StageScope,
    private readonly manifests: ReadonlyMap<string, ModelManifest>,
    private readonly slices: readonly NormSlice[],
  ) {}

  run(): void {
    this.planOutside(0, 'pre');
    this.slices.forEach((slice, s) => this.planSlice(slice, s));
    this.planOutside(this.slices.length - 1, 'post');
  }

  /** Tensors outside the layers, merged from one slice's sources at t = 0. */
  private planOutside(sliceIndex: number, section: 'pre' | 'post'): void {
    const slice = this.slices[sliceIndex]!;
    const ref = this.manifests.get(slice.sources[0]!.model)!;
    for (const name of indexManifest(ref).outside) {
      const info = ref.tensorInfo(name);
      if ((info.role === 'embed') !== (section === 'pre')) continue;
      const missing = slice.sources.filter((src, j) => {
        if (indexManifest(this.manifests.get(src.model)!).names.has(name)) return false;
        this.missingTensor(slice, j, name);
        return true;
      });
      if (missing.length === 0) this.planTensor(name, info, section, sliceIndex, OUTSIDE_LAYERS_T, slice.sources.map(() => name));
    }
  }

  /** Output layer j of a slice reads layer `layer_range[0] + k` of each source, k = j − the slice's first output layer. */
  private planSlice(slice: NormSlice, s: number): void {
    for (let k = 0; k < slice.length; k++) {
      this.planLayer(slice, s, k);
      this.layerCount++;
    }
  }

  private planLayer(slice: NormSlice, s: number, k: number): void {
    const { stage, index, list } = this.scope;
    const refSource = slice.sources[0]!;
    const ref = this.manifests.get(refSource.model)!;
    const refLayer = refSource.start + k;
    const names = indexManifest(ref).byLayer.get(refLayer) ?? [];
    if (names.length === 0) list.error(stage.name, refSource.path, `model "${refSource.model}" has no tensors for layer ${refLayer}`);
    const t = layerT(k, slice.length);
    for (const name of names) {
      const sourceTensors: string[] = [];
      let ok = true;
      slice.sources.forEach((src, j) => {
        const renamed = renameTensorLayer(name, refLayer, src.start + k);
        if (renamed === undefined) {
          list.errorOnce(`${index}|rename`, stage.name, slice.path, name, (which) => `cannot find the layer index ${refLayer} in ${which}`);
          ok = false;
          return;
        }
        if (!indexManifest(this.manifests.get(src.model)!).names.has(renamed)) {
          this.missingTensor(slice, j, renamed);
          ok = false;
        }
        sourceTensors.push(renamed);
      });
      const outName = renameTensorLayer(name, refLayer, this.layerCount);
      if (ok && outName !== undefined) this.planTensor(outName, { ...ref.tensorInfo(name), layer: this.layerCount }, 'layer', s, t, sourceTensors);
    }
  }

  /** One output tensor: its shape where the headers tell it, and every parameter resolved for it and for each of its sources. */
  private planTensor(name: string, info: TensorInfo, section: TensorPlan['section'], sliceIndex: number, t: number, sourceTensors: readonly string[]): void {
    const { stage, list } = this.scope;
    const slice = this.slices[sliceIndex]!;
    if (this.outputNames.has(name)) {
      list.error(stage.name, slice.path, `output tensor ${name} would be written twice`);
      return;
    }
    this.outputNames.add(name);
    const shape = this.commonShape(name, slice, sourceTensors);
    const method = this.scope.method;
    if (!method) {
      const sources = slice.sources.map((src, j) => ({ model: src.model, tensor: sourceTensors[j]!, isBase: src.isBase, params: {}, origins: {} }));
      this.tensors.push({ name, info, section, slice: sliceIndex, t, shape, sources, params: {}, origins: {} });
      return;
    }
    const global = this.globalParameters(method, slice, name, t);
    const sources = slice.sources.map((src, j) => this.sourceParameters(method, slice, src, sourceTensors[j]!, t));
    if (method.checkTensor && list.issues.length === this.scope.errorsBefore) {
      const problem = method.checkTensor({ tensorName: name, params: global.params, inputs: sources });
      if (problem) list.errorOnce(`${this.scope.index}|check|${problem}`, stage.name, slice.path, name, (which) => `${method.name}: ${problem} (${which})`);
    }
    this.tensors.push({ name, info, section, slice: sliceIndex, t, shape, sources, params: global.params, origins: global.origins });
  }

  /** The sources' shape of a tensor when their headers give it (null otherwise); a mismatch is an error. */
  private commonShape(name: string, slice: NormSlice, sourceTensors: readonly string[]): readonly number[] | null {
    const shapes = slice.sources.flatMap((src, j) => {
      const shape = this.manifests.get(src.model)?.tensorShape?.(sourceTensors[j]!);
      return shape ? [{ model: src.model, shape }] : [];
    });
    const shape = shapes[0]?.shape ?? null;
    if (shape && shapes.some((s) => s.shape.length !== shape.length || s.shape.some((d, k) => d !== shape[k]))) {
      this.scope.list.error(this.scope.stage.name, slice.path, `shape mismatch for ${name}: ${shapes.map((s) => `"${s.model}" has ${shapeText(s.shape)}`).join(', ')}`);
    }
    return shape;
  }

  /** The method's global parameters, evaluated against the output tensor name. */
  private globalParameters(method: MergeMethodDefinition, slice: NormSlice, name: string, t: number): ResolvedSet {
    const { stage, index, path, list } = this.scope;
    const global = resolveDefs(method.parameters, { slice: slice.parameters, global: stage.parameters }, name, t, (d) => d.required);
    for (const def of global.missing) {
      list.errorOnce(`${index}|${def.name}|`, stage.name, [...path, 'parameters'], name, (which) => `${method.name} needs parameter "${def.name}" (missing for ${which})`);
    }
    return global;
  }

  /** One source's tensor parameters, evaluated against the name of the tensor read from it (mergekit's `cfg_reader.for_tensor`). */
  private sourceParameters(method: MergeMethodDefinition, slice: NormSlice, src: NormSource, tensorName: string, t: number): PlannedSource {
    const { stage, index, list } = this.scope;
    const resolved = resolveDefs(
      method.tensorParameters,
      { model: src.parameters, slice: slice.parameters, global: stage.parameters },
      tensorName,
      t,
      (d) => d.required && (!src.isBase || d.requiredForBase === true),
    );
    for (const def of resolved.missing) {
      const hint = src.implicit
        ? `; the base model is an input of ${method.name} (mergekit adds base_model to the inputs when it is not listed under models): list it under models with a ${def.name}, give a global ${def.name}, or remove base_model`
        : '';
      list.errorOnce(`${index}|${def.name}|${src.model}`, stage.name, src.path, tensorName, (which) =>
        `${method.name} needs parameter "${def.name}" for model "${src.model}" (missing for ${which})${hint}`,
      );
    }
    return { model: src.model, tensor: tensorName, isBase: src.isBase, params: resolved.params, origins: resolved.origins };
  }

  private missingTensor(slice: NormSlice, j: number, tensor: string): void {
    const src = slice.sources[j]!;
    const { stage, index, list } = this.scope;
    list.errorOnce(`${index}|missing|${src.model}`, stage.name, src.path, tensor, (which) => `model "${src.model}" has no tensor ${which}`);
  }
}

/**
 * Plan a validated recipe (see `parseRecipe`) against the models it names. Never throws
 * for problems of the recipe or the models; reports them as issues with their JSON path.
 */
export function planRecipe(recipe: Recipe, catalog: ModelCatalog, options: PlanOptions = {}): PlanResult {
  const list = new IssueList();
  const ctx: StageContext = {
    catalog,
    registry: options.registry ?? defaultRegistry,
    stageOutputs: new Map(),
    failedStages: new Set(),
    list,
  };
  const stages: StagePlan[] = [];
  recipe.stages.forEach((stage, index) => {
    const planned = planStage(stage, index, ctx);
    if (planned) {
      stages.push(planned);
      ctx.stageOutputs.set(stage.name, stageOutputManifest(planned));
    } else {
      ctx.failedStages.add(stage.name);
    }
  });

  const output = outputStageName(recipe);
  const needed = new Set(stagesFeeding(recipe, output).map((s) => s.name));
  recipe.stages.forEach((stage, i) => {
    if (!needed.has(stage.name)) {
      list.warn(stage.name, ['stages', i], `stage "${stage.name}" does not feed the output "${output}"; it is planned but not run`);
    }
  });
  const run = recipe.stages.filter((s) => needed.has(s.name)).map((s) => s.name);

  if (list.issues.length > 0) return { ok: false, issues: list.issues, warnings: list.warnings };
  return { ok: true, plan: { output, stages, run, warnings: list.warnings } };
}

/** All issues of a failed plan as lines of text. */
export function formatPlanIssues(issues: readonly PlanIssue[]): string {
  return issues.map((i) => `${i.stage !== null ? `[${i.stage}] ` : ''}${i.at ? `${i.at}: ` : ''}${i.message}`).join('\n');
}
