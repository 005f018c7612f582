import { describe, expect, it } from 'vitest';
import type { Recipe } from '@/lib/recipe/schema';
import { addMergeNode, addModelNode, connect, emptyCanvas, setModelParam } from '@/lib/store/studioStore';
import { canvasFromRecipe, canvasToLayout, canvasToRecipe } from '@/lib/store/canvasRecipe';
import { autosaveFingerprint, canvasFromAutosave, toAutosave } from './autosave';
import { chronological, compareExperiments, formatParamValue, recipeDifferences } from './compareExperiments';
import {
  buildExperiment,
  canonicalJson,
  describeExperiment,
  experimentKey,
  experimentModels,
  insertExperiment,
  meanScore,
  removeExperiment,
  searchExperiments,
  sessionScoreSeries,
  sortNewestFirst,
  type ExperimentDraft,
  type ExperimentRecord,
} from './experiment';
import { listExperiments, memoryHistoryBackend, recordExperiment } from './historyBackend';

function taskArithmetic(upperWeight: number, extra: Partial<Recipe['stages'][number]> = {}): Recipe {
  return {
    version: 1,
    stages: [
      {
        name: 'merge-1',
        merge_method: 'task_arithmetic',
        base_model: 'zoo-base',
        models: [
          { model: 'zoo-upper', parameters: { weight: upperWeight } },
          { model: 'zoo-shift', parameters: { weight: 1 } },
        ],
        ...extra,
      },
    ],
    output: 'merge-1',
  };
}

function draft(recipe: Recipe, accuracies: Record<string, number>, stage = 'merge-1'): ExperimentDraft {
  return {
    recipe,
    layout: null,
    stage,
    scores: Object.entries(accuracies).map(([skill, accuracy]) => ({ skill, accuracy, correct: Math.round(accuracy * 250), total: 250 })),
  };
}

describe('experiment identity', () => {
  it('ignores object key order and undefined fields', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: undefined, w: 'v' }] })).toBe('{"a":[{"w":"v","y":2}],"b":1}');
    const a = taskArithmetic(1);
    const reordered: Recipe = { output: 'merge-1', stages: a.stages.map((s) => ({ models: s.models, merge_method: s.merge_method, base_model: s.base_model, name: s.name })), version: 1 };
    expect(experimentKey(reordered, 'merge-1')).toBe(experimentKey(a, 'merge-1'));
    expect(experimentKey(taskArithmetic(0.5), 'merge-1')).not.toBe(experimentKey(a, 'merge-1'));
  });

  it('derives the id from the recipe and numbers records after the existing ones', () => {
    const first = buildExperiment(draft(taskArithmetic(1), { upper: 0.9 }), [], 1000, 's');
    const again = buildExperiment(draft(taskArithmetic(1), { upper: 0.9 }), [first], 2000, 's');
    const other = buildExperiment(draft(taskArithmetic(0.5), { upper: 0.8 }), [first], 2000, 's');
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    expect(first.number).toBe(1);
    expect(other.number).toBe(2);
  });

  it('names models (bases included, stages not), methods and the scored stage', () => {
    const recipe: Recipe = {
      version: 1,
      stages: [
        { name: 'a', merge_method: 'ties', base_model: 'zoo-base', models: [{ model: 'zoo-add' }, { model: 'zoo-sort' }] },
        { name: 'b', merge_method: 'linear', models: [{ model: 'a' }, { model: 'zoo-upper' }] },
      ],
    };
    expect(experimentModels(recipe)).toEqual(['zoo-base', 'zoo-add', 'zoo-sort', 'zoo-upper']);
    expect(describeExperiment({ recipe, stage: 'a' })).toBe('a: ties of zoo-add, zoo-sort (base zoo-base)');
    expect(describeExperiment({ recipe, stage: 'b' })).toBe('b: linear of a, zoo-upper');
  });

  it('averages the skills scored', () => {
    expect(meanScore({ scores: draft(taskArithmetic(1), { a: 0.5, b: 1 }).scores })).toBe(0.75);
    expect(meanScore({ scores: [] })).toBeNull();
  });
});

