/**
 * The search panel's form as plain data, and its translation into a search or Hi-Merging
 * config: zod checks the config, and every issue is mapped back to the form field it is
 * about, so the panel shows it next to that field. Numbers stay the text the user typed
 * until here, so an empty or malformed box gets a message rather than a silent default.
 */
import { z } from 'zod';
import { hiMergingConfigSchema, type HiMergingConfig } from './hiMerging';
import type { FusionMethod } from './layerwiseSpace';
import type { Objective } from './objective';
import { estimateSearchCost } from './searchCost';
import { searchConfigSchema, type OptimizerConfig, type SearchConfig, type SearchConfigInput } from './searchConfig';

/** A knob of the space: free within [low, high], or fixed to `value`. */
export interface KnobField {
  free: boolean;
  low: string;
  high: string;
  value: string;
}

export interface SearchForm {
  mode: 'search' | 'hi-merging';
  experts: string[];
  base: string;
  space: 'layerwise' | 'depthwise';
  groupSize: string;
  tensorGroups: boolean;
  methods: FusionMethod[];
  weight: KnobField;
  density: KnobField;
  lambda: KnobField;
  /** Depth-wise: the base's layers are candidates too. */
  baseAsSource: boolean;
  selection: 'one' | 'subset';
  scale: KnobField;
  objective: 'mean' | 'skill' | 'pareto';
  skill: string;
  paretoSkills: [string, string];
  optimizer: OptimizerConfig['kind'];
  eta: string;
  minFidelity: string;
  budget: string;
  maxFidelity: string;
  seed: string;
  densities: string;
  weights: string;
  reductions: string;
  hiFidelity: string;
  hiMaxFidelity: string;
  maxSteps: string;
}

export type SearchFormField =
  | 'experts'
  | 'base'
  | 'groupSize'
  | 'methods'
  | 'weight'
  | 'density'
  | 'lambda'
  | 'scale'
  | 'objective'
  | 'eta'
  | 'minFidelity'
  | 'budget'
  | 'maxFidelity'
  | 'seed'
  | 'densities'
  | 'weights'
  | 'reductions'
  | 'hiFidelity'
  | 'hiMaxFidelity'
  | 'maxSteps';

export type FieldIssues = Partial<Record<SearchFormField, string[]>>;

/** What the form needs to know of the zoo and the evals. */
export interface SearchFormContext {
  /** Skill of each expert. */
  skillOf: Readonly<Record<string, string>>;
  /** Decoder layers of the base (null while its config loads). */
  layerCount: number | null;
  /** Dev items per skill. */
  devItems: Readonly<Record<string, number>>;
}

const knob = (free: boolean, low: number, high: number, value: number): KnobField => ({ free, low: String(low), high: String(high), value: String(value) });

/** One click on "Start search" runs a small, meaningful multi-fidelity search (about a minute on a laptop). */
export function defaultSearchForm(experts: readonly string[], base: string): SearchForm {
  return {
    mode: 'search',
    experts: experts.slice(0, 2),
    base,
    space: 'layerwise',
    groupSize: '2',
    tensorGroups: false,
    methods: ['task_arithmetic', 'ties'],
    weight: knob(true, 0, 1.5, 1),
    density: knob(true, 0.1, 1, 0.5),
    lambda: knob(false, 0.5, 1.5, 1),
    baseAsSource: false,
    selection: 'one',
    scale: knob(false, 0.5, 1.5, 1),
    objective: 'mean',
    skill: '',
    paretoSkills: ['', ''],
    optimizer: 'hyperband',
    eta: '3',
    minFidelity: '6',
    budget: '2400',
    maxFidelity: '60',
    seed: '0',
    densities: '0.3, 0.6, 1',
    weights: '0.7, 1, 1.3',
    reductions: '0.5, 0',
    hiFidelity: '20',
    hiMaxFidelity: '60',
    maxSteps: '4',
  };
}

/** The skills the chosen experts stand for, in their order, each once. */
export function chosenSkills(form: Pick<SearchForm, 'experts'>, context: Pick<SearchFormContext, 'skillOf'>): string[] {
  return [...new Set(form.experts.flatMap((e) => (context.skillOf[e] ? [context.skillOf[e]] : [])))];
}

