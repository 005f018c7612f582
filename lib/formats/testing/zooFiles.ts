/**
 * Test-only access to the bundled zoo. The trainer may be rewriting a file while a test reads it
 * (it writes in place), so a read that does not parse is retried for a while before failing.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export function zooModelPath(model: string, file: string): string {
  return fileURLToPath(new URL(`../../../public/models/${model}/${file}`, import.meta.url));
}

export async function readZooFile<T>(model: string, file: string, parse: (bytes: Uint8Array) => T | Promise<T>): Promise<T> {
  const path = zooModelPath(model, file);
  const attempts = 40;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await parse(new Uint8Array(await readFile(path)));
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw lastError;
}

export function readZooJson(model: string, file: string): Promise<unknown> {
  return readZooFile(model, file, (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as unknown);
}