describe('the list of experiments', () => {
  const records: ExperimentRecord[] = [
    buildExperiment(draft(taskArithmetic(1), { upper: 0.9, recall: 0.8 }), [], 1000, 'one'),
    { ...buildExperiment(draft(taskArithmetic(0.5), { upper: 0.7, recall: 0.85 }), [], 2000, 'one'), number: 2 },
    {
      ...buildExperiment(
        draft({ version: 1, stages: [{ name: 'blend', merge_method: 'ties', base_model: 'zoo-base', models: [{ model: 'zoo-add' }, { model: 'zoo-sort' }] }] }, { add: 0.6, sort: 0.5 }, 'blend'),
        [],
        3000,
        'two',
      ),
      number: 3,
    },
  ];

  it('puts the newest first, and the later number first within one millisecond', () => {
    expect(sortNewestFirst(records).map((r) => r.number)).toEqual([3, 2, 1]);
    const tie = records.map((r) => ({ ...r, createdAt: 5 }));
    expect(sortNewestFirst(tie).map((r) => r.number)).toEqual([3, 2, 1]);
  });

  it('inserts a distinct recipe once', () => {
    let list: ExperimentRecord[] = [];
    for (const r of records) list = insertExperiment(list, r);
    expect(list.map((r) => r.number)).toEqual([3, 2, 1]);
    const duplicate = { ...records[0]!, createdAt: 9999, number: 4 };
    expect(insertExperiment(list, duplicate)).toEqual(list);
  });

  it('deletes one record and keeps the others in their order', () => {
    const list = sortNewestFirst(records);
    expect(removeExperiment(list, records[1]!.id).map((r) => r.number)).toEqual([3, 1]);
    expect(removeExperiment(list, 'missing')).toEqual(list);
  });

  it('searches models, methods and stage names, every word, case-insensitively', () => {
    expect(searchExperiments(records, '').map((r) => r.number)).toEqual([3, 2, 1]);
    expect(searchExperiments(records, 'UPPER').map((r) => r.number)).toEqual([2, 1]);
    expect(searchExperiments(records, 'ties').map((r) => r.number)).toEqual([3]);
    expect(searchExperiments(records, 'blend zoo-sort').map((r) => r.number)).toEqual([3]);
    expect(searchExperiments(records, 'merge-1 ties')).toEqual([]);
    expect(searchExperiments(records, 'zoo-base').length).toBe(3);
    // Scores and parameter values are not searched.
    expect(searchExperiments(records, '0.5')).toEqual([]);
  });

  it('gives the session its mean score over time', () => {
    expect(sessionScoreSeries(records, 'one')).toEqual([
      { number: 1, time: 1000, mean: expect.closeTo(0.85, 12) },
      { number: 2, time: 2000, mean: expect.closeTo(0.775, 12) },
    ]);
  });
});

