import { describe, expect, it } from 'vitest';
import { formatIssuePath, parseRecipe, RECIPE_LIMITS, type Recipe, type RecipeIssue } from './schema';

const valid: Recipe = {
  version: 1,
  name: 'math + code',
  stages: [
    {
      name: 'experts',
      merge_method: 'task_arithmetic',
      base_model: 'base',
      models: [
        { model: 'math', parameters: { weight: [0, 0.5, 1] } },
        { model: 'code', parameters: { weight: [{ filter: 'mlp', value: 0.8 }, { value: 0.3 }] } },
      ],
      parameters: { lambda: 1.2, normalize: false },
      random_seed: 7,
    },
    {
      name: 'stack',
      merge_method: 'passthrough',
      slices: [
        { sources: [{ model: 'experts', layer_range: [0, 4] }] },
        { sources: [{ model: 'base', layer_range: [2, 6], parameters: { scale: 0.5 } }] },
      ],
      dtype: 'bfloat16',
      tokenizer_source: 'base',
    },
  ],
};

function issuesOf(json: unknown, context = {}): RecipeIssue[] {
  const r = parseRecipe(json, context);
  if (r.ok) throw new Error('expected the recipe to be rejected');
  return r.issues;
}

function withStage(patch: Record<string, unknown>, index = 0): unknown {
  const copy = structuredClone(valid) as unknown as { stages: Record<string, unknown>[] };
  copy.stages[index] = { ...copy.stages[index], ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete copy.stages[index]![k];
  return copy;
}

function at(issues: RecipeIssue[]): string[] {
  return issues.map((i) => i.at);
}

describe('parseRecipe: valid recipes', () => {
  it('accepts a two-stage recipe with gradients, filters and slices', () => {
    const r = parseRecipe(valid, { zooIds: ['base', 'math', 'code'], methods: ['task_arithmetic', 'passthrough'] });
    expect(r).toEqual({ ok: true, recipe: valid });
  });
  it('accepts a minimal recipe', () => {
    expect(parseRecipe({ version: 1, stages: [{ name: 'm', merge_method: 'linear', models: [{ model: 'a' }] }] }).ok).toBe(true);
  });
});

describe('parseRecipe: malformed', () => {
  it('rejects what is not an object', () => {
    expect(issuesOf('linear')[0]!.message).toMatch(/JSON object/);
    expect(issuesOf(null)[0]!.message).toMatch(/JSON object/);
  });
  it('requires the version and names a wrong one clearly', () => {
    expect(issuesOf({ stages: [] }).find((i) => i.at === 'version')?.message).toMatch(/required/);
    expect(issuesOf({ ...valid, version: 2 })).toEqual([
      expect.objectContaining({ at: 'version', message: expect.stringMatching(/newer than this studio reads/) }),
    ]);
    expect(issuesOf({ ...valid, version: '1' })[0]!.message).toMatch(/unsupported recipe version "1"/);
  });
  it('rejects unknown keys (typos)', () => {
    const issues = issuesOf(withStage({ paramters: {} }));
    expect(issues).toEqual([expect.objectContaining({ at: 'stages[0]', message: 'unrecognized key "paramters"' })]);
  });
  it('needs models xor slices', () => {
    expect(issuesOf(withStage({ models: undefined }))[0]!.message).toMatch(/needs "models".*or "slices"/);
    const both = issuesOf(withStage({ slices: [{ sources: [{ model: 'base', layer_range: [0, 1] }] }] }));
    expect(both[0]!.message).toMatch(/either "models" or "slices"/);
  });
  it('checks half-open layer ranges', () => {
    const issues = issuesOf(withStage({ slices: [{ sources: [{ model: 'base', layer_range: [4, 4] }] }] }, 1));
    expect(issues).toEqual([
      expect.objectContaining({ at: 'stages[1].slices[0].sources[0].layer_range', message: expect.stringMatching(/half-open/) }),
    ]);
    expect(at(issuesOf(withStage({ slices: [{ sources: [{ model: 'base', layer_range: [0.5, 2] }] }] }, 1)))).toEqual([
      'stages[1].slices[0].sources[0].layer_range[0]',
    ]);
    expect(issuesOf(withStage({ slices: [{ sources: [{ model: 'base', layer_range: [0, 1, 2] }] }] }, 1))[0]!.message).toMatch(/at most 2/);
  });
  it('requires equal layer counts within a slice and distinct sources', () => {
    const issues = issuesOf(
      withStage(
        {
          slices: [
            {
              sources: [
                { model: 'base', layer_range: [0, 4] },
                { model: 'experts', layer_range: [0, 3] },
                { model: 'base', layer_range: [1, 5] },
              ],
            },
          ],
        },
        1,
      ),
    );
    expect(issues.map((i) => [i.at, i.message])).toEqual([
      ['stages[1].slices[0].sources[1].layer_range', expect.stringMatching(/same number of layers: sources\[0\] covers 4, this one 3/)],
      ['stages[1].slices[0].sources[2].model', expect.stringMatching(/already a source of this slice/)],
    ]);
  });
  it('rejects a model listed twice in a stage', () => {
    const issues = issuesOf(withStage({ models: [{ model: 'math' }, { model: 'math' }] }));
    expect(issues).toEqual([expect.objectContaining({ at: 'stages[0].models[1].model', message: expect.stringMatching(/listed twice/) })]);
  });
  it('reports wrongly typed fields with their paths', () => {
    const issues = issuesOf(withStage({ merge_method: 3, random_seed: -1, dtype: 'int8' }));
    expect(issues.map((i) => i.at).sort()).toEqual(['stages[0].dtype', 'stages[0].merge_method', 'stages[0].random_seed']);
    expect(issues.find((i) => i.at === 'stages[0].merge_method')!.message).toBe('expected a string (got number)');
    expect(issues.find((i) => i.at === 'stages[0].dtype')!.message).toMatch(/one of "float32", "float16", "bfloat16"/);
  });
});

describe('parseRecipe: parameter values', () => {
  const param = (value: unknown) => issuesOf(withStage({ parameters: { lambda: value } }));
  it('rejects strings, objects, nulls and empty lists', () => {
    expect(param('0.5')[0]!).toMatchObject({ at: 'stages[0].parameters.lambda', message: expect.stringMatching(/got a string/) });
    expect(param({ filter: 'mlp', value: 1 })[0]!.message).toMatch(/wrap a single \{filter, value\} entry in a list/);
    expect(param(null)[0]!.message).toMatch(/got null/);
    expect(param([])[0]!.message).toMatch(/empty list/);
  });
  it('rejects non-finite numbers', () => {
    expect(param(Number.NaN)[0]!.message).toMatch(/finite/);
    expect(param([0, Number.POSITIVE_INFINITY])[0]!).toMatchObject({ at: 'stages[0].parameters.lambda[1]' });
  });
  it('rejects mixed lists and malformed filter entries', () => {
    expect(param([0.5, { value: 1 }])[0]!.message).toMatch(/only numbers .* or only \{filter, value\}/);
    const issues = param([{ filter: 3, value: 1 }, { filter: 'mlp' }, { filter: 'x', value: [], extra: 1 }]);
    expect(issues.map((i) => [i.at, i.message])).toEqual([
      ['stages[0].parameters.lambda[0].filter', expect.stringMatching(/a filter is a string/)],
      ['stages[0].parameters.lambda[1].value', 'is required'],
      ['stages[0].parameters.lambda[2]', expect.stringMatching(/unrecognized key "extra"/)],
      ['stages[0].parameters.lambda[2].value', expect.stringMatching(/at least one anchor/)],
    ]);
  });
  it('limits gradients to 1024 anchors', () => {
    expect(parseRecipe(withStage({ parameters: { lambda: new Array(1024).fill(1) } })).ok).toBe(true);
    expect(param(new Array(1025).fill(1))[0]!.message).toMatch(/at most 1024 anchors \(got 1025\)/);
  });
});

describe('parseRecipe: size limits', () => {
  it('at most 64 stages', () => {
    const stages = Array.from({ length: RECIPE_LIMITS.stages + 1 }, (_, i) => ({ name: `s${i}`, merge_method: 'linear', models: [{ model: 'a' }] }));
    expect(issuesOf({ version: 1, stages })).toEqual([expect.objectContaining({ at: 'stages', message: 'at most 64 entries (got 65)' })]);
  });
  it('at most 64 models per stage', () => {
    const models = Array.from({ length: 65 }, (_, i) => ({ model: `m${i}` }));
    expect(issuesOf(withStage({ models }))[0]).toMatchObject({ at: 'stages[0].models', message: 'at most 64 entries (got 65)' });
  });
  it('at most 64 distinct models read by a stage across its slices', () => {
    const slices = Array.from({ length: 65 }, (_, i) => ({ sources: [{ model: `m${i}`, layer_range: [0, 1] }] }));
    expect(issuesOf(withStage({ slices }, 1))[0]!.message).toMatch(/at most 64 distinct models \(this one reads 65\)/);
  });
  it('names of at most 200 characters', () => {
    expect(issuesOf(withStage({ name: 'x'.repeat(201) }))[0]).toMatchObject({ at: 'stages[0].name', message: 'at most 200 characters' });
    expect(issuesOf(withStage({ name: '' }))[0]!.message).toBe('must not be empty');
  });
  it('needs at least one stage', () => {
    expect(issuesOf({ version: 1, stages: [] })[0]).toMatchObject({ at: 'stages', message: 'needs at least 1 entry' });
  });
});

describe('parseRecipe: references', () => {
  it('rejects duplicate stage names', () => {
    expect(issuesOf(withStage({ name: 'experts' }, 1))).toContainEqual(
      expect.objectContaining({ at: 'stages[1].name', message: expect.stringMatching(/already used by stages\[0\]/) }),
    );
  });
  it('rejects a stage that uses itself', () => {
    expect(issuesOf(withStage({ base_model: 'experts' }))[0]).toMatchObject({ at: 'stages[0].base_model', message: expect.stringMatching(/itself/) });
  });
  it('rejects forward references (so no cycles)', () => {
    const issues = issuesOf(withStage({ models: [{ model: 'stack' }] }));
    expect(issues[0]).toMatchObject({ at: 'stages[0].models[0].model', message: expect.stringMatching(/later stage \(stages\[1\]\)/) });
  });
  it('rejects an output that is not a stage', () => {
    expect(issuesOf({ ...valid, output: 'nope' })[0]).toMatchObject({ at: 'output', message: expect.stringMatching(/not a stage name/) });
    expect(parseRecipe({ ...valid, output: 'experts' }).ok).toBe(true);
  });
  it('with zoo ids, rejects unknown models and stage names that shadow zoo ids', () => {
    const zooIds = ['base', 'math'];
    const issues = issuesOf(valid, { zooIds });
    expect(issues).toEqual([
      expect.objectContaining({ at: 'stages[0].models[1].model', message: expect.stringMatching(/unknown model "code"/) }),
    ]);
    expect(issuesOf(withStage({ name: 'extra' }, 1), { zooIds: ['base', 'math', 'code', 'extra'] })[0]).toMatchObject({
      at: 'stages[1].name',
      message: expect.stringMatching(/also a zoo model id/),
    });
    expect(issuesOf(withStage({ tokenizer_source: 'nowhere' }, 1), { zooIds: ['base', 'math', 'code'] })[0]!.at).toBe('stages[1].tokenizer_source');
  });
  it('with method names, rejects unknown methods', () => {
    const issues = issuesOf(withStage({ merge_method: 'tie' }), { methods: ['ties', 'linear'] });
    expect(issues[0]).toMatchObject({ at: 'stages[0].merge_method', message: 'unknown merge method "tie" (known: ties, linear)' });
  });
});

describe('formatIssuePath', () => {
  it('writes JSON paths', () => {
    expect(formatIssuePath(['stages', 0, 'parameters', 'weight', 2])).toBe('stages[0].parameters.weight[2]');
    expect(formatIssuePath(['stages', 1, 'parameters', 'odd-name'])).toBe('stages[1].parameters["odd-name"]');
    expect(formatIssuePath([])).toBe('');
  });
});
