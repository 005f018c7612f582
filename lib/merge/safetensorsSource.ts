import type { ModelArchitecture } from '@/lib/arch';
import type { SafetensorsReader } from '@/lib/formats/safetensors';
import type { ModelSource } from './executor';

/** A model source over a safetensors file: shapes from its header, tensors read one at a time. */
export function safetensorsModelSource(reader: SafetensorsReader, architecture: ModelArchitecture): ModelSource {
  const names = reader.entries.map((e) => e.name);
  return {
    tensorNames: () => names,
    tensorInfo: (name) => architecture.tensorInfo(name),
    layerCount: architecture.layerCount,
    tensorShape: (name) => reader.entry(name)?.shape,
    readTensor: (name) => reader.readTensor(name),
  };
}
