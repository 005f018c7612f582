import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { FolderSink } from './mergedModelFolder';

export interface ZipFolder {
  /** Files opened here land in the zip under `<folder>/`, in the order they are written. */
  sink: FolderSink;
  /** Ends the zip: its bytes, in chunks. */
  finish(): Promise<Uint8Array[]>;
}

/**
 * A folder written into a zip as its files are produced, so the zip is built while the merge
 * runs. Text files are deflated; weights are stored as they are (float bytes barely deflate,
 * and storing them costs no time).
 */
export function zipFolder(folder: string): ZipFolder {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  let ended = false;
  const zip = new Zip((error, chunk, final) => {
    if (error) failure = error;
    else chunks.push(chunk);
    if (final) ended = true;
  });
  const check = () => {
    if (failure) throw failure;
  };
  return {
    sink: {
      open(name, kind) {
        check();
        const path = `${folder}/${name}`;
        const file = kind === 'weights' ? new ZipPassThrough(path) : new ZipDeflate(path, { level: 6 });
        zip.add(file);
        return {
          write: (chunk) => {
            file.push(chunk);
            check();
          },
          close: () => {
            file.push(new Uint8Array(0), true);
            check();
          },
        };
      },
    },
    async finish() {
      zip.end();
      check();
      // The synchronous Zip has written everything by now.
      if (!ended) throw new Error('the zip did not end: a file was opened and never closed');
      return chunks;
    },
  };
}
