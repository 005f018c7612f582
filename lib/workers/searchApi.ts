import type { HiMergingConfig } from '@/lib/search/hiMerging';
import type { SearchCheckpoint } from '@/lib/search/searchCheckpoint';
import type { SearchConfig } from '@/lib/search/searchConfig';
import type { RunEvent, RunOutcome } from '@/lib/search/searchWorkerRunner';

/**
 * The search worker's surface, called through comlink (callbacks wrapped in
 * `Comlink.proxy`). One search runs at a time; its checkpoint is written to IndexedDB after
 * every step, so a reload can `resume` it. A cancelled run resolves with what it had.
 */
export interface SearchWorkerApi {
  startSearch(config: SearchConfig, onEvent: (event: RunEvent) => void): Promise<RunOutcome>;
  startHiMerging(config: HiMergingConfig, onEvent: (event: RunEvent) => void): Promise<RunOutcome>;
  resume(checkpoint: SearchCheckpoint, onEvent: (event: RunEvent) => void): Promise<RunOutcome>;
  cancel(): Promise<void>;
}
