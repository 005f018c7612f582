/**
 * The search checkpoint in IndexedDB, through `idb`: a database of its own (the history's
 * keeps its version), one object store, one record under a fixed key. The search worker
 * writes it after every trial; the page reads it on load to offer "Resume search".
 * Browser (window or worker) only.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { memorySearchCheckpointStore, parseSearchCheckpoint, type SearchCheckpoint, type SearchCheckpointStore } from './searchCheckpoint';

const DB_NAME = 'merge-studio-search';
const DB_VERSION = 1;
const CURRENT_KEY = 'current';

interface SearchDb extends DBSchema {
  // Stored as written; `parseSearchCheckpoint` checks it on the way out.
  checkpoints: { key: string; value: SearchCheckpoint };
}

function idbSearchCheckpointStore(): SearchCheckpointStore {
  let db: Promise<IDBPDatabase<SearchDb>> | null = null;
  const open = () =>
    (db ??= openDB<SearchDb>(DB_NAME, DB_VERSION, {
      upgrade(database) {
        database.createObjectStore('checkpoints');
      },
      // Another tab upgrading the database: let it, and reopen on the next call.
      blocking() {
        void db?.then((d) => d.close());
        db = null;
      },
    }));

  return {
    load: async () => {
      const stored: unknown = await (await open()).get('checkpoints', CURRENT_KEY);
      return stored === undefined ? null : parseSearchCheckpoint(stored);
    },
    save: async (checkpoint) => {
      await (await open()).put('checkpoints', checkpoint, CURRENT_KEY);
    },
    clear: async () => {
      await (await open()).delete('checkpoints', CURRENT_KEY);
    },
  };
}

/** IndexedDB where the context has it, memory otherwise (the checkpoint then lasts as long as the page). */
export function searchCheckpointStore(): SearchCheckpointStore {
  return typeof indexedDB === 'undefined' ? memorySearchCheckpointStore() : idbSearchCheckpointStore();
}
