/**
 * Task-vector diagnostics for the charts: how the experts' task vectors τₑ = xₑ − base
 * relate, per decoder layer and tensor group (attention, mlp, embeddings, other).
 *
 * For every cell (layer × group), over all of the cell's tensors flattened together:
 *  - norms[e]:            ‖τₑ‖₂ of each expert;
 *  - cosine[p]:           cos(τᵢ, τⱼ) = ⟨τᵢ, τⱼ⟩ / (‖τᵢ‖·‖τⱼ‖) for each pair p = (i, j), i < j
 *                         (null when either task vector is zero there);
 *  - signConflict[p]:     among entries where both deltas are non-zero, the fraction where
 *                         they have opposite signs (null when no entry has both non-zero);
 *  - anySignConflict:     among entries where at least two experts' deltas are non-zero,
 *                         the fraction where those deltas do not all share one sign (the
 *                         conflicts TIES' sign election resolves); null when no such entry.
 * The same statistics come per tensor, per group over all layers, and for the whole model.
 *
 * Streaming: one tensor at a time, its base and each expert's copy read once (the reads
 * of one tensor are held together, nothing else), sums kept in doubles. Sources are
 * read-only: their arrays are never written. Differences are taken in doubles.
 */
import { TENSOR_GROUPS, type TensorGroup, type TensorInfo } from '@/lib/arch/tensorRole';
import type { ModelSource } from '@/lib/merge/executor';
import { sameShape } from '@/lib/tensors/tensor';

/** What the diagnostics read of a model: a `ModelSource` will do. */
export type DiagnosticsSource = Pick<ModelSource, 'tensorNames' | 'tensorInfo' | 'readTensor' | 'layerCount'>;

export interface DiagnosticsExpert {
  readonly id: string;
  readonly source: DiagnosticsSource;
}

export interface TaskVectorStats {
  /** Number of tensor entries summarized. */
  readonly elements: number;
  /** ‖τₑ‖₂ per expert (index into `experts`). */
  readonly norms: readonly number[];
  /** cos(τᵢ, τⱼ) per pair (index into `pairs`); null when a task vector is zero. */
  readonly cosine: readonly (number | null)[];
  /** Per pair: opposite signs among entries where both deltas are non-zero; null without such entries. */
  readonly signConflict: readonly (number | null)[];
  /** All experts: entries whose non-zero deltas (two or more) disagree in sign, among those with two or more. */
  readonly anySignConflict: number | null;
}

export interface TensorDiagnostics extends TaskVectorStats {
  readonly name: string;
  readonly layer: number | null;
  readonly group: TensorGroup;
}

export interface DiagnosticsRow {
  /** Decoder layer, or null for the tensors outside the layers (embeddings, final norm, head). */
  readonly layer: number | null;
  readonly label: string;
  /** One cell per group of `groups`; null when the row has no tensor of that group. */
  readonly cells: readonly (TaskVectorStats | null)[];
}

export interface TaskVectorDiagnostics {
  readonly experts: readonly string[];
  /** Expert index pairs (i < j) in row-major order: (0,1), (0,2), …, (1,2), … */
  readonly pairs: readonly (readonly [number, number])[];
  readonly groups: readonly TensorGroup[];
  /** Layers 0 … L−1, then the tensors outside the layers (when there are any): rows × groups × pairs. */
  readonly rows: readonly DiagnosticsRow[];
  /** Per group over every layer (null when the model has none of the group). */
  readonly byGroup: readonly (TaskVectorStats | null)[];
  readonly overall: TaskVectorStats;
  /** Per tensor, in the base's order. */
  readonly tensors: readonly TensorDiagnostics[];
}

export interface DiagnosticsOptions {
  /** Called before each tensor with the number done, and once at the end with (total, total, ''). */
  readonly onProgress?: (doneTensors: number, totalTensors: number, currentName: string) => void;
  readonly signal?: AbortSignal;
  /** Which of the base's tensors to include (default: all). */
  readonly include?: (name: string, info: TensorInfo) => boolean;
}

/** Running sums of one cell, in doubles. */
class Accumulator {
  elements = 0;
  readonly squares: Float64Array;
  readonly dots: Float64Array;
  readonly bothNonZero: Float64Array;
  readonly opposite: Float64Array;
  multiNonZero = 0;
  multiConflict = 0;
  constructor(experts: number, pairs: number) {
    this.squares = new Float64Array(experts);
    this.dots = new Float64Array(pairs);
    this.bothNonZero = new Float64Array(pairs);
    this.opposite = new Float64Array(pairs);
  }
  add(other: Accumulator): void {
    this.elements += other.elements;
    for (let e = 0; e < this.squares.length; e++) this.squares[e] = this.squares[e]! + other.squares[e]!;
    for (let p = 0; p < this.dots.length; p++) {
      this.dots[p] = this.dots[p]! + other.dots[p]!;
      this.bothNonZero[p] = this.bothNonZero[p]! + other.bothNonZero[p]!;
      this.opposite[p] = this.opposite[p]! + other.opposite[p]!;
    }
    this.multiNonZero += other.multiNonZero;
    this.multiConflict += other.multiConflict;
  }
  stats(pairs: readonly (readonly [number, number])[]): TaskVectorStats {
    return {
      elements: this.elements,
      norms: Array.from(this.squares, Math.sqrt),
      cosine: pairs.map(([i, j], p) => {
        const denominator = Math.sqrt(this.squares[i]! * this.squares[j]!);
        if (denominator === 0) return null;
        return Math.max(-1, Math.min(1, this.dots[p]! / denominator));
      }),
      signConflict: pairs.map((_, p) => (this.bothNonZero[p]! > 0 ? this.opposite[p]! / this.bothNonZero[p]! : null)),
      anySignConflict: this.multiNonZero > 0 ? this.multiConflict / this.multiNonZero : null,
    };
  }
}

