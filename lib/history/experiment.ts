/**
 * Experiment history, the pure part: what one recorded experiment holds, how a recipe
 * becomes its identity (so each distinct recipe is recorded once), and the list
 * operations the History tab needs (insert, delete, newest first, search). No storage
 * here: `historyBackend.ts` keeps records (IndexedDB in the browser, memory in tests).
 */
import { externalModels, stageInputs } from '@/lib/recipe/recipeGraph';
import type { Recipe } from '@/lib/recipe/schema';
import type { CanvasLayout } from '@/lib/store/canvasLayout';

/** Exact match on one skill's test split, as the engine scored it. */
export interface ExperimentScore {
  readonly skill: string;
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
}

/** What the studio hands over when a merge has finished scoring. */
export interface ExperimentDraft {
  readonly recipe: Recipe;
  /** Node positions and wiring, so a restore puts the canvas back as it was drawn. */
  readonly layout: CanvasLayout | null;
  /** The stage that was scored. */
  readonly stage: string;
  readonly scores: readonly ExperimentScore[];
}

export interface ExperimentRecord extends ExperimentDraft {
  /** Derived from `key`: the same recipe always has the same id. */
  readonly id: string;
  /** Canonical JSON of the recipe and the scored stage. */
  readonly key: string;
  /** 1, 2, 3 … in the order experiments were recorded; never reused after a delete. */
  readonly number: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** The browser tab session it was recorded in. */
  readonly session: string;
}

// ------------------------------------------------------------------ identity

/** JSON with object keys sorted at every depth, so key order never makes two recipes differ. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The identity of an experiment: the recipe (which names its output stage) and the stage scored. */
export function experimentKey(recipe: Recipe, stage: string): string {
  return canonicalJson({ recipe, stage });
}

/** cyrb53: a 53-bit string hash, plenty to tell a person's experiments apart. */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

export function experimentId(key: string): string {
  return `exp-${hash53(key)}`;
}

/** The record a draft becomes, numbered after the ones already kept. */
export function buildExperiment(draft: ExperimentDraft, existing: readonly ExperimentRecord[], createdAt: number, session: string): ExperimentRecord {
  const key = experimentKey(draft.recipe, draft.stage);
  return {
    recipe: draft.recipe,
    layout: draft.layout,
    stage: draft.stage,
    scores: draft.scores.map(({ skill, accuracy, correct, total }) => ({ skill, accuracy, correct, total })),
    id: experimentId(key),
    key,
    number: nextExperimentNumber(existing),
    createdAt,
    session,
  };
}

export function nextExperimentNumber(existing: readonly ExperimentRecord[]): number {
  return existing.reduce((max, r) => Math.max(max, r.number), 0) + 1;
}

// ------------------------------------------------------------------ what a record is about

/** Mean exact match over the skills scored (0 … 1); null without scores. */
export function meanScore(record: Pick<ExperimentRecord, 'scores'>): number | null {
  if (record.scores.length === 0) return null;
  return record.scores.reduce((sum, s) => sum + s.accuracy, 0) / record.scores.length;
}

/** Zoo models the recipe reads (base models included), in first-use order; stage names are not models. */
export function experimentModels(recipe: Recipe): string[] {
  return externalModels(recipe);
}

export function experimentMethods(recipe: Recipe): string[] {
  return [...new Set(recipe.stages.map((s) => s.merge_method))];
}

export function experimentStages(recipe: Recipe): string[] {
  return recipe.stages.map((s) => s.name);
}

/** The stage that was scored, e.g. "merge-1: task_arithmetic of zoo-upper, zoo-shift (base zoo-base)". */
export function describeExperiment(record: Pick<ExperimentRecord, 'recipe' | 'stage'>): string {
  const stage = record.recipe.stages.find((s) => s.name === record.stage);
  if (!stage) return record.stage;
  const inputs = stageInputs(stage);
  const base = stage.base_model ? ` (base ${stage.base_model})` : '';
  return `${stage.name}: ${stage.merge_method} of ${inputs.join(', ') || 'nothing'}${base}`;
}

// ------------------------------------------------------------------ list operations

/** Newest first; records made in the same millisecond by their number, the later first. */
export function sortNewestFirst(records: readonly ExperimentRecord[]): ExperimentRecord[] {
  return [...records].sort((a, b) => b.createdAt - a.createdAt || b.number - a.number);
}

/** Adds a record unless one with its id is already kept (each distinct recipe once); newest first. */
export function insertExperiment(records: readonly ExperimentRecord[], record: ExperimentRecord): ExperimentRecord[] {
  if (records.some((r) => r.id === record.id)) return sortNewestFirst(records);
  return sortNewestFirst([...records, record]);
}

/** The records without the one with `id`, the rest in their order. */
export function removeExperiment(records: readonly ExperimentRecord[], id: string): ExperimentRecord[] {
  return records.filter((r) => r.id !== id);
}

/** The words a search matches against: models, methods and stage names. */
export function searchableTerms(record: Pick<ExperimentRecord, 'recipe'>): string[] {
  return [...experimentModels(record.recipe), ...experimentMethods(record.recipe), ...experimentStages(record.recipe)].map((t) => t.toLowerCase());
}

/**
 * Records matching every word of `query` (case-insensitive; a word matches when it is part
 * of a model id, a method name or a stage name), newest first. An empty query matches all.
 */
export function searchExperiments(records: readonly ExperimentRecord[], query: string): ExperimentRecord[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matching = records.filter((record) => {
    const terms = searchableTerms(record);
    return words.every((word) => terms.some((term) => term.includes(word)));
  });
  return sortNewestFirst(matching);
}

/** The session's experiments in recording order, as points of mean score over time. */
export function sessionScoreSeries(records: readonly ExperimentRecord[], session: string): Array<{ number: number; time: number; mean: number }> {
  return records
    .filter((r) => r.session === session)
    .map((r) => ({ number: r.number, time: r.createdAt, mean: meanScore(r) }))
    .filter((p): p is { number: number; time: number; mean: number } => p.mean !== null)
    .sort((a, b) => a.time - b.time || a.number - b.number);
}