function issuesCollector() {
  const issues: FieldIssues = {};
  return {
    issues,
    add(field: SearchFormField, message: string) {
      (issues[field] ??= []).push(message);
    },
  };
}

/** A number from a text box; NaN when the box does not hold one. */
function numberOf(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

function checkNumber(add: (message: string) => void, text: string, options: { integer?: boolean } = {}): number {
  const n = numberOf(text);
  if (!Number.isFinite(n)) add('enter a number');
  else if (options.integer && !Number.isInteger(n)) add('enter a whole number');
  return n;
}

function knobValue(field: KnobField, add: (message: string) => void): number | { low: number; high: number } {
  if (!field.free) return checkNumber(add, field.value);
  return { low: checkNumber(add, field.low), high: checkNumber(add, field.high) };
}

/** zod's path of an issue, as the form field it is about. */
function fieldOfPath(path: readonly PropertyKey[], mode: SearchForm['mode']): SearchFormField {
  const [head, next] = path;
  if (mode === 'hi-merging') {
    switch (head) {
      case 'experts':
      case 'base':
      case 'densities':
      case 'weights':
      case 'reductions':
      case 'maxSteps':
        return head;
      case 'fidelity':
        return 'hiFidelity';
      case 'maxFidelity':
        return 'hiMaxFidelity';
      default:
        return 'base';
    }
  }
  if (head === 'space') {
    switch (next) {
      case 'experts':
      case 'sources':
        return 'experts';
      case 'groupSize':
      case 'methods':
      case 'weight':
      case 'density':
      case 'lambda':
      case 'scale':
        return next;
      default:
        return 'base';
    }
  }
  if (head === 'optimizer') return next === 'eta' ? 'eta' : 'minFidelity';
  if (head === 'objective') return 'objective';
  if (head === 'budget' || head === 'maxFidelity' || head === 'seed') return head;
  return 'budget';
}

function zodIssues(error: z.ZodError, mode: SearchForm['mode'], add: (field: SearchFormField, message: string) => void): void {
  for (const issue of error.issues) add(fieldOfPath(issue.path, mode), issue.message);
}

function hasIssues(issues: FieldIssues): boolean {
  return Object.values(issues).some((list) => list.length > 0);
}

export type FormResult<T> = { ok: true; config: T } | { ok: false; issues: FieldIssues };

function objectiveOf(form: SearchForm, skills: readonly string[], add: (message: string) => void): Objective {
  switch (form.objective) {
    case 'mean':
      return { kind: 'weighted', weights: Object.fromEntries(skills.map((s) => [s, 1])) };
    case 'skill':
      if (!skills.includes(form.skill)) add('choose one of the chosen experts’ skills');
      return { kind: 'skill', skill: form.skill };
    case 'pareto': {
      const [a, b] = form.paretoSkills;
      if (!skills.includes(a) || !skills.includes(b)) add('choose two of the chosen experts’ skills');
      else if (a === b) add('choose two different skills');
      return { kind: 'pareto', skills: [a, b] };
    }
  }
}

export function searchConfigFromForm(form: SearchForm, context: SearchFormContext): FormResult<SearchConfig> {
  const { issues, add } = issuesCollector();
  const at = (field: SearchFormField) => (message: string) => add(field, message);
  const skills = chosenSkills(form, context);
  if (form.experts.length < 2 && !(form.space === 'depthwise' && form.baseAsSource && form.experts.length === 1)) add('experts', 'choose at least two experts');
  if (context.layerCount === null) add('base', 'the base model’s config is still loading');
  const layerCount = context.layerCount ?? 1;
  const space: SearchConfigInput['space'] =
    form.space === 'layerwise'
      ? {
          kind: 'layerwise',
          base: form.base,
          experts: form.experts,
          layerCount,
          groupSize: checkNumber(at('groupSize'), form.groupSize, { integer: true }),
          tensorGroups: form.tensorGroups,
          methods: form.methods,
          weight: knobValue(form.weight, at('weight')),
          density: knobValue(form.density, at('density')),
          lambda: knobValue(form.lambda, at('lambda')),
        }
      : {
          kind: 'depthwise',
          sources: form.baseAsSource ? [form.base, ...form.experts] : form.experts,
          layerCount,
          selection: form.selection,
          scale: knobValue(form.scale, at('scale')),
        };
  if (form.space === 'layerwise' && form.methods.length === 0) add('methods', 'choose at least one method');
  const objective = objectiveOf(form, skills, at('objective'));
  const maxFidelity = checkNumber(at('maxFidelity'), form.maxFidelity, { integer: true });
  const optimizer: SearchConfigInput['optimizer'] =
    form.optimizer === 'hyperband'
      ? { kind: 'hyperband', eta: checkNumber(at('eta'), form.eta, { integer: true }), minFidelity: checkNumber(at('minFidelity'), form.minFidelity, { integer: true }) }
      : { kind: form.optimizer };
  const input: SearchConfigInput = {
    space,
    objective,
    optimizer,
    budget: checkNumber(at('budget'), form.budget, { integer: true }),
    maxFidelity,
    seed: checkNumber(at('seed'), form.seed, { integer: true }),
  };
  const available = Math.min(...skills.map((s) => context.devItems[s] ?? 0));
  if (skills.length > 0 && Number.isFinite(maxFidelity) && maxFidelity > available) add('maxFidelity', `the dev split has ${available} examples per skill`);
  if (hasIssues(issues)) return { ok: false, issues };
  const parsed = searchConfigSchema.safeParse(input);
  if (!parsed.success) {
    zodIssues(parsed.error, 'search', add);
    return { ok: false, issues };
  }
  const cost = estimateSearchCost(parsed.data);
  if (cost.evaluations === 0) add('budget', `too small for one evaluation (${parsed.data.maxFidelity * Math.max(1, skills.length)} examples at full fidelity)`);
  else if (cost.fullFidelity === 0) add('budget', 'too small for any trial at full fidelity: no candidate could be reported');
  return hasIssues(issues) ? { ok: false, issues } : { ok: true, config: parsed.data };
}

function listOf(text: string, add: (message: string) => void): number[] {
  const parts = text.split(/[,\s]+/).filter((p) => p !== '');
  const values = parts.map(Number);
  if (parts.length === 0 || values.some((v) => !Number.isFinite(v))) add('enter numbers separated by commas');
  return values;
}

export function hiMergingConfigFromForm(form: SearchForm, context: SearchFormContext): FormResult<HiMergingConfig> {
  const { issues, add } = issuesCollector();
  const at = (field: SearchFormField) => (message: string) => add(field, message);
  if (form.experts.length < 2) add('experts', 'choose at least two experts');
  if (context.layerCount === null) add('base', 'the base model’s config is still loading');
  const maxFidelity = checkNumber(at('hiMaxFidelity'), form.hiMaxFidelity, { integer: true });
  const fidelity = checkNumber(at('hiFidelity'), form.hiFidelity, { integer: true });
  const input = {
    base: form.base,
    experts: form.experts.map((model) => ({ model, skill: context.skillOf[model] ?? '' })),
    layerCount: context.layerCount ?? 1,
    densities: listOf(form.densities, at('densities')),
    weights: listOf(form.weights, at('weights')),
    reductions: listOf(form.reductions, at('reductions')),
    fidelity,
    maxFidelity,
    maxSteps: checkNumber(at('maxSteps'), form.maxSteps, { integer: true }),
  };
  const skills = chosenSkills(form, context);
  const available = Math.min(...skills.map((s) => context.devItems[s] ?? 0));
  if (skills.length > 0) {
    if (Number.isFinite(maxFidelity) && maxFidelity > available) add('hiMaxFidelity', `the dev split has ${available} examples per skill`);
    if (Number.isFinite(fidelity) && fidelity > available) add('hiFidelity', `the dev split has ${available} examples per skill`);
  }
  if (hasIssues(issues)) return { ok: false, issues };
  const parsed = hiMergingConfigSchema.safeParse(input);
  if (!parsed.success) {
    zodIssues(parsed.error, 'hi-merging', add);
    return { ok: false, issues };
  }
  return { ok: true, config: parsed.data };
}