describe('comparing two experiments', () => {
  it('says what changed in plain words and how each skill moved', () => {
    const before = buildExperiment(draft(taskArithmetic(1), { upper: 0.9, recall: 0.8 }), [], 1000, 's');
    const after = { ...buildExperiment(draft(taskArithmetic(0.5), { upper: 0.7, recall: 0.85 }), [], 2000, 's'), number: 2 };
    const comparison = compareExperiments(...chronological(after, before));
    expect(comparison.before.number).toBe(1);
    expect(comparison.changes).toEqual(['Weight of zoo-upper 1 → 0.5.']);
    expect(comparison.skills.map((s) => [s.skill, Number(s.delta?.toFixed(3))])).toEqual([
      ['upper', -0.2],
      ['recall', 0.05],
    ]);
    expect(comparison.meanBefore).toBeCloseTo(0.85);
    expect(comparison.meanAfter).toBeCloseTo(0.775);
  });

  it('covers methods, bases, inputs, global parameters, slices and added stages', () => {
    const before = taskArithmetic(1, { parameters: { lambda: 1 } });
    const after: Recipe = {
      version: 1,
      stages: [
        {
          name: 'merge-1',
          merge_method: 'ties',
          models: [
            { model: 'zoo-upper', parameters: { weight: [1, 0.5, 1], density: 0.5 } },
            { model: 'zoo-sort', parameters: { weight: 1 } },
          ],
          parameters: { lambda: 0.9, normalize: false },
          random_seed: 3,
        },
        { name: 'merge-2', merge_method: 'passthrough', slices: [{ sources: [{ model: 'merge-1', layer_range: [0, 2] }] }] },
      ],
      output: 'merge-2',
    };
    expect(recipeDifferences(before, after)).toEqual([
      'Merge-1: method task_arithmetic → ties.',
      'Merge-1: base model zoo-base → none.',
      'Merge-1: zoo-sort added as an input.',
      'Merge-1: zoo-shift removed from the inputs.',
      'Merge-1: weight of zoo-upper 1 → [1, 0.5, 1] per layer.',
      'Merge-1: density of zoo-upper set to 0.5 (was the default).',
      'Merge-1: lambda 1 → 0.9.',
      'Merge-1: normalize set to off (was the default).',
      'Merge-1: random_seed default → 3.',
      'Stage merge-2 added (passthrough).',
      'Output stage merge-1 → merge-2.',
    ]);
    expect(recipeDifferences(after, after)).toEqual([]);
    expect(recipeDifferences(after, before)).toContain('Stage merge-2 removed.');
  });

  it('writes parameter values as a person reads them', () => {
    expect(formatParamValue(0.30000000000000004)).toBe('0.3');
    expect(formatParamValue(true)).toBe('on');
    expect(formatParamValue([{ filter: 'self_attn', value: 0.5 }, { value: 1 }])).toBe('0.5 where the name has "self_attn"; 1 elsewhere');
    expect(formatParamValue(undefined)).toBe('default');
  });
});

describe('a backend', () => {
  it('records each distinct recipe once, numbers them, lists newest first and deletes', async () => {
    const backend = memoryHistoryBackend();
    const a = await recordExperiment(backend, draft(taskArithmetic(1), { upper: 0.9 }), { now: 1000, session: 's' });
    const b = await recordExperiment(backend, draft(taskArithmetic(0.5), { upper: 0.7 }), { now: 2000, session: 's' });
    const again = await recordExperiment(backend, draft(taskArithmetic(1), { upper: 0.95 }), { now: 3000, session: 's' });
    expect([a.added, b.added, again.added]).toEqual([true, true, false]);
    expect(again.record).toEqual(a.record);
    expect((await listExperiments(backend)).map((r) => r.number)).toEqual([2, 1]);

    await backend.deleteExperiment(a.record.id);
    const c = await recordExperiment(backend, draft(taskArithmetic(0.25), { upper: 0.5 }), { now: 4000, session: 's' });
    // Numbers are never reused while a later one is kept.
    expect(c.record.number).toBe(3);
    expect((await listExperiments(backend)).map((r) => r.number)).toEqual([3, 2]);
    // A deleted recipe scored again comes back as a new experiment.
    const back = await recordExperiment(backend, draft(taskArithmetic(1), { upper: 0.9 }), { now: 5000, session: 's' });
    expect(back.added).toBe(true);
    expect((await listExperiments(backend)).map((r) => r.number)).toEqual([4, 3, 2]);
  });

  it('records one experiment when the same recipe arrives twice at once', async () => {
    const backend = memoryHistoryBackend();
    const results = await Promise.all([1, 2].map((i) => recordExperiment(backend, draft(taskArithmetic(1), { upper: 0.9 }), { now: i, session: 's' })));
    expect(results.filter((r) => r.added)).toHaveLength(1);
    expect(await backend.listExperiments()).toHaveLength(1);
  });
});

