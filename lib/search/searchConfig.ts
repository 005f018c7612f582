/** A search as a user configures it: space, objective, optimiser, budget, seed. Plain JSON, zod-checked. */
import { z } from 'zod';
import { depthwiseSpace, depthwiseSpaceSchema } from './depthwiseSpace';
import { layerwiseSpace, layerwiseSpaceSchema } from './layerwiseSpace';
import { objectiveSchema } from './objective';
import type { SearchSpace } from './space';

const optimizerConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random') }),
  z.object({ kind: z.literal('cmaes'), sigma0: z.number().positive().max(1).default(0.3) }),
  z.object({
    kind: z.literal('hyperband'),
    eta: z.number().int().min(2).default(3),
    /** Dev examples per skill at the lowest rung. */
    minFidelity: z.number().int().min(1),
    sampler: z.enum(['tpe', 'random']).default('tpe'),
  }),
]);
export type OptimizerConfig = z.infer<typeof optimizerConfigSchema>;

export const searchConfigSchema = z
  .object({
    name: z.string().max(200).optional(),
    space: z.discriminatedUnion('kind', [layerwiseSpaceSchema, depthwiseSpaceSchema]),
    objective: objectiveSchema,
    optimizer: optimizerConfigSchema,
    /** Examples evaluated in all (dev items × skills scored), the search's cost. */
    budget: z.number().int().positive(),
    /** Dev examples per skill at full fidelity. */
    maxFidelity: z.number().int().positive(),
    seed: z.number().int().min(0).default(0),
  })
  .superRefine((c, ctx) => {
    if (c.optimizer.kind === 'hyperband' && c.optimizer.minFidelity > c.maxFidelity) {
      ctx.addIssue({ code: 'custom', path: ['optimizer', 'minFidelity'], message: 'the lowest rung cannot use more examples than full fidelity' });
    }
  });
export type SearchConfig = z.infer<typeof searchConfigSchema>;
export type SearchConfigInput = z.input<typeof searchConfigSchema>;

export function parseSearchConfig(json: unknown): SearchConfig {
  const parsed = searchConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`invalid search config:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

export function searchSpaceOf(config: SearchConfig): SearchSpace {
  return config.space.kind === 'layerwise' ? layerwiseSpace(config.space) : depthwiseSpace(config.space);
}
