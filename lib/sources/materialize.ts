/**
 * A source written out as one safetensors file, in memory, each tensor in the dtype its source
 * stores it in (a LoRA adapter's merged tensors in its base's dtype). For runtimes that take a
 * model as one file's bytes; only one tensor at a time is held besides the output.
 */
import { SafetensorsWriter, type SafetensorsTensorSpec } from '@/lib/formats/safetensors';
import type { ReadOptions } from './byteReader';
import type { CheckpointSource } from './checkpointSource';

export async function sourceAsSafetensors(source: CheckpointSource, options?: ReadOptions): Promise<Uint8Array> {
  const specs: SafetensorsTensorSpec[] = source.tensorNames().map((name) => {
    const header = source.description.tensors.get(name);
    if (!header) throw new Error(`${source.description.label} lists ${name} without a header`);
    return { name, shape: header.shape, dtype: header.dtype };
  });
  let out: Uint8Array | null = null;
  let at = 0;
  const writer = new SafetensorsWriter(specs, (chunk) => {
    out ??= new Uint8Array(writer.byteLength);
    out.set(chunk, at);
    at += chunk.length;
  }, { format: 'pt' });
  for (const { name } of specs) await writer.write(name, await source.readTensor(name, options));
  await writer.finish();
  return out ?? new Uint8Array(0);
}
