/**
 * How much memory a planned merge needs, from the plan alone (shapes from headers). The executor
 * streams: per output tensor it holds that tensor's inputs, its output and the method's scratch;
 * across tensors it holds the outputs of earlier stages that later stages still read, and the
 * merged model itself when the caller keeps it (the studio's tab does; the CLI streams it to disk).
 */
import type { MergePlan } from '@/lib/merge/planner';
import { elementCount } from '@/lib/tensors/tensor';

const FP32 = 4;

export interface MemoryEstimate {
  readonly peakBytes: number;
  /** fp32 bytes of the merged model. */
  readonly outputBytes: number;
  /** fp32 bytes of earlier stages' outputs held at the peak. */
  readonly intermediateBytes: number;
  /** The largest tensor's inputs, output and scratch (one task vector per input). */
  readonly workingBytes: number;
  readonly largestTensor: string | null;
}

export interface MemoryOptions {
  /** The merged model is kept in memory (default true: the studio's tab keeps it to preview). */
  readonly keepOutput?: boolean;
}

export function estimateMergeMemory(plan: MergePlan, options: MemoryOptions = {}): MemoryEstimate {
  const keepOutput = options.keepOutput ?? true;
  const stages = new Map(plan.stages.map((s) => [s.name, s]));
  const run = plan.run.map((name) => stages.get(name)).filter((s) => s !== undefined);
  const sizeOf = (name: string) =>
    (stages.get(name)?.tensors ?? []).reduce((n, t) => n + (t.shape ? elementCount(t.shape) : 0), 0) * FP32;
  const lastUse = new Map<string, number>();
  run.forEach((stage, i) => stage.inputs.forEach((input) => lastUse.set(input, i)));

  const live = new Map<string, number>();
  let peak = { peakBytes: 0, intermediateBytes: 0, workingBytes: 0, largestTensor: null as string | null };
  run.forEach((stage, i) => {
    let working = 0;
    let largest: string | null = null;
    for (const t of stage.tensors) {
      if (!t.shape) continue;
      const bytes = elementCount(t.shape) * FP32 * (2 * t.sources.length + 1);
      if (bytes > working) {
        working = bytes;
        largest = t.name;
      }
    }
    const isOutput = stage.name === plan.output;
    const own = isOutput ? (keepOutput ? sizeOf(stage.name) : 0) : sizeOf(stage.name);
    const held = [...live.values()].reduce((n, b) => n + b, 0);
    const total = held + own + working;
    if (total > peak.peakBytes) peak = { peakBytes: total, intermediateBytes: held, workingBytes: working, largestTensor: largest };
    if (!isOutput) live.set(stage.name, sizeOf(stage.name));
    for (const [name] of live) if ((lastUse.get(name) ?? -1) <= i) live.delete(name);
  });
  return { ...peak, outputBytes: sizeOf(plan.output) };
}