describe('autosave', () => {
  function canvas() {
    let state = emptyCanvas;
    const upper = addModelNode(state, 'zoo-upper');
    state = upper.state;
    const recall = addModelNode(state, 'zoo-shift');
    state = recall.state;
    const merge = addMergeNode(state);
    state = connect(connect(merge.state, upper.id, merge.id), recall.id, merge.id);
    state = setModelParam(state, merge.id, upper.id, 'weight', 0.5);
    // A second merge with no inputs: not in any recipe, still on the canvas.
    const lonely = addMergeNode(state, { x: 700, y: 40 });
    return lonely.state;
  }

  it('round-trips the whole canvas, merges that cannot run yet included', () => {
    const state = canvas();
    const saved = JSON.parse(JSON.stringify(toAutosave(state, 123)));
    const restored = canvasFromAutosave(saved);
    expect(restored).not.toBeNull();
    expect(restored!.nodes.map((n) => [n.id, n.type, n.position, n.data])).toEqual(state.nodes.map((n) => [n.id, n.type, n.position, n.data]));
    expect(restored!.edges.map((e) => [e.source, e.target])).toEqual(state.edges.map((e) => [e.source, e.target]));
    expect(restored!.activeNodeId).toBe(state.activeNodeId);
    expect(restored!.selectedNodeId).toBe(state.selectedNodeId);
    expect(restored!.nodes.find((n) => n.id === 'merge-2')?.data).toMatchObject({ stage: 'merge-2', method: 'linear' });
    expect(canvasToRecipe(restored!.nodes, restored!.edges, restored!.activeNodeId).recipe).toEqual(canvasToRecipe(state.nodes, state.edges, state.activeNodeId).recipe);
  });

  it('leaves out what React Flow adds while the canvas is used', () => {
    const state = canvas();
    const busy = { ...state, nodes: state.nodes.map((n) => ({ ...n, measured: { width: 100, height: 40 }, dragging: true })) };
    expect(autosaveFingerprint(toAutosave(busy, 1))).toBe(autosaveFingerprint(toAutosave(state, 2)));
  });

  it('ignores damaged records and repairs dangling references', () => {
    expect(canvasFromAutosave(undefined)).toBeNull();
    expect(canvasFromAutosave({ version: 2, savedAt: 1, canvas: {} })).toBeNull();
    const saved = toAutosave(canvas(), 1);
    expect(canvasFromAutosave({ ...saved, canvas: { ...saved.canvas, nodes: [{ id: 'x', type: 'model', position: { x: 0, y: 'a' }, data: { modelId: 'm' } }] } })).toBeNull();
    const dangling = canvasFromAutosave({
      ...saved,
      canvas: { ...saved.canvas, edges: [...saved.canvas.edges, { id: 'e', source: 'gone', target: 'merge-1' }], activeNodeId: 'gone', selectedNodeId: 'gone' },
    });
    expect(dangling!.edges).toHaveLength(2);
    expect(dangling!.activeNodeId).toBe('merge-1');
    expect(dangling!.selectedNodeId).toBeNull();
  });

  it('restores an experiment onto the canvas through its recipe and layout', () => {
    const state = canvas();
    const { recipe } = canvasToRecipe(state.nodes, state.edges, state.activeNodeId);
    const record = buildExperiment({ recipe: recipe!, layout: canvasToLayout(state.nodes, state.edges, state.activeNodeId), stage: 'merge-1', scores: [] }, [], 1, 's');
    const back = canvasFromRecipe(record.recipe, record.layout);
    expect(canvasToRecipe(back.nodes, back.edges, back.activeNodeId).recipe).toEqual(recipe);
    expect(back.nodes.find((n) => n.id === 'model-1')?.position).toEqual(state.nodes.find((n) => n.id === 'model-1')?.position);
  });
});
