/**
 * The layer-wise fusion space: layers in groups of a chosen size, optionally split into
 * tensor groups (attention, MLP, other); each cell chooses a method among the allowed
 * ones and that method's parameters (a weight per expert, density, lambda, slerp's t).
 *
 * A point decodes to plain mergekit stages: one stage per method in use, each with its
 * per-layer values as gradient lists (one anchor per layer, so layer l gets exactly its
 * cell's value) inside `self_attn` / `mlp` filter lists; when cells use different
 * methods, a final `linear` stage picks every tensor from its cell's stage with one-hot
 * weights. Tensors outside the layers (embeddings, final norm, head) follow group 0's
 * "other" cell, as mergekit evaluates them at t = 0.
 */
import { z } from 'zod';
import type { ParamValue, Recipe, RecipeStage } from '@/lib/recipe/schema';
import { fixedValue, knobSchema, pushKnob, type Knob } from './knobs';
import { PointReader, type Dimension, type SearchSpace } from './space';

export const FUSION_METHODS = ['linear', 'task_arithmetic', 'ties', 'dare_ties', 'slerp', 'iso_c'] as const;
export type FusionMethod = (typeof FUSION_METHODS)[number];

export const layerwiseSpaceSchema = z
  .object({
    kind: z.literal('layerwise'),
    base: z.string().min(1),
    experts: z.array(z.string().min(1)).min(2).max(16),
    layerCount: z.number().int().min(1).max(1024),
    groupSize: z.number().int().min(1),
    tensorGroups: z.boolean().default(false),
    methods: z.array(z.enum(FUSION_METHODS)).min(1),
    weight: knobSchema.default({ low: 0, high: 1.5 }),
    density: knobSchema.default({ low: 0.1, high: 1 }),
    lambda: knobSchema.default(1),
    t: knobSchema.default({ low: 0, high: 1 }),
    randomSeed: z.number().int().min(0).default(0),
  })
  .superRefine((c, ctx) => {
    if (c.methods.includes('slerp') && c.experts.length !== 2) ctx.addIssue({ code: 'custom', path: ['methods'], message: 'slerp merges exactly two models; choose two experts or drop slerp' });
    if (new Set(c.experts).size !== c.experts.length) ctx.addIssue({ code: 'custom', path: ['experts'], message: 'experts must be distinct' });
  });
export type LayerwiseSpaceConfig = z.infer<typeof layerwiseSpaceSchema>;

type Lane = 'attention' | 'mlp' | 'other' | 'all';
const LANE_FILTER: Record<Exclude<Lane, 'all'>, string | undefined> = { attention: 'self_attn', mlp: 'mlp', other: undefined };

interface Cell {
  method: FusionMethod;
  weights: number[];
  density: number;
  lambda: number;
  t: number;
}

const FUSED_STAGE = 'fused';

