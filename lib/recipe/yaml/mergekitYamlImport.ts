/**
 * mergekit YAML → recipe.
 *
 * Reads what `mergekit-yaml` reads (one `MergeConfiguration`, mergekit/config.py) and
 * what `mergekit-multi` reads (several YAML documents, each a configuration with a
 * `name`; at most one without a name, the final merge; a model reference whose path is
 * a merge's name means that merge's output, mergekit/scripts/multimerge.py). Each
 * document becomes one stage; stages are ordered by their dependencies (mergekit-multi
 * sorts them too, so a file may list them in any order).
 *
 * YAML is parsed as YAML 1.1 the way PyYAML (mergekit's parser) does: `yes`/`on` are
 * booleans, `y` is a string, `010` is octal (pyYamlTags.ts).
 *
 * Names: a document's `name` is its stage's name; a document without one (a lone
 * configuration, or mergekit-multi's unnamed final merge) becomes the stage "merged".
 * The recipe's own name comes from the comment the export writes first
 * (`# Merge Studio recipe "…"`); mergekit has no place for it.
 *
 * Nothing is dropped silently: an unknown key is an issue with its path and line; a key
 * mergekit knows but the studio cannot represent is an issue when the merge cannot run
 * without it (an architecture override, per-slice base models that differ, `modules`) and a warning
 * when the studio runs the rest and only that part is lost (`chat_template`,
 * `tokenizer.tokens`, `out_dtype`'s compute dtype, `residual_weight`, which mergekit ignores).
 */
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import {
  formatIssuePath,
  parseRecipe,
  RECIPE_VERSION,
  type IssuePath,
  type Recipe,
  type RecipeContext,
  type RecipeIssue,
} from '../schema';
import { pyYamlTags } from './pyYamlTags';
import { DEFAULT_STAGE_NAME, mergekitModelPath, nonReferenceStrings, readModelReference } from './mergekitReference';
import { isPlainObject } from '@/lib/json/isPlainObject';

/** Longest YAML text read (a recipe is small; this bounds the work on a pasted file). */
export const MERGEKIT_YAML_MAX_CHARS = 1_000_000;

/** First line of the comment the export writes when a recipe has a name (see mergekitYamlExport.ts). */
export const RECIPE_NAME_COMMENT = 'Merge Studio recipe';

export interface MergekitYamlIssue {
  /** Where in the YAML document, as keys and indices. */
  readonly path: IssuePath;
  /** The same path as text: `models[1].parameters.weight` (empty for the document itself). */
  readonly at: string;
  readonly message: string;
  /** 1-based line in the YAML text, when known. */
  readonly line?: number;
  /** 0-based index of the YAML document, in files with several documents. */
  readonly document?: number;
}

export type RecipeFromMergekitYamlResult =
  | { readonly ok: true; readonly recipe: Recipe; readonly warnings: MergekitYamlIssue[] }
  | { readonly ok: false; readonly issues: MergekitYamlIssue[]; readonly warnings: MergekitYamlIssue[] };

/** One issue per line: `line 12 (document 2): models[0].model: message`. */
export function formatMergekitYamlIssues(issues: readonly MergekitYamlIssue[], file?: string): string {
  return issues
    .map((issue) => {
      const where = [
        file !== undefined ? `${file}${issue.line !== undefined ? `:${issue.line}` : ''}` : issue.line !== undefined ? `line ${issue.line}` : '',
        issue.document !== undefined ? `(document ${issue.document + 1})` : '',
      ]
        .filter(Boolean)
        .join(' ');
      return [where, issue.at, issue.message].filter(Boolean).join(': ');
    })
    .join('\n');
}

// ---------------------------------------------------------------------------
// Keys mergekit knows (pydantic models of mergekit/config.py and tokenizer/config.py)

