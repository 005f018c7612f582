import { z } from 'zod';

/** `public/models/index.json`, written by tools/zoo/build.py. */
export const zooIndexSchema = z.object({
  family: z.string(),
  models: z.array(
    z.object({
      id: z.string().regex(/^[A-Za-z0-9._-]+$/),
      role: z.enum(['base', 'expert']),
      skill: z.string().nullable(),
      base: z.string().nullable(),
      fine_tune_steps: z.number().nullable().optional(),
      scores: z.record(z.string(), z.number()),
    }),
  ),
});
export type ZooIndex = z.infer<typeof zooIndexSchema>;
export type ZooIndexEntry = ZooIndex['models'][number];

/** URLs of a zoo model's files, relative to the site root (or a file root in Node). */
export function modelFileUrl(modelId: string, file: 'config.json' | 'model.safetensors' | 'tokenizer.json' | 'tokenizer_config.json' | 'README.md' | 'reference_logits.json'): string {
  return `/models/${encodeURIComponent(modelId)}/${file}`;
}

export const ZOO_INDEX_URL = '/models/index.json';
export const EVAL_INDEX_URL = '/evals/index.json';
