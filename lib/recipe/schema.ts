/**
 * The studio's recipe: plain JSON, zod-validated, versioned.
 *
 * It mirrors mergekit's merge configuration (and mergekit-multi's stages) so that
 * it round-trips to mergekit YAML: a stage is one mergekit config, named so that
 * later stages can use its output as a model. Parameter values follow mergekit's
 * `ParameterSetting`: a scalar, a gradient list, or a list of `{filter, value}`
 * entries (see lib/merge/parameters.ts for how they evaluate).
 *
 * Validation happens in two layers:
 *  - `recipeSchema` checks structure and everything that needs no outside
 *    knowledge (unique stage names, no self or forward references, models xor
 *    slices, half-open layer ranges, equal slice lengths, size limits);
 *  - `parseRecipe(json, context)` adds what needs context: which zoo model ids
 *    exist and which merge methods are known. Without context those are left to
 *    the planner.
 */
import { z } from 'zod';
import { isPlainObject } from '@/lib/json/isPlainObject';

// ---------------------------------------------------------------------------
// Limits

export const RECIPE_LIMITS = {
  stages: 64,
  /** Distinct models a stage reads (its `models`, its slices' sources and its base). */
  modelsPerStage: 64,
  slicesPerStage: 256,
  sourcesPerSlice: 64,
  gradientAnchors: 1024,
  filterEntries: 256,
  parametersPerMap: 64,
  nameLength: 200,
  /** Largest layer index a layer_range may name (exclusive end). */
  maxLayer: 65_536,
} as const;

export const RECIPE_VERSION = 1;

const RECIPE_DTYPES = ['float32', 'float16', 'bfloat16'] as const;
export type RecipeDType = (typeof RECIPE_DTYPES)[number];

/** `tokenizer_source` values that are not model references (mergekit spelling). */
export const TOKENIZER_SOURCE_KEYWORDS = ['union', 'base'] as const;

// ---------------------------------------------------------------------------
// Types

/** A parameter's value once evaluated for one tensor. */
export type ParamScalar = number | boolean;
/** Anchors interpolated over the layers of a slice (mergekit's gradient list). */
export type ParamGradient = number[];
/** One conditional entry: applies when `filter` is a substring of the tensor name (or is absent / "*"). */
export interface ParamFilterEntry {
  filter?: string;
  value: ParamScalar | ParamGradient;
}
export type ParamValue = ParamScalar | ParamGradient | ParamFilterEntry[];
export type ParamMap = Record<string, ParamValue>;

export interface RecipeModelEntry {
  model: string;
  parameters?: ParamMap;
}

export interface RecipeSliceSource {
  model: string;
  /** Half-open [start, end) range of the model's decoder layers. */
  layer_range: [number, number];
  parameters?: ParamMap;
}

export interface RecipeSlice {
  sources: RecipeSliceSource[];
  parameters?: ParamMap;
}

export interface RecipeStage {
  /** Unique; later stages may use it as a model reference. */
  name: string;
  /** mergekit's spelling: linear, task_arithmetic, passthrough, … */
  merge_method: string;
  /** A zoo model id or an earlier stage's name. */
  base_model?: string;
  models?: RecipeModelEntry[];
  slices?: RecipeSlice[];
  /** Global parameters of the stage. */
  parameters?: ParamMap;
  dtype?: RecipeDType;
  /** "union", "base", or a model reference. */
  tokenizer_source?: string;
  /** Seed of randomized methods (mergekit's `--random-seed` option). Default 0. */
  random_seed?: number;
}

export interface Recipe {
  version: 1;
  name?: string;
  stages: RecipeStage[];
  /** The stage whose output is the merged model; default: the last stage. */
  output?: string;
}

// ---------------------------------------------------------------------------
// Issues

export type IssuePath = readonly (string | number)[];

