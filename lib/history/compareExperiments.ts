/**
 * Two experiments side by side: what changed in the recipe, in plain words, and how each
 * skill's score moved. Pure functions of two records.
 */
import { formatParamNumber } from '@/lib/recipe/paramNumber';
import { outputStageName } from '@/lib/recipe/recipeGraph';
import type { ParamMap, ParamValue, Recipe, RecipeSlice, RecipeStage } from '@/lib/recipe/schema';
import { canonicalJson, meanScore, type ExperimentRecord } from './experiment';

export interface SkillDelta {
  readonly skill: string;
  /** Accuracy (0 … 1) in the first experiment; null when it was not scored there. */
  readonly before: number | null;
  readonly after: number | null;
  /** after − before; null unless both are known. */
  readonly delta: number | null;
}

export interface ExperimentComparison {
  readonly before: ExperimentRecord;
  readonly after: ExperimentRecord;
  /** One sentence per difference; empty when the recipes are the same. */
  readonly changes: string[];
  readonly skills: SkillDelta[];
  readonly meanBefore: number | null;
  readonly meanAfter: number | null;
}

/** A parameter value in words: 0.5, on/off, [1, 0.5, 1] (per layer), or its filter entries. */
export function formatParamValue(value: ParamValue | undefined): string {
  if (value === undefined) return 'default';
  if (typeof value === 'number') return formatParamNumber(value);
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (value.length === 0) return '[]';
  if (value.every((v): v is number => typeof v === 'number')) return `[${value.map(formatParamNumber).join(', ')}] per layer`;
  return value
    .map((entry) => {
      if (typeof entry === 'number') return formatParamNumber(entry);
      const v = typeof entry.value === 'object' ? formatParamValue(entry.value) : formatParamValue(entry.value);
      return entry.filter && entry.filter !== '*' ? `${v} where the name has "${entry.filter}"` : `${v} elsewhere`;
    })
    .join('; ');
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function paramChanges(prefix: string, of: string, before: ParamMap | undefined, after: ParamMap | undefined): string[] {
  const names = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const changes: string[] = [];
  for (const name of names) {
    const a = before?.[name];
    const b = after?.[name];
    if (same(a, b)) continue;
    const what = `${name}${of}`;
    if (a === undefined) changes.push(`${prefix}${what} set to ${formatParamValue(b)} (was the default).`);
    else if (b === undefined) changes.push(`${prefix}${what} back to the default (was ${formatParamValue(a)}).`);
    else changes.push(`${prefix}${what} ${formatParamValue(a)} → ${formatParamValue(b)}.`);
  }
  return changes;
}

function formatSlices(slices: readonly RecipeSlice[]): string {
  return slices.map((s) => s.sources.map((src) => `${src.model} layers ${src.layer_range[0]}–${src.layer_range[1]}`).join(' + ')).join(', then ');
}

const OTHER_STAGE_FIELDS = ['dtype', 'tokenizer_source', 'random_seed'] as const;

function stageChanges(before: RecipeStage, after: RecipeStage, prefix: string): string[] {
  const changes: string[] = [];
  if (before.merge_method !== after.merge_method) changes.push(`${prefix}method ${before.merge_method} → ${after.merge_method}.`);
  if (before.base_model !== after.base_model) changes.push(`${prefix}base model ${before.base_model ?? 'none'} → ${after.base_model ?? 'none'}.`);

  const inputsBefore = before.models ?? [];
  const inputsAfter = after.models ?? [];
  for (const m of inputsAfter) if (!inputsBefore.some((x) => x.model === m.model)) changes.push(`${prefix}${m.model} added as an input.`);
  for (const m of inputsBefore) if (!inputsAfter.some((x) => x.model === m.model)) changes.push(`${prefix}${m.model} removed from the inputs.`);
  for (const m of inputsAfter) {
    const old = inputsBefore.find((x) => x.model === m.model);
    if (old) changes.push(...paramChanges(prefix, ` of ${m.model}`, old.parameters, m.parameters));
  }
  changes.push(...paramChanges(prefix, '', before.parameters, after.parameters));

  const slicesBefore = before.slices ?? [];
  const slicesAfter = after.slices ?? [];
  if (!same(slicesBefore, slicesAfter)) {
    if (slicesBefore.length === 0) changes.push(`${prefix}layer slices set: ${formatSlices(slicesAfter)}.`);
    else if (slicesAfter.length === 0) changes.push(`${prefix}layer slices removed (were ${formatSlices(slicesBefore)}).`);
    else changes.push(`${prefix}layer slices ${formatSlices(slicesBefore)} → ${formatSlices(slicesAfter)}.`);
  }
  for (const field of OTHER_STAGE_FIELDS) {
    const a = before[field];
    const b = after[field];
    if (a !== b) changes.push(`${prefix}${field} ${a ?? 'default'} → ${b ?? 'default'}.`);
  }
  return changes;
}

/** The differences between two recipes, one plain sentence each, stage by stage. */
export function recipeDifferences(before: Recipe, after: Recipe): string[] {
  const changes: string[] = [];
  const names = new Set([...before.stages, ...after.stages].map((s) => s.name));
  const several = names.size > 1;
  for (const stage of after.stages) {
    const old = before.stages.find((s) => s.name === stage.name);
    if (!old) changes.push(`Stage ${stage.name} added (${stage.merge_method}).`);
    else changes.push(...stageChanges(old, stage, several ? `${stage.name}: ` : ''));
  }
  for (const stage of before.stages) if (!after.stages.some((s) => s.name === stage.name)) changes.push(`Stage ${stage.name} removed.`);
  const outBefore = outputStageName(before);
  const outAfter = outputStageName(after);
  if (outBefore !== outAfter) changes.push(`Output stage ${outBefore} → ${outAfter}.`);
  if ((before.name ?? '') !== (after.name ?? '')) changes.push(`Recipe name "${before.name ?? ''}" → "${after.name ?? ''}".`);
  // Stage names aside, capitalise each sentence.
  return changes.map((c) => c.charAt(0).toUpperCase() + c.slice(1));
}

/** `after` against `before`: recipe changes and per-skill score deltas (after − before). */
export function compareExperiments(before: ExperimentRecord, after: ExperimentRecord): ExperimentComparison {
  const skills = [...new Set([...before.scores, ...after.scores].map((s) => s.skill))];
  const changes = recipeDifferences(before.recipe, after.recipe);
  if (before.stage !== after.stage && !changes.some((c) => c.startsWith('Output stage'))) changes.push(`Scored stage ${before.stage} → ${after.stage}.`);
  return {
    before,
    after,
    changes,
    skills: skills.map((skill) => {
      const b = before.scores.find((s) => s.skill === skill)?.accuracy ?? null;
      const a = after.scores.find((s) => s.skill === skill)?.accuracy ?? null;
      return { skill, before: b, after: a, delta: a !== null && b !== null ? a - b : null };
    }),
    meanBefore: meanScore(before),
    meanAfter: meanScore(after),
  };
}

/** The older of two records first, so deltas read "what the later change did". */
export function chronological(a: ExperimentRecord, b: ExperimentRecord): [ExperimentRecord, ExperimentRecord] {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.number < b.number) ? [a, b] : [b, a];
}
