import { describe, expect, it } from 'vitest';
import { TENSOR_GROUPS } from '@/lib/arch/tensorRole';
import { inMemorySource, type ModelSource } from '@/lib/merge/executor';
import { toyShapes, toyTensorInfo, toyTensors } from '@/testing/toyModel';
import { tensor, type NamedTensors } from '@/lib/tensors/tensor';
import { taskVectorDiagnostics, type TaskVectorStats } from './taskVectors';

const LAYERS = 2;
const base = toyTensors({ layers: LAYERS, seed: 1 }); // multiples of 1/64 in [-2, 2): base ± 1/4 is exact

/** base + delta(name, index), tensor by tensor. */
function expert(delta: (name: string, index: number) => number): NamedTensors {
  const out: NamedTensors = new Map();
  for (const [name, t] of base) out.set(name, tensor(t.shape, t.data.map((v, i) => v + delta(name, i))));
  return out;
}

/** Counts reads, to check that every tensor is read once per model. */
function source(tensors: NamedTensors, reads: Map<string, number> = new Map()): ModelSource {
  const inner = inMemorySource(tensors, toyTensorInfo, LAYERS);
  return {
    ...inner,
    readTensor: async (name) => {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      return inner.readTensor(name);
    },
  };
}

const d = () => 0.25;
const alternating = (_: string, i: number) => (i % 2 === 0 ? 0.25 : -0.25);
const evenOnly = (_: string, i: number) => (i % 2 === 0 ? 0.25 : 0);
const oddOnly = (_: string, i: number) => (i % 2 === 1 ? 0.5 : 0);

function cell(stats: TaskVectorStats | null | undefined): TaskVectorStats {
  if (!stats) throw new Error('missing cell');
  return stats;
}

