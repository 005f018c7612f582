/**
 * Where experiments and the autosaved canvas are kept. The browser uses IndexedDB
 * (`idbHistoryBackend.ts`); tests and Node use the in-memory backend below. Both keep the
 * same promise: `addExperiment` is atomic, so a recipe is recorded once even when two
 * tabs score it at the same moment.
 */
import type { AutosaveRecord } from './autosave';
import { buildExperiment, sortNewestFirst, type ExperimentDraft, type ExperimentRecord } from './experiment';

export interface HistoryBackend {
  listExperiments(): Promise<ExperimentRecord[]>;
  /**
   * Keeps the record `build` makes from the records already kept, unless one with `id`
   * exists; returns the record kept under `id` and whether it is new.
   */
  addExperiment(id: string, build: (existing: readonly ExperimentRecord[]) => ExperimentRecord): Promise<{ record: ExperimentRecord; added: boolean }>;
  deleteExperiment(id: string): Promise<void>;
  loadCanvas(): Promise<unknown>;
  saveCanvas(record: AutosaveRecord): Promise<void>;
}

/** Records a scored recipe unless it is already in the history. */
export async function recordExperiment(
  backend: HistoryBackend,
  draft: ExperimentDraft,
  options: { now: number; session: string },
): Promise<{ record: ExperimentRecord; added: boolean }> {
  const probe = buildExperiment(draft, [], options.now, options.session);
  return backend.addExperiment(probe.id, (existing) => buildExperiment(draft, existing, options.now, options.session));
}

/** Every experiment kept, newest first. */
export async function listExperiments(backend: HistoryBackend): Promise<ExperimentRecord[]> {
  return sortNewestFirst(await backend.listExperiments());
}

/** A backend in memory: for tests, and where IndexedDB is missing (the history then lasts as long as the page). */
export function memoryHistoryBackend(): HistoryBackend {
  const experiments = new Map<string, ExperimentRecord>();
  let canvas: AutosaveRecord | undefined;
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    listExperiments: async () => [...experiments.values()].map(copy),
    addExperiment: async (id, build) => {
      const existing = experiments.get(id);
      if (existing) return { record: copy(existing), added: false };
      const record = build([...experiments.values()]);
      if (record.id !== id) throw new Error(`the record built for ${id} has id ${record.id}`);
      experiments.set(id, copy(record));
      return { record: copy(record), added: true };
    },
    deleteExperiment: async (id) => {
      experiments.delete(id);
    },
    loadCanvas: async () => (canvas === undefined ? undefined : copy(canvas)),
    saveCanvas: async (record) => {
      canvas = copy(record);
    },
  };
}
