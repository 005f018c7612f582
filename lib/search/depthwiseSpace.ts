/**
 * The depth-wise integration space (layer stacking): slot i of the merged model is filled
 * by layer i of one source or of several, in an order, each scaled on its way into the
 * residual stream. A point decodes to a mergekit `passthrough` stage with one single-layer
 * slice per included layer; the output scale is mergekit's passthrough `scale`, applied
 * through filters to the two projections that write into the residual stream (`o_proj`,
 * `down_proj`), so a scale of s makes the block add s·f(x) instead of f(x).
 */
import { z } from 'zod';
import type { Recipe, RecipeSlice } from '@/lib/recipe/schema';
import { fixedValue, knobSchema, pushKnob } from './knobs';
import { PointReader, type Dimension, type SearchSpace } from './space';

export const depthwiseSpaceSchema = z
  .object({
    kind: z.literal('depthwise'),
    sources: z.array(z.string().min(1)).min(1).max(16),
    layerCount: z.number().int().min(1).max(1024),
    /** Slots of the merged model (default: layerCount); slot i draws from layer i of the sources. */
    slots: z.number().int().min(1).optional(),
    /** 'one': each slot takes exactly one source's layer; 'subset': any subset, stacked. */
    selection: z.enum(['one', 'subset']).default('one'),
    /** With 'subset': whether the order of the stacked layers in a slot is searched. */
    order: z.boolean().default(false),
    scale: knobSchema.default(1),
  })
  .superRefine((c, ctx) => {
    if ((c.slots ?? c.layerCount) > c.layerCount) ctx.addIssue({ code: 'custom', path: ['slots'], message: `slot i uses layer i of the sources, so at most ${c.layerCount} slots` });
    if (typeof c.scale !== 'number' && (c.scale.low < 0 || c.scale.high > 2)) ctx.addIssue({ code: 'custom', path: ['scale'], message: 'the output scale lies in [0, 2]' });
    if (new Set(c.sources).size !== c.sources.length) ctx.addIssue({ code: 'custom', path: ['sources'], message: 'sources must be distinct' });
  });
export type DepthwiseSpaceConfig = z.infer<typeof depthwiseSpaceSchema>;

const STACKED_STAGE = 'stacked';

export function depthwiseSpace(config: DepthwiseSpaceConfig): SearchSpace {
  const slots = config.slots ?? config.layerCount;
  const dimensions: Dimension[] = [];
  for (let i = 0; i < slots; i++) {
    if (config.selection === 'one') {
      if (config.sources.length > 1) dimensions.push({ kind: 'choice', name: `slot ${i} source`, choices: config.sources });
    } else {
      for (const s of config.sources) dimensions.push({ kind: 'choice', name: `slot ${i} include ${s}`, choices: ['no', 'yes'] });
      if (config.order && config.sources.length > 1) for (const s of config.sources) dimensions.push({ kind: 'real', name: `slot ${i} order ${s}`, low: 0, high: 1 });
    }
    pushKnob(dimensions, `slot ${i} scale`, config.scale);
  }

  return {
    dimensions,
    decode(unit) {
      const point = new PointReader(dimensions, unit);
      const slices: RecipeSlice[] = [];
      for (let i = 0; i < slots; i++) {
        const scale = point.has(`slot ${i} scale`) ? point.real(`slot ${i} scale`) : fixedValue(config.scale);
        let chosen: string[];
        if (config.selection === 'one') chosen = [config.sources.length > 1 ? point.choice(`slot ${i} source`) : config.sources[0]!];
        else {
          chosen = config.sources.filter((s) => point.choice(`slot ${i} include ${s}`) === 'yes');
          if (point.has(`slot ${i} order ${config.sources[0]!}`)) {
            const rank = (s: string) => point.real(`slot ${i} order ${s}`);
            chosen = [...chosen].sort((a, b) => rank(a) - rank(b) || config.sources.indexOf(a) - config.sources.indexOf(b));
          }
        }
        for (const model of chosen) slices.push({ sources: [{ model, layer_range: [i, i + 1], ...scaleParameters(scale) }] });
      }
      // A model needs at least one layer: an empty stack keeps the first source's first layer.
      if (slices.length === 0) slices.push({ sources: [{ model: config.sources[0]!, layer_range: [0, 1] }] });
      return { version: 1, stages: [{ name: STACKED_STAGE, merge_method: 'passthrough', slices }], output: STACKED_STAGE } satisfies Recipe;
    },
  };
}

function scaleParameters(scale: number): { parameters?: RecipeSlice['sources'][number]['parameters'] } {
  const s = Math.round(scale * 1e4) / 1e4;
  if (s === 1) return {};
  return { parameters: { scale: [{ filter: 'o_proj', value: s }, { filter: 'down_proj', value: s }, { value: 1 }] } };
}