const CONFIG_KEYS = [
  'name',
  'merge_method',
  'base_model',
  'models',
  'slices',
  'parameters',
  'dtype',
  'tokenizer_source',
  'tokenizer',
  'chat_template',
  'out_dtype',
  'modules',
] as const;
const MODEL_KEYS = ['model', 'parameters'] as const;
const SLICE_KEYS = ['sources', 'parameters', 'base_model', 'residual_weight'] as const;
const SOURCE_KEYS = ['model', 'layer_range', 'parameters'] as const;
const TOKENIZER_KEYS = ['source', 'tokens', 'pad_to_multiple_of'] as const;

type Path = (string | number)[];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The candidate nearest to `word` within `maxDistance` edits (a difference of case only counts 0). */
function closest(word: string, candidates: readonly string[], maxDistance: number): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= maxDistance ? best : undefined;
}

/** Issues and warnings of one document, before lines are known. */
interface Finding {
  readonly document: number;
  readonly path: Path;
  readonly message: string;
}

class Findings {
  readonly issues: Finding[] = [];
  readonly warnings: Finding[] = [];
  /** Places already reported as a whole (a model reference with problems). */
  readonly covered: Path[] = [];
  constructor(private readonly document: number) {}
  issue(path: Path, message: string) {
    this.issues.push({ document: this.document, path, message });
  }
  warn(path: Path, message: string) {
    this.warnings.push({ document: this.document, path, message });
  }
  unknownKeys(value: Record<string, unknown>, known: readonly string[], at: Path, what: string) {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const guess = closest(key, known, Math.max(1, Math.min(2, Math.floor(key.length / 3))));
      this.issue([...at, key], `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}: ${what} has ${known.map((k) => `"${k}"`).join(', ')}`);
    }
  }
  reference(value: unknown, at: Path): unknown {
    const read = readModelReference(value);
    for (const p of read.problems) this.issue([...at, ...p.path], p.message);
    if (read.problems.length > 0) this.covered.push(at);
    return read.ref;
  }
}

// ---------------------------------------------------------------------------
// One configuration → one stage (without its name)

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Copy the keys whose values are present, in the recipe's order. */
function compact(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

function readModels(value: unknown, f: Findings): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((entry, i) => {
    if (!isPlainObject(entry)) return entry;
    f.unknownKeys(entry, MODEL_KEYS, ['models', i], 'a models entry');
    return compact([
      ['model', f.reference(entry.model, ['models', i, 'model'])],
      ['parameters', present(entry.parameters) ? entry.parameters : undefined],
    ]);
  });
}

function readSlices(value: unknown, baseModel: unknown, f: Findings): { slices: unknown; baseModel: unknown } {
  if (!Array.isArray(value)) return { slices: value, baseModel };
  const sliceBases = new Map<number, unknown>();
  const slices = value.map((slice, s) => {
    if (!isPlainObject(slice)) return slice;
    f.unknownKeys(slice, SLICE_KEYS, ['slices', s], 'a slice');
    if (present(slice.base_model)) sliceBases.set(s, f.reference(slice.base_model, ['slices', s, 'base_model']));
    if (present(slice.residual_weight)) {
      f.warn(['slices', s, 'residual_weight'], 'dropped: mergekit declares residual_weight but never reads it');
    }
    const sources = Array.isArray(slice.sources)
      ? slice.sources.map((source, i) => {
          if (!isPlainObject(source)) return source;
          f.unknownKeys(source, SOURCE_KEYS, ['slices', s, 'sources', i], 'a slice source');
          return compact([
            ['model', f.reference(source.model, ['slices', s, 'sources', i, 'model'])],
            ['layer_range', source.layer_range],
            ['parameters', present(source.parameters) ? source.parameters : undefined],
          ]);
        })
      : slice.sources;
    return compact([
      ['sources', sources],
      ['parameters', present(slice.parameters) ? slice.parameters : undefined],
    ]);
  });

  // mergekit: a slice's base_model, when given, replaces the configuration's for that slice.
  // The studio has one base per stage: the same base everywhere is that base.
  const distinct = new Set([...sliceBases.values()].map((b) => JSON.stringify(b)));
  if (sliceBases.size > 0) {
    const only = [...sliceBases.values()][0];
    const everySlice = sliceBases.size === value.length;
    if (distinct.size === 1 && (JSON.stringify(only) === JSON.stringify(baseModel) || (!present(baseModel) && everySlice))) {
      for (const s of sliceBases.keys()) {
        f.warn(['slices', s, 'base_model'], `read as the stage's base_model ${JSON.stringify(only)}: every slice has the same base`);
      }
      return { slices, baseModel: only };
    }
    for (const [s, base] of sliceBases) {
      f.issue(
        ['slices', s, 'base_model'],
        `a per-slice base_model (${JSON.stringify(base)}) is not supported: a studio stage has one base model` +
          (present(baseModel) ? ` (this configuration's is ${JSON.stringify(baseModel)})` : '; give every slice the same base, or set base_model once'),
      );
    }
  }
  return { slices, baseModel };
}

