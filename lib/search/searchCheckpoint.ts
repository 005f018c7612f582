/**
 * The latest checkpoint of the page's search, kept so a search resumes after a reload: the
 * whole `SearchState` of a space search, or Hi-Merging's memo of evaluations with its config
 * and the steps so far. Stored as plain data (IndexedDB in the browser, see
 * `idbSearchCheckpoints.ts`), and checked with zod when read back, since a stored record
 * may come from an older studio.
 */
import { z } from 'zod';
import { recipeSchema } from '@/lib/recipe/schema';
import { hiMergingConfigSchema, type HiMergingConfig, type HiMergingResult, type HiMergingStep } from './hiMerging';
import type { SearchState } from './searchLoop';
import { searchConfigSchema } from './searchConfig';

/** running: saved while the search ran (a reload interrupted it, or it is still going); stopped: cancelled or failed. */
export type CheckpointStatus = 'running' | 'stopped' | 'finished';
export type HiMergingPhase = 'model-wise' | 'layer-wise' | 'resolution' | 'final';
export type HiMergingMemo = Record<string, Record<string, number>>;

interface CheckpointBase {
  status: CheckpointStatus;
  /** ms since the epoch. */
  savedAt: number;
  /** Why the search stopped, when it failed. */
  error?: string;
}

export interface SpaceSearchCheckpoint extends CheckpointBase {
  kind: 'search';
  state: SearchState;
}

export interface HiMergingCheckpoint extends CheckpointBase {
  kind: 'hi-merging';
  config: HiMergingConfig;
  memo: HiMergingMemo;
  steps: HiMergingStep[];
  spent: number;
  phase: HiMergingPhase;
  result: HiMergingResult | null;
}

export type SearchCheckpoint = SpaceSearchCheckpoint | HiMergingCheckpoint;

export function isResumable(checkpoint: SearchCheckpoint): boolean {
  return checkpoint.status !== 'finished';
}

const counts = z.record(z.string(), z.number());
const statusSchema = z.enum(['running', 'stopped', 'finished']);
const base = { status: statusSchema, savedAt: z.number(), error: z.string().optional() };

const trialSchema = z.object({
  id: z.number().int(),
  point: z.array(z.number()),
  recipe: recipeSchema,
  fidelity: z.number().int(),
  accuracy: counts,
  values: z.array(z.number()),
  cost: z.number(),
  spent: z.number(),
});

const searchStateSchema = z.object({
  version: z.literal(1),
  config: searchConfigSchema,
  optimizer: z.unknown(),
  trials: z.array(trialSchema),
  spent: z.number(),
  scored: z.record(z.string(), z.object({ items: z.number().int(), correct: counts })),
  finished: z.boolean(),
});

const stepSchema = z.object({ label: z.string(), recipe: recipeSchema, accuracy: counts, value: z.number(), accepted: z.boolean(), spent: z.number() });

const hiMergingSettingsSchema = z.object({ density: z.array(z.number()), weights: z.array(z.array(z.number())), outside: z.array(z.number()) });

const hiMergingResultSchema = z.object({
  settings: hiMergingSettingsSchema,
  recipe: recipeSchema,
  analysed: hiMergingSettingsSchema,
  heatmap: z.array(z.object({ layer: z.number().int(), expert: z.string(), alone: z.number(), merged: z.number(), conflict: z.number() })),
  steps: z.array(stepSchema),
  finalAccuracy: counts,
  spent: z.number(),
});

const checkpointSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('search'), ...base, state: searchStateSchema }),
  z.object({
    kind: z.literal('hi-merging'),
    ...base,
    config: hiMergingConfigSchema,
    memo: z.record(z.string(), counts),
    steps: z.array(stepSchema),
    spent: z.number(),
    phase: z.enum(['model-wise', 'layer-wise', 'resolution', 'final']),
    result: hiMergingResultSchema.nullable(),
  }),
]);

/** A stored record as a checkpoint, or an error saying why it is not one. */
export function parseSearchCheckpoint(stored: unknown): SearchCheckpoint {
  const parsed = checkpointSchema.safeParse(stored);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the saved search is not readable (${issue ? `${issue.path.join('.') || 'record'}: ${issue.message}` : 'unknown format'})`);
  }
  return parsed.data;
}

/** Where the checkpoint is kept: IndexedDB in the browser, memory in tests. */
export interface SearchCheckpointStore {
  /** The stored checkpoint, null when there is none; throws when the stored record is unreadable. */
  load(): Promise<SearchCheckpoint | null>;
  save(checkpoint: SearchCheckpoint): Promise<void>;
  clear(): Promise<void>;
}

export function memorySearchCheckpointStore(): SearchCheckpointStore {
  let stored: unknown;
  return {
    load: async () => (stored === undefined ? null : parseSearchCheckpoint(structuredClone(stored))),
    save: async (checkpoint) => {
      stored = structuredClone(checkpoint);
    },
    clear: async () => {
      stored = undefined;
    },
  };
}
