/**
 * mergekit's model references (mergekit/common.py `ModelReference`, `ModelPath`) and how
 * mergekit-multi finds references to its own merges (mergekit/scripts/multimerge.py).
 *
 * A reference is a string `path[@revision][+lora]` or an object
 * `{model: path | {path, revision}, lora, override_architecture}`. The studio's
 * references are plain strings: a zoo id, a folder, a hub id (`org/name[@revision]`), an
 * earlier stage's name, or `model+lora`, a LoRA adapter applied to its model (the object
 * form `{model, lora}` reads as the same string, which is what mergekit writes back).
 */
import { TOKENIZER_SOURCE_KEYWORDS, type ParamMap, type RecipeStage } from '../schema';
import { isPlainObject } from '@/lib/json/isPlainObject';

/** Name of a stage whose document has no `name:` (mergekit-multi's unnamed final merge, or a single config). */
export const DEFAULT_STAGE_NAME = 'merged';

export interface ReferenceProblem {
  /** Relative to the reference's own position. */
  readonly path: (string | number)[];
  readonly message: string;
}

function pathProblems(path: string, at: (string | number)[]): ReferenceProblem[] {
  return (path.match(/@/g)?.length ?? 0) > 1
    ? [{ path: at, message: `mergekit cannot parse "${path}": a model path has at most one "@" (path@revision)` }]
    : [];
}

/** `ModelPath`: a string, or `{path, revision}` written back as `path@revision`. */
function readModelPath(value: unknown, at: (string | number)[]): { path?: unknown; problems: ReferenceProblem[] } {
  if (typeof value === 'string') return { path: value, problems: pathProblems(value, at) };
  if (!isPlainObject(value)) return { path: value, problems: [] };
  const problems: ReferenceProblem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'path' && key !== 'revision') {
      problems.push({ path: [...at, key], message: `unknown key "${key}" (a model path has "path" and "revision")` });
    }
  }
  const { path, revision } = value;
  if (typeof path !== 'string') {
    problems.push({ path: [...at, 'path'], message: `a model path is a string (got ${path === undefined ? 'nothing' : typeof path})` });
    return { problems };
  }
  if (revision !== undefined && revision !== null && typeof revision !== 'string') {
    problems.push({ path: [...at, 'revision'], message: `a revision is a string (got ${typeof revision})` });
  }
  const text = typeof revision === 'string' && revision !== '' ? `${path}@${revision}` : path;
  return { path: text, problems: [...problems, ...pathProblems(text, at)] };
}

/**
 * Read a mergekit model reference as a studio reference. Values of other types are
 * returned as they are (recipe validation reports them); what the studio cannot
 * represent (LoRA adapters, an architecture override) comes back as problems.
 */
export function readModelReference(value: unknown): { ref?: unknown; problems: ReferenceProblem[] } {
  if (typeof value === 'string') {
    const parts = value.split('+');
    if (parts.length > 2) return { problems: [{ path: [], message: `mergekit cannot parse "${value}": at most one "+" (model+lora)` }] };
    if (parts.some((part) => part === '')) return { problems: [{ path: [], message: `"${value}" needs a model and a LoRA adapter on both sides of "+"` }] };
    return { ref: value, problems: parts.flatMap((part) => pathProblems(part, [])) };
  }
  if (!isPlainObject(value)) return { ref: value, problems: [] };
  const problems: ReferenceProblem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'model' && key !== 'lora' && key !== 'override_architecture') {
      problems.push({ path: [key], message: `unknown key "${key}" (a model reference has "model", "lora" and "override_architecture")` });
    }
  }
  const model = readModelPath(value.model, ['model']);
  problems.push(...model.problems);
  if (value.model === undefined) problems.push({ path: ['model'], message: 'is required' });
  let lora: string | undefined;
  if (value.lora !== undefined && value.lora !== null) {
    const read = readModelPath(value.lora, ['lora']);
    problems.push(...read.problems);
    if (typeof read.path === 'string' && read.path !== '') lora = read.path;
    else if (read.problems.length === 0) problems.push({ path: ['lora'], message: 'a LoRA adapter is a path or hub id (a string)' });
  }
  if (value.override_architecture !== undefined && value.override_architecture !== null) {
    problems.push({
      path: ['override_architecture'],
      message: 'is not supported: Merge Studio reads each model\'s architecture from its config.json',
    });
  }
  if (typeof model.path === 'string' && model.path.includes('+')) {
    problems.push({
      path: ['model'],
      message: `a model path containing "+" ("${model.path}") is read back as a LoRA reference when mergekit rewrites its config (mergekit-multi, the model card)`,
    });
  }
  if (problems.length > 0) return { problems };
  return { ref: lora === undefined ? model.path : `${String(model.path)}+${lora}`, problems };
}

/** Why mergekit would misread a studio reference written as a YAML string, or undefined (`model+lora` means to mergekit what it means here). */
export function referenceExportProblem(ref: string): string | undefined {
  const parts = ref.split('+');
  if (parts.length > 2) return `mergekit cannot parse "${ref}": "+" separates a model from a LoRA adapter`;
  if ((ref.match(/@/g)?.length ?? 0) > 1) return `mergekit cannot parse "${ref}": "@" separates a model path from its revision`;
  return undefined;
}

/** The model path mergekit sees in a string (what mergekit-multi compares with merge names), or undefined. */
export function mergekitModelPath(text: string): string | undefined {
  const parts = text.split('+');
  if (parts.length > 2) return undefined;
  const pathAndRevision = parts[0]!.split('@');
  return pathAndRevision.length > 2 ? undefined : pathAndRevision[0];
}

/** A string of a stage that mergekit-multi would look up among the merge names although it is no model reference. */
export interface NonReferenceString {
  readonly value: string;
  /** Relative to the stage. */
  readonly path: (string | number)[];
}

function filterStrings(map: ParamMap | undefined, at: (string | number)[]): NonReferenceString[] {
  const out: NonReferenceString[] = [];
  for (const [name, value] of Object.entries(map ?? {})) {
    if (!Array.isArray(value)) continue;
    value.forEach((entry, i) => {
      if (typeof entry === 'object' && typeof entry.filter === 'string') {
        out.push({ value: entry.filter, path: [...at, name, i, 'filter'] });
      }
    });
  }
  return out;
}

/**
 * Strings of a stage that are not model references: mergekit-multi patches every
 * string of a config whose model path equals a merge name (`patched_config` walks the
 * whole dumped config), so a merge named like a method, a dtype, a tokenizer keyword
 * or a parameter filter corrupts that value.
 */
export function nonReferenceStrings(stage: RecipeStage): NonReferenceString[] {
  const out: NonReferenceString[] = [{ value: stage.merge_method, path: ['merge_method'] }];
  if (stage.dtype !== undefined) out.push({ value: stage.dtype, path: ['dtype'] });
  const tok = stage.tokenizer_source;
  if (tok !== undefined && (TOKENIZER_SOURCE_KEYWORDS as readonly string[]).includes(tok)) {
    out.push({ value: tok, path: ['tokenizer_source'] });
  }
  out.push(...filterStrings(stage.parameters, ['parameters']));
  stage.models?.forEach((m, i) => out.push(...filterStrings(m.parameters, ['models', i, 'parameters'])));
  stage.slices?.forEach((slice, s) => {
    out.push(...filterStrings(slice.parameters, ['slices', s, 'parameters']));
    slice.sources.forEach((src, i) => out.push(...filterStrings(src.parameters, ['slices', s, 'sources', i, 'parameters'])));
  });
  return out;
}
