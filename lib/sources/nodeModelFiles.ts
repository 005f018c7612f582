/** A model folder on disk as `ModelFiles` (Node only: the CLI, benchmarks and tests). */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileByteSource } from '@/lib/formats/fileByteSource';
import type { RandomAccessReader } from './byteReader';
import { missingFile, type FileInfo, type ModelFiles } from './modelFiles';

/** Every file below `root` (hidden ones excepted) with its size, by `/`-separated path, sorted. */
export async function listFolder(root: string, prefix = ''): Promise<FileInfo[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const files: FileInfo[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFolder(root, name)));
    else if (entry.isFile() || entry.isSymbolicLink()) files.push({ name, size: (await stat(path.join(root, name))).size });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** A reader over one file on disk; `close` releases its handle. */
export async function fileReader(filePath: string, label: string): Promise<RandomAccessReader> {
  const source = await fileByteSource(filePath);
  return { label, size: source.size, read: (offset, length) => source.read(offset, length), close: () => source.close() };
}

export async function folderModelFiles(dir: string, label = `${path.basename(path.resolve(dir))} (folder)`): Promise<ModelFiles> {
  const files = await listFolder(dir);
  const result: ModelFiles = {
    label,
    files,
    async open(name) {
      if (!files.some((f) => f.name === name)) throw missingFile(result, name);
      return fileReader(path.join(dir, ...name.split('/')), `${label}: ${name}`);
    },
  };
  return result;
}
