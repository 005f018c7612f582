/**
 * What demo mode shows of a recipe, as plain data: the diagram (source models → merge
 * steps, with method and key parameters in words), the models the merged model is
 * compared with, the skills it covers, the prepared prompts and the one-sentence summary
 * of its scores. Plain functions, no DOM: the components only render them.
 */
import type { EvalItem } from '@/lib/eval/evalSet';
import { getMergeMethod } from '@/lib/merge/registry';
import { formatParamNumber } from '@/lib/recipe/paramNumber';
import { outputStageName, stageModels, stagesFeeding } from '@/lib/recipe/recipeGraph';
import type { ParamMap, ParamValue, Recipe, RecipeStage } from '@/lib/recipe/schema';
import type { SkillScore } from '@/lib/workers/engineApi';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';

// ---------------------------------------------------------------------------
// Parameters in words

function scalarInWords(value: number | boolean): string {
  return typeof value === 'boolean' ? (value ? 'on' : 'off') : formatParamNumber(value);
}

function gradientInWords(anchors: readonly number[]): string {
  const first = anchors[0] ?? 0;
  if (anchors.every((a) => a === first)) return formatParamNumber(first);
  if (anchors.length <= 4) return `${anchors.map(formatParamNumber).join(' → ')} across the layers`;
  return `from ${formatParamNumber(first)} to ${formatParamNumber(anchors.at(-1) ?? first)} across the layers`;
}

/** A parameter value (scalar, gradient list or filter list) in words. */
export function paramValueInWords(value: ParamValue): string {
  if (typeof value === 'number' || typeof value === 'boolean') return scalarInWords(value);
  if (value.length > 0 && value.every((v): v is number => typeof v === 'number')) return gradientInWords(value);
  const entries = value as Exclude<ParamValue, number | boolean | number[]>;
  const parts = entries.map((entry) => {
    const v = Array.isArray(entry.value) ? gradientInWords(entry.value) : scalarInWords(entry.value);
    return entry.filter && entry.filter !== '*' ? `${v} for “${entry.filter}” tensors` : `${v} elsewhere`;
  });
  return parts.join('; ');
}

export interface PlainParameter {
  name: string;
  value: string;
  /** The method's own one-line explanation of the parameter, when it declares one. */
  meaning: string;
}

function plainParameters(method: string, params: ParamMap | undefined, kind: 'global' | 'model'): PlainParameter[] {
  const definition = getMergeMethod(method);
  const defs = kind === 'global' ? definition?.parameters : definition?.tensorParameters;
  return Object.entries(params ?? {}).map(([name, value]) => ({
    name,
    value: paramValueInWords(value),
    meaning: defs?.find((d) => d.name === name)?.description ?? '',
  }));
}

// ---------------------------------------------------------------------------
// The diagram

export interface DiagramModel {
  kind: 'model';
  /** Node id in the diagram. */
  id: string;
  model: string;
  column: number;
  row: number;
}

export interface DiagramMerge {
  kind: 'merge';
  id: string;
  stage: string;
  method: string;
  methodLabel: string;
  /** The method in one sentence, from the registry. */
  methodSummary: string;
  /** Global parameters set in the recipe, in words. */
  parameters: PlainParameter[];
  isOutput: boolean;
  column: number;
  row: number;
}

export type DiagramNode = DiagramModel | DiagramMerge;

export interface DiagramEdge {
  id: string;
  source: string;
  target: string;
  /** The base of a method that adds differences to a base; drawn differently. */
  isBase: boolean;
  /** Per-model settings in words ("weight 1", "layers 0–4"); empty when none. */
  label: string;
}

export interface RecipeDiagram {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  /** The stage whose output is the merged model. */
  output: string;
  columns: number;
}

const modelNodeId = (model: string) => `model:${model}`;
const stageNodeId = (stage: string) => `stage:${stage}`;

interface StageInput {
  ref: string;
  isBase: boolean;
  label: string;
}

