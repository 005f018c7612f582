/**
 * Validation of a recipe against the models it names, before any weight moves: from configs,
 * safetensors headers and (where tokenizers differ) tokenizer vocabularies alone. Pure: it reads
 * descriptions, never bytes.
 *
 * Root causes first, each once, as sentences about the user's models with the fix: an
 * architecture the studio cannot merge, architectures that differ, models of different sizes,
 * vocabularies that differ. Then the planner (lib/merge/planner) checks what it checks when it
 * knows shapes: every tensor's shape, missing tensors, layer counts against slices, parameters.
 * Then a memory estimate of the merge against a budget.
 */
import { supportedArchitectures } from '@/lib/arch';
import { planRecipe, type MergePlan, type ModelManifest, type PlanIssue } from '@/lib/merge/planner';
import type { MethodRegistry } from '@/lib/merge/registry';
import { formatIssuePath, stageReferences, type Recipe } from '@/lib/recipe/schema';
import { interpretConfig, type ModelDescription } from './checkpointSource';
import { estimateMergeMemory, type MemoryEstimate } from './mergeMemory';
import { formatBytes } from './transferProgress';
import { compareVocabularies, type VocabularyFacts } from './vocabulary';

export interface ValidationModel {
  readonly description: ModelDescription;
  /** The tokenizer's identity and, when it had to be read, its vocabulary. */
  readonly vocabulary?: VocabularyFacts;
}

export type ValidationCode =
  | 'missing-model'
  | 'architecture'
  | 'mixed-architectures'
  | 'dimensions'
  | 'vocabulary'
  | 'plan'
  | 'memory';

export interface ValidationIssue {
  readonly code: ValidationCode;
  readonly severity: 'error' | 'warning';
  /** The stage it concerns, or null for the recipe as a whole. */
  readonly stage: string | null;
  /** Path into the recipe (`stages[0].models[1].model`), or ''. */
  readonly at: string;
  /** The model references it is about. */
  readonly models: readonly string[];
  readonly message: string;
}

export interface RecipeValidation {
  readonly ok: boolean;
  /** Errors and warnings, root causes first. */
  readonly issues: readonly ValidationIssue[];
  /** The plan, when the recipe plans. */
  readonly plan: MergePlan | null;
  readonly memory: MemoryEstimate | null;
}

export interface ValidationOptions {
  /** What the merge may use (the tab's limit); above it the recipe is refused. */
  readonly memoryBudgetBytes?: number;
  /** The merged model stays in memory (default true: the studio previews it); false when it streams to disk. */
  readonly keepOutput?: boolean;
  readonly registry?: MethodRegistry;
}

/** Config keys that fix every tensor's shape inside the layers: fine-tunes of one base share them all. */
const SIZE_KEYS = ['hidden_size', 'intermediate_size', 'num_attention_heads', 'num_key_value_heads', 'head_dim'] as const;

/** Below this share of conflicting ids, two vocabularies are "mostly the same" (renamed reserved tokens). */
const FEW_CONFLICTS = 0.01;

interface Input {
  readonly ref: string;
  /** The model that stands for it (an earlier stage stands for its first input). */
  readonly model: ValidationModel;
  readonly at: string;
}

function quote(ref: string): string {
  return `"${ref}"`;
}

function manifestOf(description: ModelDescription): ModelManifest | null {
  const { architecture } = interpretConfig({ ...description.config });
  if (!architecture) return null;
  const names = [...description.tensors.keys()];
  return {
    tensorNames: () => names,
    tensorInfo: (name) => architecture.tensorInfo(name),
    layerCount: description.layerCount ?? 0,
    tensorShape: (name) => description.tensors.get(name)?.shape,
  };
}

function vocabSize(model: ValidationModel): number | null {
  const value = model.description.config.vocab_size;
  return typeof value === 'number' ? value : null;
}

function architectureSentence(ref: string, description: ModelDescription): string {
  const supported = supportedArchitectures().join(', ');
  if (description.architecture !== null && !supportedArchitectures().includes(description.architecture)) {
    return `${quote(ref)} is a ${description.architecture}, which the studio cannot merge yet (it merges ${supported}); choose a model of one of those architectures.`;
  }
  return `The config.json of ${quote(ref)} cannot be read: ${description.architectureProblem ?? 'it names no architecture'}.`;
}

function sizeDifferences(a: ModelDescription, b: ModelDescription): string[] {
  const out: string[] = [];
  for (const key of SIZE_KEYS) {
    const [x, y] = [a.config[key], b.config[key]];
    if (x !== undefined && y !== undefined && x !== y) out.push(`${key} ${String(x)} vs ${String(y)}`);
  }
  return out;
}