function readDtype(value: unknown): unknown {
  // mergekit's dtype_from_name accepts a "torch." prefix.
  return typeof value === 'string' && value.startsWith('torch.') ? value.slice('torch.'.length) : value;
}

function readTokenizer(config: Record<string, unknown>, f: Findings): unknown {
  const block = config.tokenizer;
  if (!present(block)) return present(config.tokenizer_source) ? f.reference(config.tokenizer_source, ['tokenizer_source']) : undefined;
  if (present(config.tokenizer_source)) {
    f.issue(['tokenizer'], 'mergekit rejects a configuration with both tokenizer_source and tokenizer ("Cannot specify both")');
    return undefined;
  }
  if (!isPlainObject(block)) {
    f.issue(['tokenizer'], 'expected a mapping with "source", "tokens" and "pad_to_multiple_of"');
    return undefined;
  }
  f.unknownKeys(block, TOKENIZER_KEYS, ['tokenizer'], 'a tokenizer block');
  if (isPlainObject(block.tokens) && Object.keys(block.tokens).length > 0) {
    const names = Object.keys(block.tokens);
    f.warn(
      ['tokenizer', 'tokens'],
      `dropped: Merge Studio cannot set the embeddings of chosen tokens (${names.map((n) => JSON.stringify(n)).join(', ')}); only the tokenizer source is kept`,
    );
  } else if (present(block.tokens) && !isPlainObject(block.tokens)) {
    f.issue(['tokenizer', 'tokens'], 'expected a mapping from token to embedding source');
  }
  if (present(block.pad_to_multiple_of)) {
    f.warn(['tokenizer', 'pad_to_multiple_of'], 'dropped: Merge Studio does not pad the vocabulary');
  }
  // TokenizerConfig.source defaults to "union".
  return present(block.source) ? f.reference(block.source, ['tokenizer', 'source']) : 'union';
}

interface ReadConfig {
  /** The document's `name`, when it has one. */
  readonly name?: string;
  readonly stage: Record<string, unknown>;
}