/** What a stage reads, each reference once, with its per-model settings in words ("base, weight 1", "layers 0–3"). */
function stageInputs(stage: RecipeStage): StageInput[] {
  return stageModels(stage).map((ref) => {
    const isBase = ref === stage.base_model;
    const entry = stage.models?.find((m) => m.model === ref);
    const words = [
      ...(isBase ? ['base'] : []),
      ...plainParameters(stage.merge_method, entry?.parameters, 'model').map((p) => `${p.name} ${p.value}`),
      ...(stage.slices ?? []).flatMap((slice) => slice.sources.filter((s) => s.model === ref).map((s) => `layers ${s.layer_range[0]}–${s.layer_range[1] - 1}`)),
    ];
    return { ref, isBase, label: words.join(', ') };
  });
}

/**
 * The recipe as a left-to-right diagram: zoo models in the first column, each merge step in
 * the column after its deepest input. Only the stages the merged model depends on are drawn.
 */
export function recipeDiagram(recipe: Recipe): RecipeDiagram {
  const output = outputStageName(recipe);
  const stages = stagesFeeding(recipe, output);
  const stageNames = new Set(stages.map((s) => s.name));
  const column = new Map<string, number>();
  const rows = new Map<number, number>();
  const place = (c: number) => {
    const row = rows.get(c) ?? 0;
    rows.set(c, row + 1);
    return row;
  };
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const models = new Set<string>();
  // Models first, so they fill column 0 in the order the recipe names them.
  for (const stage of stages) {
    for (const input of stageInputs(stage)) {
      if (stageNames.has(input.ref) || models.has(input.ref)) continue;
      models.add(input.ref);
      nodes.push({ kind: 'model', id: modelNodeId(input.ref), model: input.ref, column: 0, row: place(0) });
    }
  }
  for (const stage of stages) {
    const inputs = stageInputs(stage);
    const c = 1 + Math.max(0, ...inputs.map((i) => (stageNames.has(i.ref) ? (column.get(i.ref) ?? 1) : 0)));
    column.set(stage.name, c);
    const method = getMergeMethod(stage.merge_method);
    nodes.push({
      kind: 'merge',
      id: stageNodeId(stage.name),
      stage: stage.name,
      method: stage.merge_method,
      methodLabel: method?.label ?? stage.merge_method,
      methodSummary: method?.description ?? '',
      parameters: plainParameters(stage.merge_method, stage.parameters, 'global'),
      isOutput: stage.name === output,
      column: c,
      row: place(c),
    });
    for (const input of inputs) {
      const source = stageNames.has(input.ref) ? stageNodeId(input.ref) : modelNodeId(input.ref);
      edges.push({ id: `${source}->${stageNodeId(stage.name)}`, source, target: stageNodeId(stage.name), isBase: input.isBase, label: input.label });
    }
  }
  return { nodes, edges, output, columns: Math.max(...nodes.map((n) => n.column)) + 1 };
}

// ---------------------------------------------------------------------------
// Sources, skills, prompts

/** The skills of the expert models among the sources, in source order; every skill when there are none. */
export function coveredSkills(sources: readonly string[], zoo: readonly ZooIndexEntry[], allSkills: readonly string[]): string[] {
  const skills: string[] = [];
  for (const id of sources) {
    const skill = zoo.find((m) => m.id === id)?.skill;
    if (skill && allSkills.includes(skill) && !skills.includes(skill)) skills.push(skill);
  }
  return skills.length > 0 ? skills : [...allSkills];
}

/** For each skill, the first expert among the sources trained on it: the model the merge's score on that skill is compared with. */
export function expertsBySkill(sources: readonly string[], zoo: readonly ZooIndexEntry[]): Map<string, string> {
  const experts = new Map<string, string>();
  for (const id of sources) {
    const skill = zoo.find((m) => m.id === id && m.role === 'expert')?.skill;
    if (skill && !experts.has(skill)) experts.set(skill, id);
  }
  return experts;
}

export interface PreparedPrompt {
  skill: string;
  prompt: string;
  answer: string;
}

