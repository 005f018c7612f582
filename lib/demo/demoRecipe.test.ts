import { describe, expect, it } from 'vitest';
import type { EvalItem } from '@/lib/eval/evalSet';
import type { Recipe } from '@/lib/recipe/schema';
import type { SkillScore } from '@/lib/workers/engineApi';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';
import {
  coveredSkills,
  expertsBySkill,
  isCorrect,
  paramValueInWords,
  preparedPrompts,
  recipeDiagram,
  recipeSentence,
  scoreSummary,
} from './demoRecipe';

const zoo: ZooIndexEntry[] = [
  { id: 'zoo-base', role: 'base', skill: null, base: null, scores: {} },
  { id: 'zoo-upper', role: 'expert', skill: 'upper', base: 'zoo-base', scores: {} },
  { id: 'zoo-shift', role: 'expert', skill: 'shift', base: 'zoo-base', scores: {} },
  { id: 'zoo-add', role: 'expert', skill: 'add', base: 'zoo-base', scores: {} },
];

const pair: Recipe = {
  version: 1,
  stages: [
    {
      name: 'merge-1',
      merge_method: 'task_arithmetic',
      base_model: 'zoo-base',
      models: [
        { model: 'zoo-upper', parameters: { weight: 1 } },
        { model: 'zoo-shift', parameters: { weight: [1, 0.5] } },
      ],
      parameters: { lambda: 0.8 },
    },
  ],
};

const twoSteps: Recipe = {
  version: 1,
  stages: [
    pair.stages[0]!,
    { name: 'unused', merge_method: 'linear', models: [{ model: 'zoo-add' }] },
    {
      name: 'stack',
      merge_method: 'passthrough',
      slices: [{ sources: [{ model: 'merge-1', layer_range: [0, 2] }] }, { sources: [{ model: 'zoo-add', layer_range: [2, 4] }] }],
    },
  ],
};

describe('a recipe in words', () => {
  it('reads parameter values as people write them', () => {
    expect(paramValueInWords(0.8)).toBe('0.8');
    expect(paramValueInWords(true)).toBe('on');
    expect(paramValueInWords([0.5, 0.5])).toBe('0.5');
    expect(paramValueInWords([1, 0.5])).toBe('1 → 0.5 across the layers');
    expect(paramValueInWords([1, 0.9, 0.8, 0.7, 0.6])).toBe('from 1 to 0.6 across the layers');
    expect(paramValueInWords([{ filter: 'self_attn', value: 0.5 }, { value: [1, 0] }])).toBe('0.5 for “self_attn” tensors; 1 → 0 across the layers elsewhere');
  });

  it('draws one merge: models in column 0 in recipe order, the base last and marked, settings on the edges', () => {
    const diagram = recipeDiagram(pair);
    expect(diagram.output).toBe('merge-1');
    expect(diagram.columns).toBe(2);
    expect(diagram.nodes.map((n) => [n.id, n.column, n.row])).toEqual([
      ['model:zoo-upper', 0, 0],
      ['model:zoo-shift', 0, 1],
      ['model:zoo-base', 0, 2],
      ['stage:merge-1', 1, 0],
    ]);
    expect(diagram.edges.map((e) => [e.source, e.isBase, e.label])).toEqual([
      ['model:zoo-upper', false, 'weight 1'],
      ['model:zoo-shift', false, 'weight 1 → 0.5 across the layers'],
      ['model:zoo-base', true, 'base'],
    ]);
    const merge = diagram.nodes.find((n) => n.kind === 'merge');
    expect(merge).toMatchObject({ methodLabel: 'Task Arithmetic', isOutput: true, parameters: [{ name: 'lambda', value: '0.8' }] });
    expect(recipeSentence(diagram)).toBe('merge-1 combines zoo-upper and zoo-shift on top of zoo-base with Task Arithmetic.');
  });

  it('draws only the stages the output is built from, each step after its deepest input, with layer ranges', () => {
    const diagram = recipeDiagram(twoSteps);
    expect(diagram.nodes.filter((n) => n.kind === 'merge').map((n) => [n.id, n.column])).toEqual([
      ['stage:merge-1', 1],
      ['stage:stack', 2],
    ]);
    expect(diagram.edges.filter((e) => e.target === 'stage:stack').map((e) => [e.source, e.label])).toEqual([
      ['stage:merge-1', 'layers 0–1'],
      ['model:zoo-add', 'layers 2–3'],
    ]);
    expect(recipeSentence(diagram)).toBe('stack is built in 2 merge steps from zoo-upper, zoo-shift, zoo-base and zoo-add; the last one uses Passthrough.');
  });
});

describe('what the demo compares and asks', () => {
  const sources = ['zoo-upper', 'zoo-shift', 'zoo-base'];

  it('covers the skills of the experts among the sources, or every skill without experts', () => {
    expect(coveredSkills(sources, zoo, ['add', 'shift', 'upper'])).toEqual(['upper', 'shift']);
    expect(coveredSkills(['zoo-base'], zoo, ['add', 'shift'])).toEqual(['add', 'shift']);
    expect([...expertsBySkill([...sources, 'zoo-add'], zoo)]).toEqual([
      ['upper', 'zoo-upper'],
      ['shift', 'zoo-shift'],
      ['add', 'zoo-add'],
    ]);
  });

  it('interleaves the first dev examples of each skill', () => {
    const items = (skill: string): EvalItem[] => [0, 1, 2, 3].map((i) => ({ prompt: `${skill} ${i}`, answer: String(i) }) as EvalItem);
    const prompts = preparedPrompts(['a', 'b'], new Map([['a', items('a')], ['b', items('b').slice(0, 1)]]), 2);
    expect(prompts.map((p) => p.prompt)).toEqual(['a 0', 'b 0', 'a 1']);
  });

  it('counts an answer as the scorer does: finished, and exactly the answer', () => {
    expect(isCorrect({ text: '42', finished: true }, '42')).toBe(true);
    expect(isCorrect({ text: '42', finished: false }, '42')).toBe(false);
    expect(isCorrect({ text: '42 ', finished: true }, '42')).toBe(false);
  });

  it('sums the scores up in one sentence, against the expert of each skill', () => {
    const score = (skill: string, accuracy: number): SkillScore => ({ skill, accuracy, correct: Math.round(100 * accuracy), total: 100 });
    const experts = new Map([
      ['upper', 'zoo-upper'],
      ['shift', 'zoo-shift'],
    ]);
    const merged = [score('upper', 0.96), score('shift', 0.91), score('add', 0.2)];
    const theirs = new Map([
      ['zoo-upper', [score('upper', 1)]],
      ['zoo-shift', [score('shift', 1)]],
    ]);
    expect(scoreSummary('merge-1', ['upper', 'shift', 'add'], merged, theirs, experts)).toBe(
      "merge-1 keeps 96% of zoo-upper's accuracy on upper, 91% of zoo-shift's on shift and scores 20% on add.",
    );
    expect(scoreSummary('merge-1', ['upper'], [], theirs, experts)).toBe('merge-1 has no scores yet.');
  });
});