function readConfig(config: Record<string, unknown>, f: Findings): ReadConfig {
  if ('stages' in config && 'version' in config && !('merge_method' in config)) {
    f.issue([], 'this is a Merge Studio recipe (JSON, with "version" and "stages"), not a mergekit configuration: read it as a recipe');
    f.covered.push([]);
    return { stage: {} };
  }
  f.unknownKeys(config, CONFIG_KEYS, [], 'a mergekit configuration');

  let name: string | undefined;
  if (present(config.name)) {
    if (typeof config.name === 'string' && config.name !== '') name = config.name;
    else f.issue(['name'], `a merge name is a non-empty string (got ${JSON.stringify(config.name)}; quote it)`);
  }
  if (present(config.modules)) {
    f.issue(['modules'], 'is not supported: Merge Studio merges one language model, not per-module (multimodal) configurations');
  }
  if (present(config.chat_template)) {
    f.warn(['chat_template'], 'dropped: Merge Studio copies the tokenizer files as they are and does not set a chat template');
  }

  const base = present(config.base_model) ? f.reference(config.base_model, ['base_model']) : undefined;
  const models = present(config.models) ? readModels(config.models, f) : undefined;
  const { slices, baseModel } = present(config.slices) ? readSlices(config.slices, base, f) : { slices: undefined, baseModel: base };

  let dtype = present(config.dtype) ? readDtype(config.dtype) : undefined;
  if (present(config.out_dtype)) {
    const out = readDtype(config.out_dtype);
    if (out !== dtype) {
      f.warn(
        ['out_dtype'],
        `read as the stage's dtype ${JSON.stringify(out)}: the studio computes in float32 and writes its output in dtype` +
          (dtype !== undefined ? `; mergekit's compute dtype ${JSON.stringify(dtype)} is not kept` : '') +
          ' (exported as dtype)',
      );
    }
    dtype = out;
  }

  const stage = compact([
    ['merge_method', config.merge_method ?? undefined],
    ['base_model', baseModel],
    ['models', models],
    ['slices', slices],
    ['parameters', present(config.parameters) ? config.parameters : undefined],
    ['dtype', dtype],
    ['tokenizer_source', readTokenizer(config, f)],
  ]);
  return { name, stage };
}

// ---------------------------------------------------------------------------
// Documents → stages

function referencedStrings(stage: Record<string, unknown>): { ref: string; path: Path }[] {
  const refs: { ref: string; path: Path }[] = [];
  const add = (v: unknown, path: Path) => typeof v === 'string' && refs.push({ ref: v, path });
  add(stage.base_model, ['base_model']);
  if (Array.isArray(stage.models)) stage.models.forEach((m, i) => isPlainObject(m) && add(m.model, ['models', i, 'model']));
  if (Array.isArray(stage.slices)) {
    stage.slices.forEach((slice, s) => {
      if (isPlainObject(slice) && Array.isArray(slice.sources)) {
        slice.sources.forEach((src, i) => isPlainObject(src) && add(src.model, ['slices', s, 'sources', i, 'model']));
      }
    });
  }
  add(stage.tokenizer_source, ['tokenizer_source']);
  return refs;
}

const RECIPE_NAME_LINE = new RegExp(`^#\\s*${RECIPE_NAME_COMMENT} ("(?:[^"\\\\]|\\\\.)*")\\s*$`);

/** The recipe name the export writes in its leading comment (`# Merge Studio recipe "name"`). */
function recipeNameFromComment(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line === '---') continue;
    if (!line.startsWith('#')) return undefined;
    const match = RECIPE_NAME_LINE.exec(line);
    if (match) {
      try {
        const name: unknown = JSON.parse(match[1]!);
        return typeof name === 'string' ? name : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Offset of the deepest node on `path`: a mapping key's own position for keys, an item's for list indices. */
function nodeOffset(root: unknown, path: Path): number | undefined {
  const start = (node: unknown) => (isNode(node) ? node.range?.[0] : undefined);
  let node = root;
  let offset = start(root);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key));
      if (!pair) break;
      offset = start(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
      offset = start(node) ?? offset;
    } else break;
  }
  return offset;
}

interface ParsedDocument {
  readonly index: number;
  readonly doc: Document.Parsed;
  readonly read: ReadConfig;
}

/** The YAML text as documents, and where a path of a document is in the text. */
class YamlText {
  private readonly lineCounter = new LineCounter();
  readonly docs: Document.Parsed[];

