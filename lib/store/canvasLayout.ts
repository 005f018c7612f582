import { z } from 'zod';

/**
 * Where things sit on the canvas and how they are wired. It travels beside the recipe in
 * a share URL, never inside it (a recipe means the same merge wherever its nodes are
 * drawn). It fits the share codec's permissive layout (`nodes` keyed by node id) and adds
 * what the canvas needs to rebuild itself.
 */
export const canvasLayoutSchema = z.object({
  nodes: z.record(
    z.string().min(1).max(100),
    z.object({
      x: z.number().finite(),
      y: z.number().finite(),
      type: z.enum(['model', 'merge']),
      /** zoo model id, for model nodes */
      model: z.string().max(200).optional(),
      /** stage name, for merge nodes */
      stage: z.string().max(200).optional(),
    }),
  ),
  edges: z.array(z.object({ source: z.string().max(100), target: z.string().max(100) })).max(1024),
  /** The merge node whose output the preview and scores follow. */
  active: z.string().max(100).nullable().optional(),
});

export type CanvasLayout = z.infer<typeof canvasLayoutSchema>;
