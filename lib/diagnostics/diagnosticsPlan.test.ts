import { describe, expect, it } from 'vitest';
import type { Recipe } from '@/lib/recipe/schema';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';
import { diagnosticsPlan } from './diagnosticsPlan';

const zoo: ZooIndexEntry[] = [
  { id: 'zoo-base', role: 'base', skill: null, base: null, scores: {} },
  { id: 'zoo-add', role: 'expert', skill: 'add', base: 'zoo-base', scores: {} },
  { id: 'zoo-sort', role: 'expert', skill: 'sort', base: 'zoo-base', scores: {} },
  { id: 'stray', role: 'expert', skill: 'x', base: null, scores: {} },
];

const recipe: Recipe = {
  version: 1,
  stages: [
    { name: 'pair', merge_method: 'task_arithmetic', base_model: 'zoo-base', models: [{ model: 'zoo-add' }, { model: 'zoo-base' }, { model: 'zoo-sort' }] },
    { name: 'on-stage', merge_method: 'task_arithmetic', base_model: 'pair', models: [{ model: 'zoo-add' }, { model: 'pair' }] },
    { name: 'no-base', merge_method: 'linear', models: [{ model: 'zoo-add' }, { model: 'zoo-base' }, { model: 'zoo-sort' }] },
    { name: 'only-stages', merge_method: 'linear', models: [{ model: 'pair' }, { model: 'on-stage' }] },
    { name: 'undeclared', merge_method: 'linear', models: [{ model: 'stray' }] },
  ],
};

describe('what the diagnostics of a stage compare', () => {
  it('takes the zoo inputs besides the base as experts, against the stated base', () => {
    expect(diagnosticsPlan(recipe, 'pair', zoo)).toEqual({ ok: true, base: { kind: 'zoo', id: 'zoo-base' }, baseLabel: 'zoo-base', experts: ['zoo-add', 'zoo-sort'], note: null });
  });

  it('takes an earlier stage as the base, and leaves stages out of the experts', () => {
    expect(diagnosticsPlan(recipe, 'on-stage', zoo)).toEqual({ ok: true, base: { kind: 'merge', recipe, stage: 'pair' }, baseLabel: 'pair', experts: ['zoo-add'], note: null });
  });

  it('without a base, stands in the experts’ own base from the zoo index and says so', () => {
    const plan = diagnosticsPlan(recipe, 'no-base', zoo);
    expect(plan).toMatchObject({ ok: true, base: { kind: 'zoo', id: 'zoo-base' }, baseLabel: 'zoo-base', experts: ['zoo-add', 'zoo-sort'] });
    expect(plan.ok && plan.note).toMatch(/no-base has no base model: task vectors are taken against zoo-base/);
  });

  it('explains why there is nothing to compare', () => {
    expect(diagnosticsPlan(null, null, zoo)).toEqual({ ok: false, reason: 'Diagnostics appear once a merge node has inputs.' });
    expect(diagnosticsPlan(recipe, 'missing', zoo)).toMatchObject({ ok: false });
    expect(diagnosticsPlan(recipe, 'only-stages', zoo)).toMatchObject({ ok: false, reason: expect.stringMatching(/no zoo models among its inputs/) });
    expect(diagnosticsPlan(recipe, 'undeclared', zoo)).toMatchObject({ ok: false, reason: expect.stringMatching(/stray names none/) });
  });
});