/** The vocabulary verdict for two inputs of one stage, or null when they agree. */
function vocabularyIssue(first: Input, other: Input): { severity: 'error' | 'warning'; message: string } | null {
  const [a, b] = [first.model, other.model];
  const [sizeA, sizeB] = [vocabSize(a), vocabSize(b)];
  const [factsA, factsB] = [a.vocabulary, b.vocabulary];
  const [nameA, nameB] = [quote(first.ref), quote(other.ref)];
  const sameRows = sizeA === sizeB;
  if (sameRows && factsA?.identity && factsA.identity === factsB?.identity) return null;
  const noRemap =
    'mergekit merges such models with tokenizer_source: union (or base), rebuilding the embedding rows by token text; the studio does not rebuild embeddings yet. Merge models that share a vocabulary, or run this merge with mergekit.';
  if (factsA?.vocabulary && factsB?.vocabulary) {
    const comparison = compareVocabularies(factsA.vocabulary, factsB.vocabulary);
    if (comparison.relation === 'equal') {
      return sameRows
        ? null
        : { severity: 'error', message: `${nameA} and ${nameB} have the same tokens but ${sizeA} and ${sizeB} embedding rows (padded differently), so their embeddings cannot be merged row by row. ${noRemap}` };
    }
    if (comparison.relation === 'first-extends' || comparison.relation === 'second-extends') {
      const [longer, shorter] = comparison.relation === 'first-extends' ? [nameA, nameB] : [nameB, nameA];
      const added = Math.abs(factsA.vocabulary.size - factsB.vocabulary.size);
      const examples = comparison.added.map((t) => JSON.stringify(t)).join(', ');
      const what = `${longer} adds ${added} token${added === 1 ? '' : 's'} to the vocabulary of ${shorter} (${examples})`;
      return sameRows
        ? { severity: 'warning', message: `${what} in embedding rows both models have; the merge mixes ${longer}'s trained rows with ${shorter}'s untrained ones for those tokens.` }
        : { severity: 'error', message: `${what}, so their embeddings have ${sizeA} and ${sizeB} rows. ${noRemap}` };
    }
    const example = comparison.examples[0];
    const detail = example ? ` (token id ${example.id} is ${JSON.stringify(example.first)} in ${nameA} and ${JSON.stringify(example.second)} in ${nameB})` : '';
    if (sameRows && comparison.conflicting <= FEW_CONFLICTS * comparison.shared) {
      return {
        severity: 'warning',
        message: `${comparison.conflicting} of ${comparison.shared} token ids stand for different text in ${nameA} and ${nameB}${detail}; the merge averages those embedding rows across different tokens.`,
      };
    }
    return {
      severity: 'error',
      message:
        `${nameA} and ${nameB} use different tokenizers: ${comparison.conflicting} of ${comparison.shared} token ids stand for different text${detail}. ` +
        'Their embedding rows cannot be merged one to one, and the vocabularies are too far apart to reconcile. Merge models that share a tokenizer (fine-tunes of one base model).',
    };
  }
  if (!sameRows) {
    return { severity: 'error', message: `${nameA} has a vocabulary of ${sizeA ?? 'unknown size'} tokens and ${nameB} of ${sizeB ?? 'unknown size'}, so their embeddings cannot be merged row by row. ${noRemap}` };
  }
  if (factsA?.identity && factsB?.identity && factsA.identity !== factsB.identity) {
    return { severity: 'warning', message: `${nameA} and ${nameB} have different tokenizer files, which could not be compared; check that they share a vocabulary.` };
  }
  return null;
}