/** Sums of one tensor's task vectors. Deltas are recomputed per pair rather than stored. */
function accumulateTensor(acc: Accumulator, base: Float32Array, experts: readonly Float32Array[], pairs: readonly (readonly [number, number])[]): void {
  const n = base.length;
  const t = experts.length;
  acc.elements += n;
  for (let e = 0; e < t; e++) {
    const x = experts[e]!;
    let s = 0;
    for (let k = 0; k < n; k++) {
      const d = x[k]! - base[k]!;
      s += d * d;
    }
    acc.squares[e] = acc.squares[e]! + s;
  }
  pairs.forEach(([i, j], p) => {
    const xi = experts[i]!;
    const xj = experts[j]!;
    let dot = 0;
    let both = 0;
    let opposite = 0;
    for (let k = 0; k < n; k++) {
      const b = base[k]!;
      const product = (xi[k]! - b) * (xj[k]! - b);
      dot += product;
      if (product !== 0) {
        both++;
        if (product < 0) opposite++;
      }
    }
    acc.dots[p] = acc.dots[p]! + dot;
    acc.bothNonZero[p] = acc.bothNonZero[p]! + both;
    acc.opposite[p] = acc.opposite[p]! + opposite;
  });
  if (t >= 2) {
    let multi = 0;
    let conflict = 0;
    for (let k = 0; k < n; k++) {
      const b = base[k]!;
      let positive = 0;
      let negative = 0;
      for (let e = 0; e < t; e++) {
        const d = experts[e]![k]! - b;
        if (d > 0) positive++;
        else if (d < 0) negative++;
      }
      if (positive + negative >= 2) {
        multi++;
        if (positive > 0 && negative > 0) conflict++;
      }
    }
    acc.multiNonZero += multi;
    acc.multiConflict += conflict;
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The diagnostics were cancelled', 'AbortError');
}

/**
 * Task-vector diagnostics of `experts` against `base`, over the base's tensors (each
 * expert must have them, with the same shapes). Rejects with the signal's reason when
 * cancelled.
 */
export async function taskVectorDiagnostics(
  base: DiagnosticsSource,
  experts: readonly DiagnosticsExpert[],
  options: DiagnosticsOptions = {},
): Promise<TaskVectorDiagnostics> {
  const { onProgress, signal, include } = options;
  if (signal?.aborted) throw abortReason(signal);
  const pairs: [number, number][] = [];
  for (let i = 0; i < experts.length; i++) for (let j = i + 1; j < experts.length; j++) pairs.push([i, j]);
  const names = base.tensorNames().filter((name) => !include || include(name, base.tensorInfo(name)));
  for (const { id, source } of experts) {
    const has = new Set(source.tensorNames());
    const missing = names.find((name) => !has.has(name));
    if (missing !== undefined) throw new Error(`expert "${id}" has no tensor ${missing}`);
  }

  const groupIndex = new Map(TENSOR_GROUPS.map((g, i) => [g, i]));
  const layerCount = base.layerCount;
  // Row `layerCount` holds the tensors outside the layers.
  const cells: (Accumulator | null)[][] = Array.from({ length: layerCount + 1 }, () => TENSOR_GROUPS.map(() => null));
  const tensors: TensorDiagnostics[] = [];

  for (let done = 0; done < names.length; done++) {
    const name = names[done]!;
    onProgress?.(done, names.length, name);
    const info = base.tensorInfo(name);
    const b = await base.readTensor(name);
    const xs: Float32Array[] = [];
    for (const { id, source } of experts) {
      const x = await source.readTensor(name);
      if (!sameShape(x.shape, b.shape)) throw new Error(`expert "${id}" has ${name} of shape [${x.shape.join(', ')}], the base [${b.shape.join(', ')}]`);
      xs.push(x.data);
    }
    if (signal?.aborted) throw abortReason(signal);
    const acc = new Accumulator(experts.length, pairs.length);
    accumulateTensor(acc, b.data, xs, pairs);
    const row = info.layer === null ? layerCount : info.layer;
    if (!Number.isInteger(row) || row < 0 || row > layerCount) throw new Error(`${name} is in layer ${info.layer}, outside the base's ${layerCount} layers`);
    const g = groupIndex.get(info.group)!;
    const cellRow = cells[row]!;
    (cellRow[g] ??= new Accumulator(experts.length, pairs.length)).add(acc);
    tensors.push({ name, layer: info.layer, group: info.group, ...acc.stats(pairs) });
  }

  const byGroup = TENSOR_GROUPS.map(() => null as Accumulator | null);
  const overall = new Accumulator(experts.length, pairs.length);
  cells.forEach((row) =>
    row.forEach((cell, g) => {
      if (!cell) return;
      (byGroup[g] ??= new Accumulator(experts.length, pairs.length)).add(cell);
      overall.add(cell);
    }),
  );
  const rows: DiagnosticsRow[] = [];
  cells.forEach((row, r) => {
    const outside = r === layerCount;
    if (outside && row.every((c) => c === null)) return;
    rows.push({
      layer: outside ? null : r,
      label: outside ? 'outside layers' : `layer ${r}`,
      cells: row.map((c) => c?.stats(pairs) ?? null),
    });
  });
  onProgress?.(names.length, names.length, '');
  return {
    experts: experts.map((e) => e.id),
    pairs,
    groups: TENSOR_GROUPS,
    rows,
    byGroup: byGroup.map((a) => a?.stats(pairs) ?? null),
    overall: overall.stats(pairs),
    tensors,
  };
}
