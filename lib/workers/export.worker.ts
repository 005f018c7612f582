/// <reference lib="webworker" />
// The export worker: merges a recipe and zips the result, off the UI thread and apart from the
// engine worker, so the preview and scores keep running while a model is exported.
import * as Comlink from 'comlink';
import { mergedModelZip } from '@/lib/export/mergedModelZip';
import { fetchZooFiles } from '@/lib/zoo/zooFiles';
import type { ExportApi } from './exportApi';

/** A chunk as a Blob part (Blob parts must be backed by a plain ArrayBuffer). */
function blobPart(chunk: Uint8Array): Uint8Array<ArrayBuffer> {
  return chunk.buffer instanceof ArrayBuffer ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) : chunk.slice();
}

const api: ExportApi = {
  async exportModel(recipe, onProgress) {
    const { name, chunks, files } = await mergedModelZip(recipe, fetchZooFiles, onProgress);
    return { fileName: `${name}.zip`, zip: new Blob(chunks.map(blobPart), { type: 'application/zip' }), files };
  },
};

Comlink.expose(api);
