/**
 * The canvas as the autosave keeps it: every node with its data (merge nodes that cannot
 * run yet included, which a recipe would leave out), the wiring, and which merge is
 * previewed and selected. Validated on the way back in: a damaged or foreign record is
 * ignored rather than put on the canvas.
 */
import { z } from 'zod';
import type { CanvasState } from '@/lib/store/canvasTypes';
import type { MergeNode, StudioEdge, StudioNode } from '@/lib/store/canvasTypes';

export const AUTOSAVE_VERSION = 1;

const scalar = z.union([z.number().finite(), z.boolean()]);
const gradient = z.array(z.number().finite());
const paramValue = z.union([scalar, gradient, z.array(z.object({ filter: z.string().optional(), value: z.union([scalar, gradient]) }))]);
const paramMap = z.record(z.string(), paramValue);

const position = z.object({ x: z.number().finite(), y: z.number().finite() });

const modelNode = z.object({
  id: z.string().min(1),
  type: z.literal('model'),
  position,
  data: z.object({ modelId: z.string().min(1) }),
});

const mergeNode = z.object({
  id: z.string().min(1),
  type: z.literal('merge'),
  position,
  data: z.object({
    stage: z.string().min(1),
    method: z.string().min(1),
    baseModel: z.string().nullable(),
    params: paramMap,
    modelParams: z.record(z.string(), paramMap),
    slices: z
      .array(
        z.object({
          sources: z.array(z.object({ model: z.string(), layer_range: z.tuple([z.number().int(), z.number().int()]), parameters: paramMap.optional() })),
          parameters: paramMap.optional(),
        }),
      )
      .optional(),
  }),
});

export const autosaveSchema = z.object({
  version: z.literal(AUTOSAVE_VERSION),
  savedAt: z.number(),
  canvas: z.object({
    nodes: z.array(z.discriminatedUnion('type', [modelNode, mergeNode])),
    edges: z.array(z.object({ id: z.string(), source: z.string(), target: z.string() })),
    activeNodeId: z.string().nullable(),
    selectedNodeId: z.string().nullable(),
  }),
});

export type AutosaveRecord = z.infer<typeof autosaveSchema>;

/** What is worth keeping of a canvas: React Flow's transient fields (measured size, dragging, selection flags) are not. */
export function toAutosave(state: CanvasState, savedAt: number): AutosaveRecord {
  return {
    version: AUTOSAVE_VERSION,
    savedAt,
    canvas: {
      nodes: state.nodes.map((n) =>
        n.type === 'merge'
          ? { id: n.id, type: 'merge' as const, position: { x: n.position.x, y: n.position.y }, data: (n as MergeNode).data }
          : { id: n.id, type: 'model' as const, position: { x: n.position.x, y: n.position.y }, data: { modelId: n.data.modelId } },
      ) as AutosaveRecord['canvas']['nodes'],
      edges: state.edges.map((e) => ({ id: e.id, source: e.source, target: e.target })),
      activeNodeId: state.activeNodeId,
      selectedNodeId: state.selectedNodeId,
    },
  };
}

/** The part of an autosave that decides whether a write is needed (the time is not). */
export function autosaveFingerprint(record: AutosaveRecord): string {
  return JSON.stringify(record.canvas);
}

/**
 * The canvas an autosave holds, or null when there is none or it does not validate. Edges
 * to missing nodes are dropped; an active or selected id that no longer exists is cleared.
 */
export function canvasFromAutosave(value: unknown): CanvasState | null {
  const parsed = autosaveSchema.safeParse(value);
  if (!parsed.success) return null;
  const { canvas } = parsed.data;
  const nodes = canvas.nodes as StudioNode[];
  const ids = new Set(nodes.map((n) => n.id));
  if (ids.size !== nodes.length) return null;
  const edges: StudioEdge[] = canvas.edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
  const isMerge = (id: string | null) => id !== null && nodes.some((n) => n.id === id && n.type === 'merge');
  const activeNodeId = isMerge(canvas.activeNodeId) ? canvas.activeNodeId : (nodes.find((n) => n.type === 'merge')?.id ?? null);
  const selectedNodeId = canvas.selectedNodeId !== null && ids.has(canvas.selectedNodeId) ? canvas.selectedNodeId : null;
  return {
    nodes: nodes.map((n) => ({ ...n, selected: n.id === selectedNodeId })),
    edges,
    activeNodeId,
    selectedNodeId,
  };
}