export interface RecipeIssue {
  /** Where in the JSON, as keys and indices. */
  readonly path: IssuePath;
  /** The same path as text: `stages[0].models[1].model` (empty string for the root). */
  readonly at: string;
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatIssuePath(path: IssuePath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

export function formatIssues(issues: readonly RecipeIssue[]): string {
  return issues.map((i) => (i.at ? `${i.at}: ${i.message}` : i.message)).join('\n');
}

// ---------------------------------------------------------------------------
// Parameter values (hand-checked for precise messages; the union is ambiguous
// enough that zod's generic "invalid union" would not say what is wrong)

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? 'a string' : typeof value;
}

interface LocalIssue {
  path: (string | number)[];
  message: string;
}

function gradientIssues(list: readonly unknown[], path: (string | number)[]): LocalIssue[] {
  const issues: LocalIssue[] = [];
  if (list.length > RECIPE_LIMITS.gradientAnchors) {
    issues.push({ path, message: `a gradient has at most ${RECIPE_LIMITS.gradientAnchors} anchors (got ${list.length})` });
    return issues;
  }
  list.forEach((anchor, i) => {
    if (typeof anchor !== 'number' || !Number.isFinite(anchor)) {
      issues.push({ path: [...path, i], message: `a gradient anchor must be a finite number (got ${describe(anchor)})` });
    }
  });
  return issues;
}

const PARAM_VALUE_HINT =
  'a number, a boolean, a gradient list [a, b, …] or a list of {filter, value} entries';

function scalarOrGradientIssues(value: unknown, path: (string | number)[]): LocalIssue[] {
  if (typeof value === 'boolean') return [];
  if (typeof value === 'number') {
    return Number.isFinite(value) ? [] : [{ path, message: `must be a finite number (got ${describe(value)})` }];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [{ path, message: 'a gradient needs at least one anchor' }];
    return gradientIssues(value, path);
  }
  return [{ path, message: `expected a number, a boolean or a gradient list (got ${describe(value)})` }];
}

function paramValueIssues(value: unknown, path: (string | number)[] = []): LocalIssue[] {
  if (typeof value === 'boolean' || typeof value === 'number') return scalarOrGradientIssues(value, path);
  if (isPlainObject(value)) {
    return [{ path, message: `expected ${PARAM_VALUE_HINT}; wrap a single {filter, value} entry in a list` }];
  }
  if (!Array.isArray(value)) return [{ path, message: `expected ${PARAM_VALUE_HINT} (got ${describe(value)})` }];
  if (value.length === 0) return [{ path, message: `an empty list is not a parameter value: expected ${PARAM_VALUE_HINT}` }];
  if (value.every((e) => typeof e === 'number')) return gradientIssues(value, path);
  if (!value.every(isPlainObject)) {
    return [{ path, message: 'a list must hold only numbers (a gradient) or only {filter, value} entries' }];
  }
  if (value.length > RECIPE_LIMITS.filterEntries) {
    return [{ path, message: `at most ${RECIPE_LIMITS.filterEntries} filter entries (got ${value.length})` }];
  }
  const issues: LocalIssue[] = [];
  value.forEach((entry, i) => {
    const at = [...path, i];
    for (const key of Object.keys(entry)) {
      if (key !== 'filter' && key !== 'value') issues.push({ path: at, message: `unrecognized key "${key}" (a filter entry has "filter" and "value")` });
    }
    if ('filter' in entry && entry.filter !== undefined) {
      if (typeof entry.filter !== 'string') issues.push({ path: [...at, 'filter'], message: `a filter is a string (got ${describe(entry.filter)})` });
      else if (entry.filter.length > RECIPE_LIMITS.nameLength) {
        issues.push({ path: [...at, 'filter'], message: `at most ${RECIPE_LIMITS.nameLength} characters` });
      }
    }
    if (!('value' in entry) || entry.value === undefined) issues.push({ path: [...at, 'value'], message: 'is required' });
    else issues.push(...scalarOrGradientIssues(entry.value, [...at, 'value']));
  });
  return issues;
}

const paramValueSchema = z.custom<ParamValue>(() => true).superRefine((value, ctx) => {
  for (const issue of paramValueIssues(value)) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
});

const paramMapSchema = z
  .record(z.string().min(1).max(RECIPE_LIMITS.nameLength), paramValueSchema)
  .superRefine((map, ctx) => {
    const count = Object.keys(map).length;
    if (count > RECIPE_LIMITS.parametersPerMap) {
      ctx.addIssue({ code: 'custom', message: `at most ${RECIPE_LIMITS.parametersPerMap} parameters (got ${count})` });
    }
  }) as unknown as z.ZodType<ParamMap>;

// ---------------------------------------------------------------------------
// Structure

const nameSchema = z.string().min(1).max(RECIPE_LIMITS.nameLength);
const referenceSchema = z.string().min(1).max(RECIPE_LIMITS.nameLength);
const layerIndexSchema = z.int().min(0).max(RECIPE_LIMITS.maxLayer);

const modelEntrySchema = z.strictObject({
  model: referenceSchema,
  parameters: paramMapSchema.optional(),
});

const sliceSourceSchema = z
  .strictObject({
    model: referenceSchema,
    layer_range: z.tuple([layerIndexSchema, layerIndexSchema]),
    parameters: paramMapSchema.optional(),
  })
  .superRefine((source, ctx) => {
    const [start, end] = source.layer_range;
    if (start >= end) {
      ctx.addIssue({
        code: 'custom',
        path: ['layer_range'],
        message: `layer_range [${start}, ${end}) is empty: it is half-open, so start must be less than end`,
      });
    }
  });

const sliceSchema = z
  .strictObject({
    sources: z.array(sliceSourceSchema).min(1).max(RECIPE_LIMITS.sourcesPerSlice),
    parameters: paramMapSchema.optional(),
  })
  .superRefine((slice, ctx) => {
    const lengths = slice.sources.map((s) => s.layer_range[1] - s.layer_range[0]);
    const first = lengths[0];
    lengths.forEach((length, i) => {
      if (i > 0 && length !== first) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'layer_range'],
          message: `every source of a slice covers the same number of layers: sources[0] covers ${first}, this one ${length}`,
        });
      }
    });
    const seen = new Map<string, number>();
    slice.sources.forEach((source, i) => {
      const previous = seen.get(source.model);
      if (previous !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'model'],
          message: `model "${source.model}" is already a source of this slice (sources[${previous}]); mergekit keys a slice's inputs by model`,
        });
      } else seen.set(source.model, i);
    });
  });

