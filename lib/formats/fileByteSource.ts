/** A ByteSource over a file on disk (Node only: the CLI, benchmarks and tests). */
import { open } from 'node:fs/promises';
import { checkReadRange, type ByteSource } from './safetensors';

export interface FileByteSource extends ByteSource {
  readonly path: string;
  close(): Promise<void>;
}

export async function fileByteSource(path: string): Promise<FileByteSource> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return {
      path,
      size,
      async read(offset, length) {
        checkReadRange(offset, length, size);
        const out = new Uint8Array(length);
        let filled = 0;
        // A single read may return fewer bytes than asked for.
        while (filled < length) {
          const { bytesRead } = await handle.read(out, filled, length - filled, offset + filled);
          if (bytesRead === 0) throw new Error(`${path}: unexpected end of file at byte ${offset + filled} (was it rewritten?)`);
          filled += bytesRead;
        }
        return out;
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
