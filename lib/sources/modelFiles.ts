/**
 * The files of one model, wherever they are: a folder on disk, a folder the user dropped or
 * picked in the browser, a hub repository at a commit, the app's own zoo. Files are opened as
 * random-access readers; nothing is read until a reader is asked for bytes.
 */
import { blobReader, countedReader, type RandomAccessReader, type ReadLedger, type ReadOptions } from './byteReader';
import type { HttpPolicy } from './httpRequest';
import { openHttpReader } from './httpReader';
import { SourceError } from './sourceError';
import type { ProgressCallback } from './transferProgress';

export interface FileInfo {
  /** Path inside the model folder, `/`-separated. */
  readonly name: string;
  /** Known without reading (a hub's file list, a local stat). */
  readonly size?: number;
  /** Git blob sha1 of the content, when known without reading (a hub lists it for small files). */
  readonly gitSha1?: string;
  /** sha256 of the content, when known without reading (a hub lists it for LFS files). */
  readonly sha256?: string;
}

export interface OpenFileOptions extends ReadOptions {
  readonly onProgress?: ProgressCallback;
}

export interface ModelFiles {
  /** How messages name the model: `org/name@1a2b3c4`, `my-model (folder)`, `zoo-base`. */
  readonly label: string;
  readonly files: readonly FileInfo[];
  open(name: string, options?: OpenFileOptions): Promise<RandomAccessReader>;
}

export function hasFile(files: ModelFiles, name: string): boolean {
  return files.files.some((f) => f.name === name);
}

export function fileInfo(files: ModelFiles, name: string): FileInfo | undefined {
  return files.files.find((f) => f.name === name);
}

export function missingFile(files: ModelFiles, name: string): SourceError {
  return new SourceError('not-found', `${files.label} has no file ${name}`);
}

/** Every read through `files` recorded in `ledger`. */
export function countedFiles(files: ModelFiles, ledger: ReadLedger): ModelFiles {
  return {
    label: files.label,
    files: files.files,
    open: async (name, options) => countedReader(await files.open(name, options), ledger),
  };
}

/** A dropped or picked folder (`<input webkitdirectory>`, the File System Access API): Blobs sliced on demand. */
export function blobModelFiles(label: string, entries: Iterable<{ readonly name: string; readonly blob: Blob }>): ModelFiles {
  const byName = new Map<string, Blob>();
  for (const { name, blob } of entries) byName.set(name, blob);
  const result: ModelFiles = {
    label,
    files: [...byName].map(([name, blob]) => ({ name, size: blob.size })),
    async open(name) {
      const blob = byName.get(name);
      if (!blob) throw missingFile(result, name);
      return blobReader(blob, `${label}: ${name}`);
    },
  };
  return result;
}

/**
 * Files a browser folder input gives (`webkitRelativePath` = `folder/sub/file`), keyed by their
 * path below the folder the user picked.
 */
export function filesBelowPickedFolder(files: Iterable<{ readonly webkitRelativePath: string; readonly name: string } & Blob>): { name: string; blob: Blob }[] {
  return [...files].map((file) => {
    const relative = file.webkitRelativePath || file.name;
    const slash = relative.indexOf('/');
    return { name: slash >= 0 ? relative.slice(slash + 1) : relative, blob: file };
  });
}

export interface HttpModelFilesOptions extends HttpPolicy {
  readonly label: string;
  readonly files: readonly FileInfo[];
  /** The URL of a file. */
  readonly url: (name: string) => string;
}

const SMALL_FILE_PROBE_BYTES = 256 * 1024;

/** Files served over HTTP with Range support (a hub repository at a commit, the app's zoo). */
export function httpModelFiles(options: HttpModelFilesOptions): ModelFiles {
  const { label, files, url, ...policy } = options;
  const result: ModelFiles = {
    label,
    files,
    async open(name, openOptions) {
      const info = files.find((f) => f.name === name);
      if (!info) throw missingFile(result, name);
      return openHttpReader(url(name), {
        ...policy,
        ...(openOptions?.signal ? { signal: openOptions.signal } : {}),
        ...(openOptions?.onProgress ? { onProgress: openOptions.onProgress } : {}),
        ...(info.size !== undefined ? { expectedSize: info.size } : {}),
        // A weight file's first read is its 8-byte header length; any other file usually comes whole in one.
        probeBytes: name.endsWith('.safetensors') ? 8 : Math.min(info.size ?? SMALL_FILE_PROBE_BYTES, SMALL_FILE_PROBE_BYTES),
        label: `${label}: ${name}`,
      });
    },
  };
  return result;
}

/** The files a zoo model has (public/models/<id>), served by the app itself. */
export const ZOO_MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'] as const;

/** A zoo model as the app serves it (`{origin}/models/{id}/…`). */
export function zooModelFiles(origin: string, id: string, policy: HttpPolicy = {}): ModelFiles {
  return httpModelFiles({
    ...policy,
    label: id,
    files: ZOO_MODEL_FILES.map((name) => ({ name })),
    url: (name) => `${origin}/models/${encodeURIComponent(id)}/${name}`,
  });
}

/** A safetensors file of a model, open, with its header's bytes (length prefix and JSON) as read. */
export interface OpenShard {
  readonly file: string;
  readonly reader: RandomAccessReader;
  readonly headerBytes: Uint8Array;
}