const stageSchema = z
  .strictObject({
    name: nameSchema,
    merge_method: z.string().min(1).max(RECIPE_LIMITS.nameLength),
    base_model: referenceSchema.optional(),
    models: z.array(modelEntrySchema).min(1).max(RECIPE_LIMITS.modelsPerStage).optional(),
    slices: z.array(sliceSchema).min(1).max(RECIPE_LIMITS.slicesPerStage).optional(),
    parameters: paramMapSchema.optional(),
    dtype: z.enum(RECIPE_DTYPES).optional(),
    tokenizer_source: referenceSchema.optional(),
    random_seed: z.int().min(0).max(0xffff_ffff).optional(),
  })
  .superRefine((stage, ctx) => {
    if (stage.models && stage.slices) {
      ctx.addIssue({ code: 'custom', path: ['slices'], message: 'a stage has either "models" or "slices", not both' });
    } else if (!stage.models && !stage.slices) {
      ctx.addIssue({ code: 'custom', path: [], message: 'a stage needs "models" (a list of models to merge) or "slices"' });
    }
    if (stage.models) {
      const seen = new Map<string, number>();
      stage.models.forEach((entry, i) => {
        const previous = seen.get(entry.model);
        if (previous !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', i, 'model'],
            message: `model "${entry.model}" is listed twice (also models[${previous}]); mergekit keys a stage's inputs by model`,
          });
        } else seen.set(entry.model, i);
      });
    }
    const distinct = new Set(stageReferences(stage).filter((r) => r.kind !== 'tokenizer').map((r) => r.ref));
    if (distinct.size > RECIPE_LIMITS.modelsPerStage) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `a stage reads at most ${RECIPE_LIMITS.modelsPerStage} distinct models (this one reads ${distinct.size})`,
      });
    }
  });

/** A place where a stage names a model. */
export interface StageReference {
  readonly ref: string;
  readonly kind: 'base' | 'model' | 'source' | 'tokenizer';
  /** Path relative to the stage. */
  readonly path: (string | number)[];
}

/** Every model reference of a stage, in recipe order. `tokenizer_source` keywords are not references. */
export function stageReferences(stage: RecipeStage): StageReference[] {
  const refs: StageReference[] = [];
  if (stage.base_model !== undefined) refs.push({ ref: stage.base_model, kind: 'base', path: ['base_model'] });
  stage.models?.forEach((m, i) => refs.push({ ref: m.model, kind: 'model', path: ['models', i, 'model'] }));
  stage.slices?.forEach((slice, s) =>
    slice.sources.forEach((src, i) =>
      refs.push({ ref: src.model, kind: 'source', path: ['slices', s, 'sources', i, 'model'] }),
    ),
  );
  const tok = stage.tokenizer_source;
  if (tok !== undefined && !(TOKENIZER_SOURCE_KEYWORDS as readonly string[]).includes(tok)) {
    refs.push({ ref: tok, kind: 'tokenizer', path: ['tokenizer_source'] });
  }
  return refs;
}

