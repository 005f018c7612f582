/**
 * The history in IndexedDB, through `idb`: one object store of experiments keyed by id
 * (an index on the time), and one holding the autosaved canvas. Browser only.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { AutosaveRecord } from './autosave';
import type { ExperimentRecord } from './experiment';
import type { HistoryBackend } from './historyBackend';

const DB_NAME = 'merge-studio-history';
const DB_VERSION = 1;
const CANVAS_KEY = 'canvas';

interface HistoryDb extends DBSchema {
  experiments: { key: string; value: ExperimentRecord; indexes: { createdAt: number } };
  autosave: { key: string; value: AutosaveRecord };
}

export function idbHistoryBackend(): HistoryBackend {
  let db: Promise<IDBPDatabase<HistoryDb>> | null = null;
  const open = () =>
    (db ??= openDB<HistoryDb>(DB_NAME, DB_VERSION, {
      upgrade(database) {
        const experiments = database.createObjectStore('experiments', { keyPath: 'id' });
        experiments.createIndex('createdAt', 'createdAt');
        database.createObjectStore('autosave');
      },
      // Another tab upgrading the database: let it, and reopen on the next call.
      blocking() {
        void db?.then((d) => d.close());
        db = null;
      },
    }));

  return {
    listExperiments: async () => (await open()).getAll('experiments'),
    addExperiment: async (id, build) => {
      // One readwrite transaction: the check and the write cannot interleave with another tab's.
      const tx = (await open()).transaction('experiments', 'readwrite');
      const existing = await tx.store.get(id);
      if (existing) {
        await tx.done;
        return { record: existing, added: false };
      }
      const record = build(await tx.store.getAll());
      if (record.id !== id) throw new Error(`the record built for ${id} has id ${record.id}`);
      await tx.store.add(record);
      await tx.done;
      return { record, added: true };
    },
    deleteExperiment: async (id) => {
      await (await open()).delete('experiments', id);
    },
    loadCanvas: async () => (await open()).get('autosave', CANVAS_KEY),
    saveCanvas: async (record) => {
      await (await open()).put('autosave', record, CANVAS_KEY);
    },
  };
}