function planIssue(issue: PlanIssue): ValidationIssue {
  const message = /^shape mismatch for /.test(issue.message)
    ? `${issue.message.replace(/^shape mismatch for /, 'The models differ in the shape of ')}; they cannot be merged tensor by tensor: check that they are fine-tunes of one base model.`
    : issue.message;
  const models = [...issue.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  return { code: 'plan', severity: 'error', stage: issue.stage, at: issue.at, models, message };
}

/** Checks `recipe` against the models it names (by reference) before any weight is read. */
export function validateRecipe(recipe: Recipe, models: ReadonlyMap<string, ValidationModel>, options: ValidationOptions = {}): RecipeValidation {
  const issues: ValidationIssue[] = [];
  const stageNames = new Set(recipe.stages.map((s) => s.name));
  const reported = new Set<string>();
  /** What stands for each stage's output in later stages: its first input. */
  const stageStandIn = new Map<string, ValidationModel>();
  const blockedStages = new Set<string>();

  recipe.stages.forEach((stage, index) => {
    const inputs: Input[] = [];
    for (const { ref, kind, path } of stageReferences(stage)) {
      const at = formatIssuePath(['stages', index, ...path]);
      const standIn = stageNames.has(ref) ? stageStandIn.get(ref) : models.get(ref);
      if (!standIn) {
        if (!stageNames.has(ref) && !reported.has(ref)) {
          reported.add(ref);
          issues.push({ code: 'missing-model', severity: 'error', stage: stage.name, at, models: [ref], message: `${quote(ref)} is not open; open it before validating.` });
        }
        continue;
      }
      if (!stageNames.has(ref) && standIn.description.architectureProblem !== null && !reported.has(ref)) {
        reported.add(ref);
        issues.push({ code: 'architecture', severity: 'error', stage: stage.name, at, models: [ref], message: architectureSentence(ref, standIn.description) });
      }
      if (kind !== 'tokenizer' && !inputs.some((i) => i.ref === ref)) inputs.push({ ref, model: standIn, at });
    }
    const first = inputs[0];
    if (first) stageStandIn.set(stage.name, first.model);
    if (!first) return;

    const mixed = inputs.find((i) => i.model.description.architecture !== first.model.description.architecture);
    if (mixed) {
      blockedStages.add(stage.name);
      const [a, b] = [first.model.description.architecture ?? 'model of unknown architecture', mixed.model.description.architecture ?? 'model of unknown architecture'];
      issues.push({
        code: 'mixed-architectures',
        severity: 'error',
        stage: stage.name,
        at: mixed.at,
        models: [first.ref, mixed.ref],
        message: `${quote(first.ref)} is a ${a} and ${quote(mixed.ref)} is a ${b}: a merge combines models of one architecture, fine-tuned from the same base model. Replace ${quote(mixed.ref)} with a ${a} fine-tune of the same base.`,
      });
      return;
    }
    for (const other of inputs.slice(1)) {
      const differences = sizeDifferences(first.model.description, other.model.description);
      if (differences.length > 0) {
        blockedStages.add(stage.name);
        issues.push({
          code: 'dimensions',
          severity: 'error',
          stage: stage.name,
          at: other.at,
          models: [first.ref, other.ref],
          message: `${quote(first.ref)} and ${quote(other.ref)} are models of different sizes (${differences.join(', ')}): they are not fine-tunes of one base model, so their weights cannot be combined tensor by tensor. Merge models fine-tuned from the same base.`,
        });
        continue;
      }
      const vocabulary = vocabularyIssue(first, other);
      if (vocabulary) {
        if (vocabulary.severity === 'error') blockedStages.add(stage.name);
        issues.push({ code: 'vocabulary', severity: vocabulary.severity, stage: stage.name, at: other.at, models: [first.ref, other.ref], message: vocabulary.message });
      }
    }
  });

  // The planner checks shapes, tensors, slices and parameters, once every model has a manifest.
  const manifests = new Map<string, ModelManifest>();
  for (const [ref, model] of models) {
    const manifest = manifestOf(model.description);
    if (manifest) manifests.set(ref, manifest);
  }
  const architectureBroken = issues.some((i) => i.code === 'architecture' || i.code === 'missing-model');
  let plan: MergePlan | null = null;
  if (!architectureBroken) {
    const planned = planRecipe(recipe, manifests, options.registry ? { registry: options.registry } : {});
    if (planned.ok) plan = planned.plan;
    else {
      const rangeProblems = new Set(planned.issues.filter((i) => i.at.endsWith('.layer_range')).map((i) => i.at.slice(0, -'.layer_range'.length)));
      for (const issue of planned.issues) {
        // A stage whose models differ in size or vocabulary already says why its shapes differ.
        if (issue.stage !== null && blockedStages.has(issue.stage) && /^shape mismatch for /.test(issue.message)) continue;
        // A layer range past the model's end already says why those layers have no tensors.
        if (rangeProblems.has(issue.at)) continue;
        issues.push(planIssue(issue));
      }
    }
    for (const warning of planned.ok ? planned.plan.warnings : planned.warnings) issues.push({ ...planIssue(warning), severity: 'warning' });
  }

  let memory: MemoryEstimate | null = null;
  if (plan) {
    memory = estimateMergeMemory(plan, { keepOutput: options.keepOutput ?? true });
    const budget = options.memoryBudgetBytes;
    if (budget !== undefined && memory.peakBytes > budget) {
      issues.push({
        code: 'memory',
        severity: 'error',
        stage: plan.output,
        at: '',
        models: [],
        message:
          `This merge needs about ${formatBytes(memory.peakBytes)} of memory (the merged model in fp32: ${formatBytes(memory.outputBytes)}; ` +
          `the largest tensor's inputs and scratch: ${formatBytes(memory.workingBytes)}), more than the ${formatBytes(budget)} available here. ` +
          'Merge fewer models at once, or run it with the CLI (npm run merge), which streams the result to disk.',
      });
    }
  }
  const ordered = [...issues.filter((i) => i.severity === 'error'), ...issues.filter((i) => i.severity === 'warning')];
  return { ok: !ordered.some((i) => i.severity === 'error'), issues: ordered, plan, memory };
}

/** The issues as lines for a terminal: `[stage] at: message`. */
export function formatValidationIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.severity === 'warning' ? 'warning: ' : ''}${i.stage !== null ? `[${i.stage}] ` : ''}${i.at ? `${i.at}: ` : ''}${i.message}`).join('\n');
}
