import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@/lib/recipe/schema';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { Engine } from './engine';
import { isSuperseded } from './engineApi';

const files = nodeZooFiles(REPO_PUBLIC);

function linearOf(model: string, weight = 1): Recipe {
  return { version: 1, stages: [{ name: 'm', merge_method: 'linear', models: [{ model, parameters: { weight } }] }] };
}

function taskArithmetic(models: string[], lambda: number): Recipe {
  return {
    version: 1,
    stages: [
      {
        name: 'm',
        merge_method: 'task_arithmetic',
        base_model: 'zoo-base',
        models: models.map((model) => ({ model, parameters: { weight: 1 } })),
        parameters: { lambda },
      },
    ],
  };
}

let engine: Engine;
beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  engine = new Engine(ort, files);
});

describe('engine (the worker code, run in Node)', () => {
  it('a linear merge of one model is that model (bit for bit at weight 1, to fp32 rounding otherwise)', async () => {
    const zoo = await engine.resolve({ kind: 'zoo', id: 'zoo-upper' });
    const exact = await engine.resolve({ kind: 'merge', recipe: linearOf('zoo-upper', 1), stage: 'm' });
    const scaled = await engine.resolve({ kind: 'merge', recipe: linearOf('zoo-upper', 0.7), stage: 'm' });
    expect([...exact.weights.keys()].sort()).toEqual([...zoo.weights.keys()].sort());
    for (const [name, t] of zoo.weights) {
      expect(exact.weights.get(name)?.data).toEqual(t.data);
      const other = scaled.weights.get(name)?.data ?? new Float32Array();
      let worst = 0;
      t.data.forEach((v, i) => (worst = Math.max(worst, Math.abs((other[i] ?? NaN) - v) / Math.max(1e-30, Math.abs(v)))));
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('generates the same answers for a model and its one-model merge', async () => {
    const prompt = 'upper: studio=';
    const result = await engine.generate('preview', {
      targets: [
        { kind: 'zoo', id: 'zoo-upper' },
        { kind: 'merge', recipe: linearOf('zoo-upper'), stage: 'm' },
      ],
      prompt,
      maxNewTokens: 16,
    });
    expect(result.outputs).toHaveLength(2);
    expect(result.outputs[1]).toEqual(result.outputs[0]);
  });

  it('task arithmetic at lambda 0 is the base model', async () => {
    const base = await engine.resolve({ kind: 'zoo', id: 'zoo-base' });
    const merged = await engine.resolve({ kind: 'merge', recipe: taskArithmetic(['zoo-upper', 'zoo-shift'], 0), stage: 'm' });
    for (const [name, t] of base.weights) expect(merged.weights.get(name)?.data).toEqual(t.data);
  });

  it('a newer request on a channel stops the older one', async () => {
    const request = { target: { kind: 'zoo' as const, id: 'zoo-base' }, split: 'dev' as const, skills: ['add', 'upper', 'sort'] };
    const first = engine.score('scores', request);
    const second = engine.score('scores', request);
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a.status).toBe('rejected');
    expect(a.status === 'rejected' && isSuperseded(a.reason)).toBe(true);
    expect(b.status).toBe('fulfilled');
  });

  it('runs a frankenmerge that is deeper than its sources', async () => {
    const stacked: Recipe = {
      version: 1,
      stages: [
        {
          name: 'm',
          merge_method: 'passthrough',
          slices: [
            { sources: [{ model: 'zoo-upper', layer_range: [0, 3] }] },
            { sources: [{ model: 'zoo-shift', layer_range: [1, 4] }] },
          ],
        },
      ],
    };
    const { weights, model } = await engine.resolve({ kind: 'merge', recipe: stacked, stage: 'm' });
    expect(model.config.num_hidden_layers).toBe(6);
    const upper = await engine.resolve({ kind: 'zoo', id: 'zoo-upper' });
    const recall = await engine.resolve({ kind: 'zoo', id: 'zoo-shift' });
    expect(weights.get('model.layers.2.mlp.up_proj.weight')?.data).toEqual(upper.weights.get('model.layers.2.mlp.up_proj.weight')?.data);
    expect(weights.get('model.layers.3.mlp.up_proj.weight')?.data).toEqual(recall.weights.get('model.layers.1.mlp.up_proj.weight')?.data);
    const result = await engine.generate('preview', { targets: [{ kind: 'merge', recipe: stacked, stage: 'm' }], prompt: 'upper: abc=', maxNewTokens: 8 });
    expect(result.outputs).toHaveLength(1);
  });

  it('diagnoses task vectors per layer and group: an expert against itself agrees fully', async () => {
    const d = await engine.diagnostics({ kind: 'zoo', id: 'zoo-base' }, [
      { kind: 'zoo', id: 'zoo-upper' },
      { kind: 'merge', recipe: linearOf('zoo-upper'), stage: 'm' },
      { kind: 'zoo', id: 'zoo-add' },
    ]);
    expect(d.experts).toEqual(['zoo-upper', 'm', 'zoo-add']);
    expect(d.rows.filter((r) => r.layer !== null)).toHaveLength(4);
    const self = d.pairs.findIndex(([a, b]) => a === 0 && b === 1);
    expect(d.overall.cosine[self]).toBeCloseTo(1, 6);
    expect(d.overall.signConflict[self]).toBe(0);
  });

  it('reports a recipe that cannot run with the reason', async () => {
    const bad: Recipe = { version: 1, stages: [{ name: 'm', merge_method: 'task_arithmetic', models: [{ model: 'zoo-upper', parameters: { weight: 1 } }] }] };
    await expect(engine.resolve({ kind: 'merge', recipe: bad, stage: 'm' })).rejects.toThrow(/base/);
  });
});
