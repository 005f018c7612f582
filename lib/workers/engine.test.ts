import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@/lib/recipe/schema';
import { nodeZooFiles, REPO_PUBLIC } from '@/tools/cli/nodeZooFiles';
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
    const merged = await engine.resolve({ kind: 'merge', recipe: taskArithmetic(['zoo-upper', 'zoo-recall'], 0), stage: 'm' });
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

  it('reports a recipe that cannot run with the reason', async () => {
    const bad: Recipe = { version: 1, stages: [{ name: 'm', merge_method: 'task_arithmetic', models: [{ model: 'zoo-upper', parameters: { weight: 1 } }] }] };
    await expect(engine.resolve({ kind: 'merge', recipe: bad, stage: 'm' })).rejects.toThrow(/base/);
  });
});