/** The first `perSkill` dev examples of each skill, interleaved (one of each skill, then the next of each…). */
export function preparedPrompts(skills: readonly string[], items: ReadonlyMap<string, readonly EvalItem[]>, perSkill = 3): PreparedPrompt[] {
  const prompts: PreparedPrompt[] = [];
  for (let i = 0; i < perSkill; i++) {
    for (const skill of skills) {
      const item = items.get(skill)?.[i];
      if (item) prompts.push({ skill, prompt: item.prompt, answer: item.answer });
    }
  }
  return prompts;
}

/** Exact match, as the scorer counts it: the answer, then the newline, nothing else. */
export function isCorrect(output: { text: string; finished: boolean }, answer: string): boolean {
  return output.finished && output.text === answer;
}

// ---------------------------------------------------------------------------
// The one-sentence summary

function listInWords(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

const percent = (accuracy: number) => `${Math.round(100 * accuracy)}%`;

/**
 * "merge-1 keeps 96% of zoo-upper's accuracy on upper and 91% of zoo-shift's on shift."
 * Each skill is compared with the source expert trained on it; skills without one get the
 * merged score alone.
 */
export function scoreSummary(
  mergeName: string,
  skills: readonly string[],
  merged: readonly SkillScore[],
  sources: ReadonlyMap<string, readonly SkillScore[]>,
  experts: ReadonlyMap<string, string>,
): string {
  let namedAccuracy = false;
  const parts = skills.flatMap((skill): Array<{ verb: string; rest: string }> => {
    const mine = merged.find((s) => s.skill === skill);
    if (!mine) return [];
    const expert = experts.get(skill);
    const theirs = expert ? sources.get(expert)?.find((s) => s.skill === skill) : undefined;
    if (!expert || !theirs) return [{ verb: 'scores', rest: `${percent(mine.accuracy)} on ${skill}` }];
    if (theirs.accuracy === 0) return [{ verb: 'scores', rest: `${percent(mine.accuracy)} on ${skill}, where ${expert} scores 0%` }];
    const ratio = mine.accuracy / theirs.accuracy;
    const whose = namedAccuracy ? `${expert}'s` : `${expert}'s accuracy`;
    namedAccuracy = true;
    return [{ verb: ratio > 1 ? 'reaches' : 'keeps', rest: `${Math.round(100 * ratio)}% of ${whose} on ${skill}` }];
  });
  if (parts.length === 0) return `${mergeName} has no scores yet.`;
  // Parts share the subject; a verb is repeated only where it changes.
  const phrases = parts.map((p, i) => (i > 0 && parts[i - 1]?.verb === p.verb ? p.rest : `${p.verb} ${p.rest}`));
  return `${mergeName} ${listInWords(phrases)}.`;
}

/** The recipe in one sentence, for the page's subtitle. */
export function recipeSentence(diagram: RecipeDiagram): string {
  const merges = diagram.nodes.filter((n): n is DiagramMerge => n.kind === 'merge');
  const output = merges.find((m) => m.isOutput);
  if (!output) return '';
  const nameOf = (id: string) => {
    const node = diagram.nodes.find((n) => n.id === id);
    return node?.kind === 'model' ? node.model : node?.kind === 'merge' ? node.stage : id;
  };
  if (merges.length === 1) {
    const into = diagram.edges.filter((e) => e.target === output.id);
    const inputs = into.filter((e) => !e.isBase).map((e) => nameOf(e.source));
    const base = into.find((e) => e.isBase);
    const on = base ? ` on top of ${nameOf(base.source)}` : '';
    const what = inputs.length > 0 ? `combines ${listInWords(inputs)}${on}` : `is built from ${base ? nameOf(base.source) : 'its base'}`;
    return `${output.stage} ${what} with ${output.methodLabel}.`;
  }
  const models = diagram.nodes.filter((n): n is DiagramModel => n.kind === 'model').map((n) => n.model);
  return `${output.stage} is built in ${merges.length} merge steps from ${listInWords(models)}; the last one uses ${output.methodLabel}.`;
}