export function layerwiseSpace(config: LayerwiseSpaceConfig): SearchSpace {
  const groups = Math.ceil(config.layerCount / config.groupSize);
  const lanes: Lane[] = config.tensorGroups ? ['attention', 'mlp', 'other'] : ['all'];
  const usesDensity = config.methods.some((m) => m === 'ties' || m === 'dare_ties');
  const usesLambda = config.methods.some((m) => m !== 'linear' && m !== 'slerp');
  const usesWeights = config.methods.some((m) => m !== 'slerp');
  const dimensions: Dimension[] = [];
  const cellName = (g: number, lane: Lane) => `layers ${g * config.groupSize}-${Math.min(config.layerCount, (g + 1) * config.groupSize) - 1} ${lane}`;
  for (let g = 0; g < groups; g++) {
    for (const lane of lanes) {
      const name = cellName(g, lane);
      if (config.methods.length > 1) dimensions.push({ kind: 'choice', name: `${name} method`, choices: config.methods });
      if (usesWeights) config.experts.forEach((e) => pushKnob(dimensions, `${name} weight ${e}`, config.weight));
      if (usesDensity) pushKnob(dimensions, `${name} density`, config.density);
      if (usesLambda) pushKnob(dimensions, `${name} lambda`, config.lambda);
      if (config.methods.includes('slerp')) pushKnob(dimensions, `${name} t`, config.t);
    }
  }

  const knob = (point: PointReader, name: string, k: Knob) => (point.has(name) ? point.real(name) : fixedValue(k));

  function readCells(unit: readonly number[]): Map<Lane, Cell[]> {
    const point = new PointReader(dimensions, unit);
    const cells = new Map<Lane, Cell[]>();
    for (const lane of lanes) {
      const perLayer: Cell[] = [];
      for (let g = 0; g < groups; g++) {
        const name = cellName(g, lane);
        const cell: Cell = {
          method: config.methods.length > 1 ? (point.choice(`${name} method`) as FusionMethod) : config.methods[0]!,
          weights: config.experts.map((e) => knob(point, `${name} weight ${e}`, config.weight)),
          density: knob(point, `${name} density`, config.density),
          lambda: knob(point, `${name} lambda`, config.lambda),
          t: knob(point, `${name} t`, config.t),
        };
        for (let l = g * config.groupSize; l < Math.min(config.layerCount, (g + 1) * config.groupSize); l++) perLayer.push(cell);
      }
      cells.set(lane, perLayer);
    }
    return cells;
  }

  /** A parameter as mergekit reads it: per-layer gradient lists, in tensor-group filters when split. */
  function laneValue(cells: Map<Lane, Cell[]>, read: (cell: Cell) => number): ParamValue {
    const gradient = (lane: Lane) => compactGradient(cells.get(lane)!.map(read));
    if (!config.tensorGroups) return gradient('all');
    const entries = (['attention', 'mlp', 'other'] as const).map((lane) => {
      const filter = LANE_FILTER[lane];
      return filter === undefined ? { value: gradient(lane) } : { filter, value: gradient(lane) };
    });
    return entries.every((e) => JSON.stringify(e.value) === JSON.stringify(entries[0]!.value)) ? entries[0]!.value : entries;
  }

  function methodStage(method: FusionMethod, name: string, cells: Map<Lane, Cell[]>): RecipeStage {
    const weightOf = (i: number) => laneValue(cells, (c) => c.weights[i]!);
    const lambda = laneValue(cells, (c) => c.lambda);
    switch (method) {
      case 'linear':
        return { name, merge_method: 'linear', models: config.experts.map((model, i) => ({ model, parameters: { weight: weightOf(i) } })) };
      case 'task_arithmetic':
        return { name, merge_method: 'task_arithmetic', base_model: config.base, models: config.experts.map((model, i) => ({ model, parameters: { weight: weightOf(i) } })), parameters: { lambda } };
      case 'ties':
      case 'dare_ties': {
        const density = laneValue(cells, (c) => c.density);
        return {
          name,
          merge_method: method,
          base_model: config.base,
          models: config.experts.map((model, i) => ({ model, parameters: { weight: weightOf(i), density } })),
          parameters: { lambda },
          ...(method === 'dare_ties' ? { random_seed: config.randomSeed } : {}),
        };
      }
      case 'slerp':
        return { name, merge_method: 'slerp', base_model: config.experts[0]!, models: config.experts.map((model) => ({ model })), parameters: { t: laneValue(cells, (c) => c.t) } };
      case 'iso_c':
        return { name, merge_method: 'iso_c', base_model: config.base, models: config.experts.map((model) => ({ model })), parameters: { alpha: lambda } };
    }
  }

  return {
    dimensions,
    decode(unit) {
      const cells = readCells(unit);
      const used = config.methods.filter((m) => [...cells.values()].some((list) => list.some((c) => c.method === m)));
      if (used.length === 1) return { version: 1, stages: [methodStage(used[0]!, FUSED_STAGE, cells)], output: FUSED_STAGE };
      const stages = used.map((m) => methodStage(m, `fuse_${m}`, cells));
      const pick: RecipeStage = {
        name: FUSED_STAGE,
        merge_method: 'linear',
        models: used.map((m) => ({ model: `fuse_${m}`, parameters: { weight: laneValue(cells, (c) => (c.method === m ? 1 : 0)) } })),
      };
      const recipe: Recipe = { version: 1, stages: [...stages, pick], output: FUSED_STAGE };
      return recipe;
    },
  };
}

/** One anchor per layer, or a scalar when every layer has the same value (rounded to 4 decimals). */
function compactGradient(values: readonly number[]): number | number[] {
  const rounded = values.map((v) => Math.round(v * 1e4) / 1e4);
  return rounded.every((v) => v === rounded[0]) ? rounded[0]! : rounded;
}