  constructor(text: string) {
    this.docs = parseAllDocuments(text, { version: '1.1', customTags: pyYamlTags, lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
  }

  lineAt(offset: number | undefined): number | undefined {
    return offset === undefined ? undefined : this.lineCounter.linePos(offset).line;
  }

  /** Syntax errors (nothing else is reliable when the YAML does not parse) and the parser's warnings. */
  syntax(): { issues: MergekitYamlIssue[]; warnings: MergekitYamlIssue[] } {
    const issues: MergekitYamlIssue[] = [];
    const warnings: MergekitYamlIssue[] = [];
    for (const doc of this.docs) {
      for (const error of doc.errors) issues.push({ path: [], at: '', message: `YAML syntax error: ${error.message.split('\n')[0]}`, line: this.lineAt(error.pos[0]) });
      for (const warning of doc.warnings) warnings.push({ path: [], at: '', message: `YAML: ${warning.message.split('\n')[0]}`, line: this.lineAt(warning.pos[0]) });
    }
    return { issues, warnings };
  }

  lineOf(document: number, path: Path): number | undefined {
    const doc = this.docs[document];
    if (!doc) return undefined;
    let at: Path = path;
    if (at[0] === 'tokenizer_source' && !doc.has('tokenizer_source') && doc.has('tokenizer')) {
      at = doc.hasIn(['tokenizer', 'source']) ? ['tokenizer', 'source', ...at.slice(1)] : ['tokenizer'];
    }
    return this.lineAt(nodeOffset(doc.contents, at));
  }

  issue(finding: Finding): MergekitYamlIssue {
    const line = this.lineOf(finding.document, finding.path);
    return {
      path: finding.path,
      at: formatIssuePath(finding.path),
      message: finding.message,
      ...(line !== undefined ? { line } : {}),
      ...(this.docs.length > 1 ? { document: finding.document } : {}),
    };
  }
}

/** Each document read as a configuration, with what the reading found. */
interface ReadDocuments {
  readonly parsed: ParsedDocument[];
  readonly issues: Finding[];
  readonly warnings: Finding[];
  /** Places already reported as a whole: the recipe check adds nothing under them. */
  readonly covered: Finding[];
}

function readDocuments(docs: readonly Document.Parsed[]): ReadDocuments {
  const read: ReadDocuments = { parsed: [], issues: [], warnings: [], covered: [] };
  docs.forEach((doc, index) => {
    const f = new Findings(index);
    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      f.issue([], `YAML: ${(error as Error).message}`);
    }
    if (js === null || js === undefined) {
      if (f.issues.length === 0 && docs.length > 1) f.warn([], 'empty document: skipped');
    } else if (!isPlainObject(js)) {
      f.issue([], `a mergekit configuration is a mapping of keys (merge_method, models, …), not ${Array.isArray(js) ? 'a list' : `a ${typeof js}`}`);
    } else {
      read.parsed.push({ index, doc, read: readConfig(js, f) });
    }
    read.issues.push(...f.issues);
    read.warnings.push(...f.warnings);
    read.covered.push(...f.covered.map((path) => ({ document: index, path, message: '' })));
  });
  return read;
}

/**
 * Stage names: a document's `name`, unique (as mergekit-multi requires); at most one document
 * without one (the final merge), which gets the default name (a second one, reported, another
 * free name).
 */
function nameStages(parsed: readonly ParsedDocument[]): { nameOf: (p: ParsedDocument) => string; unnamed: ParsedDocument | undefined; issues: Finding[] } {
  const multi = parsed.length > 1;
  const issues: Finding[] = [];
  const named = new Map<string, number>();
  let unnamed: ParsedDocument | undefined;
  for (const p of parsed) {
    const f = new Findings(p.index);
    if (p.read.name !== undefined) {
      const previous = named.get(p.read.name);
      if (previous !== undefined) {
        f.issue(['name'], `duplicate merge name "${p.read.name}" (also document ${previous + 1}); mergekit-multi requires unique names`);
      } else named.set(p.read.name, p.index);
    } else if (multi) {
      if (unnamed) {
        f.issue([], `a second document without "name" (document ${unnamed.index + 1} has none either): mergekit-multi allows one unnamed final merge`);
      } else unnamed = p;
    }
    issues.push(...f.issues);
  }
  const names = new Map<ParsedDocument, string>();
  const taken = new Set(named.keys());
  for (const p of parsed) {
    let name = p.read.name;
    if (name === undefined) {
      name = DEFAULT_STAGE_NAME;
      for (let k = 2; taken.has(name); k++) name = `${DEFAULT_STAGE_NAME}-${k}`;
      taken.add(name);
    }
    names.set(p, name);
  }
  return { nameOf: (p) => names.get(p)!, unnamed, issues };
}

/**
 * Documents in dependency order (mergekit-multi sorts topologically too): file order among
 * equals, the unnamed final merge last (nothing can reference it). Documents left over form
 * a cycle, reported on each.
 */
function orderStages(parsed: readonly ParsedDocument[], nameOf: (p: ParsedDocument) => string, unnamed: ParsedDocument | undefined): { ordered: ParsedDocument[]; issues: Finding[] } {
  const byName = new Map(parsed.map((p) => [nameOf(p), p]));
  const dependencies = new Map(
    parsed.map((p) => [
      p,
      new Set(
        referencedStrings(p.read.stage)
          .map((r) => byName.get(r.ref))
          .filter((d): d is ParsedDocument => d !== undefined && d !== p),
      ),
    ]),
  );
  const ordered: ParsedDocument[] = [];
  const pending = [...parsed].sort((a, b) => Number(a === unnamed) - Number(b === unnamed) || a.index - b.index);
  while (pending.length > 0) {
    const next = pending.findIndex((p) => [...dependencies.get(p)!].every((d) => ordered.includes(d)));
    if (next < 0) break;
    ordered.push(...pending.splice(next, 1));
  }
  const cycle = pending.map((p) => `"${nameOf(p)}"`).join(', ');
  const issues = pending.map((p): Finding => {
    const into = referencedStrings(p.read.stage).find((r) => pending.some((q) => q !== p && nameOf(q) === r.ref));
    return { document: p.index, path: into?.path ?? [], message: `circular dependency between merges ${cycle}: mergekit-multi cannot order them` };
  });
  return { ordered, issues };
}

/** References that look like a typo of another merge's name (without a zoo list, any other reference may be a model id). */
function mergeNameTypos(parsed: readonly ParsedDocument[], nameOf: (p: ParsedDocument) => string): Finding[] {
  const names = parsed.map(nameOf);
  const warnings: Finding[] = [];
  for (const p of parsed) {
    for (const { ref, path } of referencedStrings(p.read.stage)) {
      if (names.includes(ref) || ref === 'union' || ref === 'base') continue;
      const guess = closest(ref, names.filter((n) => n !== nameOf(p)), Math.min(2, Math.floor(ref.length / 4)));
      if (guess) warnings.push({ document: p.index, path, message: `"${ref}" is not a merge of this file (did you mean "${guess}"?): read as a model id` });
    }
  }
  return warnings;
}

/** The recipe's own issues, each on the document and path it comes from, less what the conversion already reported there. */
function recipeFindings(issues: readonly RecipeIssue[], ordered: readonly ParsedDocument[], read: ReadDocuments, conversion: readonly Finding[]): Finding[] {
  const findings: Finding[] = [];
  for (const issue of issues) {
    const [head, stageIndex, ...rest] = issue.path;
    const p = head === 'stages' && typeof stageIndex === 'number' ? ordered[stageIndex] : undefined;
    if (!p) {
      findings.push({ document: read.parsed[0]?.index ?? 0, path: [], message: issue.at ? `${issue.at}: ${issue.message}` : issue.message });
      continue;
    }
    // What conversion already reported (an architecture override left out, …) needs no second issue.
    const reported = [...conversion.filter((c) => c.path.length > 0), ...read.covered].some(
      (c) => c.document === p.index && c.path.length <= rest.length && c.path.every((k, i) => rest[i] === k),
    );
    if (!reported) findings.push({ document: p.index, path: rest, message: issue.message });
  }
  return findings;
}

/**
 * mergekit-multi replaces every string whose model path is a merge name: a merge named like a
 * filter, a method or a dtype changes that value when mergekit runs the file.
 */
function multiMergeRewrites(recipe: Recipe, ordered: readonly ParsedDocument[]): Finding[] {
  const names = new Set(recipe.stages.map((s) => s.name));
  return recipe.stages.flatMap((stage, i) =>
    nonReferenceStrings(stage).flatMap(({ value, path }): Finding[] => {
      const modelPath = mergekitModelPath(value);
      if (modelPath === undefined || !names.has(modelPath)) return [];
      return [
        {
          document: ordered[i]!.index,
          path,
          message: `mergekit-multi replaces "${value}" with the path of the merge "${modelPath}" (it rewrites every string naming a merge); rename that merge`,
        },
      ];
    }),
  );
}

/**
 * Read mergekit YAML (a `mergekit-yaml` configuration or a `mergekit-multi` file) as a
 * recipe. Never throws. With `context.methods` the method names are checked against
 * them; with `context.zooIds`, every reference must be a zoo model or a merge of the file.
 */
export function recipeFromMergekitYaml(text: string, context: RecipeContext = {}): RecipeFromMergekitYamlResult {
  const fail = (message: string): RecipeFromMergekitYamlResult => ({ ok: false, issues: [{ path: [], at: '', message }], warnings: [] });
  if (text.length > MERGEKIT_YAML_MAX_CHARS) {
    return fail(`the YAML text is too long (${text.length} characters; at most ${MERGEKIT_YAML_MAX_CHARS})`);
  }
  const yaml = new YamlText(text);
  const syntax = yaml.syntax();
  if (syntax.issues.length > 0) return { ok: false, issues: syntax.issues, warnings: syntax.warnings };

  const read = readDocuments(yaml.docs);
  if (read.parsed.length === 0 && read.issues.length === 0) return fail('the YAML holds no mergekit configuration');
  const multi = read.parsed.length > 1;
  const { nameOf, unnamed, issues: nameIssues } = nameStages(read.parsed);
  const { ordered, issues: orderIssues } = orderStages(read.parsed, nameOf, unnamed);
  const conversion = [...read.issues, ...nameIssues, ...orderIssues];
  const typos = multi && !context.zooIds ? mergeNameTypos(read.parsed, nameOf) : [];
  const warnings = [...syntax.warnings, ...[...read.warnings, ...typos].map((w) => yaml.issue(w))];
  if (orderIssues.length > 0) return { ok: false, issues: conversion.map((c) => yaml.issue(c)), warnings };

  const recipeName = recipeNameFromComment(text);
  const checked = parseRecipe(
    {
      version: RECIPE_VERSION,
      ...(recipeName !== undefined ? { name: recipeName } : {}),
      stages: ordered.map((p) => ({ name: nameOf(p), ...p.read.stage })),
    },
    context,
  );
  const findings = checked.ok ? conversion : [...conversion, ...recipeFindings(checked.issues, ordered, read, conversion)];
  if (findings.length > 0 || !checked.ok) {
    findings.sort((a, b) => a.document - b.document || (yaml.lineOf(a.document, a.path) ?? 0) - (yaml.lineOf(b.document, b.path) ?? 0));
    return { ok: false, issues: findings.map((f) => yaml.issue(f)), warnings };
  }
  const rewrites = multi ? multiMergeRewrites(checked.recipe, ordered).map((w) => yaml.issue(w)) : [];
  return { ok: true, recipe: checked.recipe, warnings: [...warnings, ...rewrites] };
}