describe('task-vector diagnostics, hand-made task vectors', () => {
  it('identical → cos 1, no conflict; opposite → cos −1, conflict 1; orthogonal → cos 0', async () => {
    const result = await taskVectorDiagnostics(source(base), [
      { id: 'a', source: source(expert(d)) },
      { id: 'same', source: source(expert(d)) },
      { id: 'opposite', source: source(expert(() => -0.25)) },
      { id: 'alternating', source: source(expert(alternating)) },
    ]);
    expect(result.experts).toEqual(['a', 'same', 'opposite', 'alternating']);
    expect(result.pairs).toEqual([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
    const p = (i: number, j: number) => result.pairs.findIndex(([a, b]) => a === i && b === j);
    // Every tensor of the toy model has an even number of entries: the alternating one is orthogonal.
    for (const stats of [result.overall, ...result.tensors]) {
      expect(stats.cosine[p(0, 1)]).toBeCloseTo(1, 12);
      expect(stats.signConflict[p(0, 1)]).toBe(0);
      expect(stats.cosine[p(0, 2)]).toBeCloseTo(-1, 12);
      expect(stats.signConflict[p(0, 2)]).toBe(1);
      expect(stats.cosine[p(0, 3)]).toBeCloseTo(0, 12);
      expect(stats.signConflict[p(0, 3)]).toBe(0.5);
      expect(stats.anySignConflict).toBe(1); // 'opposite' disagrees with 'a' everywhere
      // ‖τ‖ = 0.25·√(entries) for all four.
      for (const norm of stats.norms) expect(norm).toBeCloseTo(0.25 * Math.sqrt(stats.elements), 12);
    }
    const total = [...toyShapes(LAYERS).values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
    expect(result.overall.elements).toBe(total);
  });

  it('disjoint supports: cos 0 and no entry where both change (conflict null)', async () => {
    const result = await taskVectorDiagnostics(source(base), [
      { id: 'even', source: source(expert(evenOnly)) },
      { id: 'odd', source: source(expert(oddOnly)) },
    ]);
    expect(result.overall.cosine).toEqual([0]);
    expect(result.overall.signConflict).toEqual([null]);
    expect(result.overall.anySignConflict).toBeNull();
    const half = result.overall.elements / 2;
    expect(result.overall.norms[0]).toBeCloseTo(0.25 * Math.sqrt(half), 12);
    expect(result.overall.norms[1]).toBeCloseTo(0.5 * Math.sqrt(half), 12);
  });

  it('a zero task vector has norm 0 and no cosine', async () => {
    const result = await taskVectorDiagnostics(source(base), [
      { id: 'base again', source: source(base) },
      { id: 'a', source: source(expert(d)) },
    ]);
    expect(result.overall.norms[0]).toBe(0);
    expect(result.overall.cosine).toEqual([null]);
    expect(result.overall.signConflict).toEqual([null]);
  });

  it('cells: layers × groups × pairs, each cell over its own tensors only', async () => {
    // Expert b agrees with a on attention, opposes it on the MLP, and leaves the rest alone.
    const b = (name: string) => (name.includes('self_attn') ? 0.25 : name.includes('mlp') ? -0.25 : 0);
    const result = await taskVectorDiagnostics(source(base), [
      { id: 'a', source: source(expert(d)) },
      { id: 'b', source: source(expert(b)) },
    ]);
    expect(result.groups).toEqual(TENSOR_GROUPS);
    expect(result.rows.map((r) => r.layer)).toEqual([0, 1, null]);
    expect(result.rows.map((r) => r.label)).toEqual(['layer 0', 'layer 1', 'outside layers']);
    const g = (name: (typeof TENSOR_GROUPS)[number]) => TENSOR_GROUPS.indexOf(name);
    for (const row of result.rows.slice(0, 2)) {
      expect(cell(row.cells[g('attention')]).cosine).toEqual([1]);
      expect(cell(row.cells[g('mlp')]).cosine).toEqual([-1]);
      expect(cell(row.cells[g('mlp')]).signConflict).toEqual([1]);
      expect(cell(row.cells[g('other')]).cosine).toEqual([null]); // input_layernorm: b is zero there
      expect(row.cells[g('embeddings')]).toBeNull();
      expect(cell(row.cells[g('attention')]).elements).toBe(16); // q_proj 4×4
      expect(cell(row.cells[g('mlp')]).elements).toBe(32); // up_proj 8×4
    }
    const outside = result.rows[2]!;
    expect(outside.cells[g('attention')]).toBeNull();
    expect(cell(outside.cells[g('embeddings')]).elements).toBe(48); // embed_tokens and lm_head, 6×4 each
    expect(cell(outside.cells[g('other')]).elements).toBe(4); // model.norm
    // Over the layers: attention agrees, MLP opposes.
    expect(cell(result.byGroup[g('attention')]).cosine).toEqual([1]);
    expect(cell(result.byGroup[g('mlp')]).cosine).toEqual([-1]);
    // Whole model: ⟨a, b⟩ = 0.0625·(32 − 64), ‖a‖² = 0.0625·total, ‖b‖² = 0.0625·96.
    const total = result.overall.elements;
    expect(result.overall.cosine[0]).toBeCloseTo(-32 / Math.sqrt(total * 96), 12);
  });
});

describe('task-vector diagnostics, streaming', () => {
  it('reads every tensor once per model, reports progress, leaves the sources untouched', async () => {
    const reads = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
    const before = [...base.values()].map((t) => t.data.slice());
    const progress: [number, number, string][] = [];
    await taskVectorDiagnostics(
      source(base, reads[0]),
      [
        { id: 'a', source: source(expert(d), reads[1]) },
        { id: 'b', source: source(expert(alternating), reads[2]) },
      ],
      { onProgress: (done, total, name) => progress.push([done, total, name]) },
    );
    const names = [...base.keys()];
    for (const r of reads) expect([...r.entries()]).toEqual(names.map((n) => [n, 1]));
    expect(progress).toEqual([...names.map((n, i) => [i, names.length, n]), [names.length, names.length, '']]);
    [...base.values()].forEach((t, i) => expect(t.data).toEqual(before[i]));
  });

  it('include: only the tensors asked for', async () => {
    const result = await taskVectorDiagnostics(source(base), [{ id: 'a', source: source(expert(d)) }], { include: (_, info) => info.group === 'mlp' });
    expect(result.tensors.map((t) => t.name)).toEqual(['model.layers.0.mlp.up_proj.weight', 'model.layers.1.mlp.up_proj.weight']);
    expect(result.pairs).toEqual([]);
    expect(result.rows.map((r) => r.layer)).toEqual([0, 1]); // nothing outside the layers
  });

  it('refuses a missing tensor or a shape mismatch, and stops when cancelled', async () => {
    const missing = new Map(base);
    missing.delete('lm_head.weight');
    await expect(taskVectorDiagnostics(source(base), [{ id: 'short', source: source(missing) }])).rejects.toThrow(/"short" has no tensor lm_head.weight/);
    const reshaped = new Map(base);
    reshaped.set('model.norm.weight', tensor([2, 2], new Float32Array(4)));
    await expect(taskVectorDiagnostics(source(base), [{ id: 'odd', source: source(reshaped) }])).rejects.toThrow(/shape/);
    const controller = new AbortController();
    const run = taskVectorDiagnostics(source(base), [{ id: 'a', source: source(expert(d)) }], {
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 2) controller.abort(new Error('stop'));
      },
    });
    await expect(run).rejects.toThrow('stop');
  });
});