export const recipeSchema = z
  .strictObject({
    version: z.literal(RECIPE_VERSION, {
      error: (issue) =>
        issue.input === undefined
          ? `is required: the recipe format version (${RECIPE_VERSION})`
          : `unsupported recipe version ${JSON.stringify(issue.input)}: this studio reads version ${RECIPE_VERSION}`,
    }),
    name: z.string().max(RECIPE_LIMITS.nameLength).optional(),
    stages: z.array(stageSchema).min(1).max(RECIPE_LIMITS.stages),
    output: nameSchema.optional(),
  })
  .superRefine((recipe, ctx) => {
    const all = new Map<string, number>();
    recipe.stages.forEach((stage, i) => {
      if (!all.has(stage.name)) all.set(stage.name, i);
    });
    const earlier = new Set<string>();
    recipe.stages.forEach((stage, i) => {
      const first = all.get(stage.name);
      if (first !== undefined && first !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', i, 'name'],
          message: `stage name "${stage.name}" is already used by stages[${first}]; stage names are unique`,
        });
      }
      for (const { ref, path } of stageReferences(stage)) {
        if (ref === stage.name) {
          ctx.addIssue({ code: 'custom', path: ['stages', i, ...path], message: `stage "${stage.name}" cannot use itself as a model` });
        } else if (all.has(ref) && !earlier.has(ref)) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, ...path],
            message: `"${ref}" is a later stage (stages[${all.get(ref)}]); a stage can only use zoo models and earlier stages`,
          });
        }
      }
      earlier.add(stage.name);
    });
    if (recipe.output !== undefined && !all.has(recipe.output)) {
      ctx.addIssue({
        code: 'custom',
        path: ['output'],
        message: `output "${recipe.output}" is not a stage name (stages: ${[...all.keys()].map((n) => `"${n}"`).join(', ')})`,
      });
    }
  }) as unknown as z.ZodType<Recipe>;

// ---------------------------------------------------------------------------
// Parsing

export interface RecipeContext {
  /** Model ids a recipe may reference besides its own stages (the zoo). Unchecked when absent. */
  readonly zooIds?: Iterable<string>;
  /** Merge method names (e.g. `mergeMethodNames()` of lib/merge/registry). Unchecked when absent. */
  readonly methods?: Iterable<string>;
}

export type ParseRecipeResult =
  | { readonly ok: true; readonly recipe: Recipe }
  | { readonly ok: false; readonly issues: RecipeIssue[] };

function entries(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`;
}

/** Friendlier wording of zod's built-in issues. */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return `expected a whole number (got ${String(issue.input)})`;
      return `expected ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`} (got ${describe(issue.input)})`;
    case 'too_big':
      if (issue.origin === 'array') return `at most ${entries(Number(issue.maximum))}${Array.isArray(issue.input) ? ` (got ${issue.input.length})` : ''}`;
      if (issue.origin === 'string') return `at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${entries(Number(issue.minimum))}`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case 'unrecognized_keys':
      return `unrecognized ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(issue.input)})`;
    default:
      return undefined;
  }
};

function toIssue(path: IssuePath, message: string): RecipeIssue {
  return { path: [...path], at: formatIssuePath(path), message };
}

function contextIssues(recipe: Recipe, context: RecipeContext): RecipeIssue[] {
  const issues: RecipeIssue[] = [];
  const zoo = context.zooIds ? new Set(context.zooIds) : null;
  const methods = context.methods ? [...context.methods] : null;
  const earlier = new Set<string>();
  const stageNames = new Set(recipe.stages.map((s) => s.name));
  recipe.stages.forEach((stage, i) => {
    if (methods && !methods.includes(stage.merge_method)) {
      issues.push(
        toIssue(['stages', i, 'merge_method'], `unknown merge method "${stage.merge_method}" (known: ${methods.join(', ')})`),
      );
    }
    if (zoo) {
      if (zoo.has(stage.name)) {
        issues.push(toIssue(['stages', i, 'name'], `stage name "${stage.name}" is also a zoo model id; rename the stage`));
      }
      for (const { ref, path } of stageReferences(stage)) {
        // Self and forward references were already reported by the schema.
        if (!zoo.has(ref) && !earlier.has(ref) && !stageNames.has(ref)) {
          issues.push(toIssue(['stages', i, ...path], `unknown model "${ref}": not a zoo model and not an earlier stage`));
        }
      }
    }
    earlier.add(stage.name);
  });
  return issues;
}

/**
 * Validate untrusted JSON as a recipe. Never throws. Issues carry their JSON path
 * and a human-readable message.
 */
export function parseRecipe(json: unknown, context: RecipeContext = {}): ParseRecipeResult {
  // A wrong version gets one clear issue instead of a cascade from a format we do not know.
  if (isPlainObject(json) && json.version !== RECIPE_VERSION && json.version !== undefined) {
    const v = json.version;
    return {
      ok: false,
      issues: [
        toIssue(
          ['version'],
          typeof v === 'number' && v > RECIPE_VERSION
            ? `recipe version ${v} is newer than this studio reads (${RECIPE_VERSION}); update Merge Studio`
            : `unsupported recipe version ${JSON.stringify(v)}: this studio reads version ${RECIPE_VERSION}`,
        ),
      ],
    };
  }
  if (!isPlainObject(json)) {
    return { ok: false, issues: [toIssue([], `a recipe is a JSON object (got ${describe(json)})`)] };
  }
  const parsed = recipeSchema.safeParse(json, { error: errorMap });
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) =>
        toIssue(
          issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k)),
          issue.message,
        ),
      ),
    };
  }
  const issues = contextIssues(parsed.data, context);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, recipe: parsed.data };
}
