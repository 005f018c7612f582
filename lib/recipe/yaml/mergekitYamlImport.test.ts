import { describe, expect, it } from 'vitest';
import type { Recipe } from '../schema';
import {
  formatMergekitYamlIssues,
  MERGEKIT_YAML_MAX_CHARS,
  recipeFromMergekitYaml,
  type MergekitYamlIssue,
} from './mergekitYamlImport';

function read(text: string, context = {}): { recipe: Recipe; warnings: MergekitYamlIssue[] } {
  const r = recipeFromMergekitYaml(text, context);
  if (!r.ok) throw new Error(`expected the YAML to be read:\n${formatMergekitYamlIssues(r.issues)}`);
  return r;
}

function issuesOf(text: string, context = {}): MergekitYamlIssue[] {
  const r = recipeFromMergekitYaml(text, context);
  if (r.ok) throw new Error(`expected the YAML to be rejected, got ${JSON.stringify(r.recipe)}`);
  return r.issues;
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

describe('recipeFromMergekitYaml: single configurations', () => {
  it('maps models, parameters, dtype and tokenizer_source', () => {
    const { recipe, warnings } = read(
      lines(
        'merge_method: task_arithmetic',
        'base_model: base',
        'models:',
        '  - model: math',
        '    parameters:',
        '      weight: [0, 0.5, 1]',
        '  - model: code',
        '    parameters:',
        '      weight:',
        '        - filter: mlp',
        '          value: 0.8',
        '        - value: 0.3',
        'parameters:',
        '  lambda: 1.2',
        '  normalize: no', // YAML 1.1, as PyYAML reads it
        'dtype: torch.bfloat16',
        'tokenizer_source: base',
      ),
    );
    expect(warnings).toEqual([]);
    expect(recipe).toEqual({
      version: 1,
      stages: [
        {
          name: 'merged',
          merge_method: 'task_arithmetic',
          base_model: 'base',
          models: [
            { model: 'math', parameters: { weight: [0, 0.5, 1] } },
            { model: 'code', parameters: { weight: [{ filter: 'mlp', value: 0.8 }, { value: 0.3 }] } },
          ],
          parameters: { lambda: 1.2, normalize: false },
          dtype: 'bfloat16',
          tokenizer_source: 'base',
        },
      ],
    });
  });

  it('takes the stage name from `name` and the recipe name from the export comment', () => {
    const { recipe } = read(lines('# Merge Studio recipe "math \\"+\\" code"', 'name: experts', 'merge_method: linear', 'models:', '  - model: a'));
    expect(recipe.name).toBe('math "+" code');
    expect(recipe.stages[0]!.name).toBe('experts');
  });

  it('reads object model references and model paths with revisions', () => {
    const { recipe } = read(
      lines(
        'merge_method: linear',
        'base_model: {model: {path: org/base, revision: v2}}',
        'models:',
        '  - model: {model: org/a}',
        '  - model: org/b@main',
        'tokenizer_source: {model: org/a}',
      ),
    );
    const stage = recipe.stages[0]!;
    expect([stage.base_model, ...stage.models!.map((m) => m.model), stage.tokenizer_source]).toEqual(['org/base@v2', 'org/a', 'org/b@main', 'org/a']);
  });

  it('reads a tokenizer block as tokenizer_source and warns about what it drops', () => {
    const { recipe, warnings } = read(
      lines(
        'merge_method: linear',
        'models:',
        '  - model: a',
        '  - model: b',
        'tokenizer:',
        '  source: b',
        '  pad_to_multiple_of: 64',
        '  tokens:',
        '    <|im_start|>:',
        '      source: a',
      ),
    );
    expect(recipe.stages[0]!.tokenizer_source).toBe('b');
    expect(warnings.map((w) => [w.at, w.line])).toEqual([
      ['tokenizer.tokens', 8],
      ['tokenizer.pad_to_multiple_of', 7],
    ]);
    expect(warnings[0]!.message).toContain('"<|im_start|>"');
    expect(read(lines('merge_method: linear', 'models: [{model: a}]', 'tokenizer: {}')).recipe.stages[0]!.tokenizer_source).toBe('union');
  });

  it('warns about chat_template, out_dtype and residual_weight, and keeps what the studio writes', () => {
    const { recipe, warnings } = read(
      lines(
        'merge_method: passthrough',
        'slices:',
        '  - sources:',
        '      - model: a',
        '        layer_range: [0, 4]',
        '    residual_weight: 0.5',
        'dtype: float32',
        'out_dtype: bfloat16',
        'chat_template: chatml',
      ),
    );
    expect(recipe.stages[0]!.dtype).toBe('bfloat16');
    expect(warnings.map((w) => w.at).sort()).toEqual(['chat_template', 'out_dtype', 'slices[0].residual_weight']);
    expect(warnings.find((w) => w.at === 'out_dtype')!.message).toContain('compute dtype "float32" is not kept');
  });

  it('lifts a per-slice base_model that every slice shares, and rejects one that differs', () => {
    const slices = (a: string, b: string, top = '') =>
      lines(
        'merge_method: slerp',
        ...(top ? [`base_model: ${top}`] : []),
        'slices:',
        '  - sources: [{model: a, layer_range: [0, 2]}, {model: b, layer_range: [0, 2]}]',
        `    base_model: ${a}`,
        '  - sources: [{model: a, layer_range: [2, 4]}, {model: b, layer_range: [2, 4]}]',
        `    base_model: ${b}`,
        'parameters: {t: 0.5}',
      );
    const same = read(slices('a', 'a'));
    expect(same.recipe.stages[0]!.base_model).toBe('a');
    expect(same.warnings.map((w) => w.at)).toEqual(['slices[0].base_model', 'slices[1].base_model']);
    expect(read(slices('a', 'a', 'a')).recipe.stages[0]!.base_model).toBe('a');

    const issues = issuesOf(slices('a', 'b'));
    expect(issues.map((i) => [i.at, i.line])).toEqual([
      ['slices[0].base_model', 4],
      ['slices[1].base_model', 6],
    ]);
    expect(issues[0]!.message).toContain('per-slice base_model');
    expect(issuesOf(slices('a', 'a', 'b')).map((i) => i.at)).toEqual(['slices[0].base_model', 'slices[1].base_model']);
  });
});

describe('recipeFromMergekitYaml: errors', () => {
  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf(lines('merge_method: linear', 'models:', '  - model: a', '    parameters: {weight: 1', '  - model: b'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]!.message).toMatch(/^YAML syntax error: /);
    expect(issues[0]!.line).toBeGreaterThanOrEqual(4);

    const duplicate = issuesOf(lines('merge_method: linear', 'models: [{model: a}]', 'merge_method: ties'));
    expect(duplicate.map((i) => i.line)).toEqual([3]);
    expect(duplicate[0]!.message).toMatch(/unique/);
    expect(formatMergekitYamlIssues(duplicate, 'recipe.yml')).toMatch(/^recipe\.yml:3: YAML syntax error/);
  });

  it('reports unknown keys with their path and line, at every level', () => {
    const issues = issuesOf(
      lines(
        'merge_method: ties',
        'base_model: base',
        'models:',
        '  - model: a',
        '    paramters:',
        '      weight: 1',
        '  - model: b',
        '    parameters:',
        '      weight:',
        '        - filter: mlp',
        '          valeu: 1',
        '        - value: 0.5',
        'paramters:',
        '  density: 0.5',
        'merge: true',
      ),
    );
    expect(issues.map((i) => [i.at, i.line])).toEqual([
      ['models[0].paramters', 5],
      ['models[1].parameters.weight[0]', 10],
      ['models[1].parameters.weight[0].value', 10],
      ['paramters', 13],
      ['merge', 15],
    ]);
    expect(issues[0]!.message).toContain('did you mean "parameters"?');
    expect(issues[3]!.message).toContain('did you mean "parameters"?');
    expect(issues[1]!.message).toContain('"valeu"');

    const nested = issuesOf(
      lines('merge_method: passthrough', 'slices:', '  - sources:', '      - model: a', '        layer_range: [0, 2]', '        layers: 2', '    weight: 1'),
    );
    expect(nested.map((i) => i.at)).toEqual(['slices[0].sources[0].layers', 'slices[0].weight']);
    expect(issuesOf(lines('merge_method: linear', 'models: [{model: a}]', 'tokenizer: {source: a, vocab: 3}')).map((i) => i.at)).toEqual([
      'tokenizer.vocab',
    ]);
  });

  it('reads LoRA references, in string and object form, as model+lora wherever a model goes', () => {
    const { recipe } = read(
      lines(
        'merge_method: task_arithmetic',
        'base_model: org/base',
        'models:',
        '  - model: org/model@v2+org/adapter',
        '  - model: {model: {path: org/b, revision: main}, lora: org/b-lora}',
        '  - model: org/base',
        'tokenizer_source: org/b+org/b-lora',
      ),
    );
    expect(recipe.stages[0]!.models!.map((m) => m.model)).toEqual(['org/model@v2+org/adapter', 'org/b@main+org/b-lora', 'org/base']);
    expect(recipe.stages[0]!.tokenizer_source).toBe('org/b+org/b-lora');
  });

  it('rejects references mergekit cannot parse or the studio cannot represent', () => {
    const issues = issuesOf(
      lines(
        'merge_method: task_arithmetic',
        'base_model: base',
        'models:',
        '  - model: org/model+',
        '  - model: {model: org/b, lora: {path: 3}}',
        '  - model: {model: org/c, override_architecture: MistralForCausalLM}',
        'tokenizer_source: a+b+c',
      ),
    );
    expect(issues.map((i) => [i.at, i.line])).toEqual([
      ['models[0].model', 4],
      ['models[1].model.lora.path', 5],
      ['models[2].model.override_architecture', 6],
      ['tokenizer_source', 7],
    ]);
    expect(issues[0]!.message).toBe('"org/model+" needs a model and a LoRA adapter on both sides of "+"');
    expect(issues[3]!.message).toContain('at most one "+"');
  });

  it('rejects a configuration with both models and slices, or neither', () => {
    const both = issuesOf(lines('merge_method: linear', 'models:', '  - model: a', 'slices:', '  - sources: [{model: a, layer_range: [0, 2]}]'));
    expect(both.map((i) => [i.at, i.line, i.message])).toEqual([['slices', 4, 'a stage has either "models" or "slices", not both']]);
    expect(issuesOf(lines('merge_method: linear')).map((i) => i.message)).toEqual([
      'a stage needs "models" (a list of models to merge) or "slices"',
    ]);
  });

  it('rejects what mergekit would reject or the studio cannot represent', () => {
    const cases: [string, string, RegExp][] = [
      [lines('merge_method: linear', 'models: [{model: a}]', 'modules: {text: {models: [{model: a}]}}'), 'modules', /not supported/],
      [lines('merge_method: linear', 'models: [{model: a}]', 'tokenizer_source: a', 'tokenizer: {source: a}'), 'tokenizer', /both/],
      [lines('merge_method: linear', 'models: [{model: a}]', 'dtype: int64'), 'dtype', /expected one of/],
      [lines('merge_method: linear', 'models: [{model: a, parameters: {weight: {filter: mlp, value: 1}}}]'), 'models[0].parameters.weight', /wrap/],
      [lines('merge_method: passthrough', 'slices: [{sources: [{model: a, layer_range: [0, 2.5]}]}]'), 'slices[0].sources[0].layer_range[1]', /whole number/],
      [lines('merge_method: passthrough', 'slices: [{sources: [{model: a, layer_range: [4, 4]}]}]'), 'slices[0].sources[0].layer_range', /half-open/],
      [lines('models: [{model: a}]'), 'merge_method', /required/],
      [lines('name: 2024', 'merge_method: linear', 'models: [{model: a}]'), 'name', /quote it/],
      [lines('merge_method: linear', 'models: [{model: a, parameters: {weight: "0.5"}}]'), 'models[0].parameters.weight', /got a string/],
    ];
    for (const [text, at, message] of cases) {
      const issues = issuesOf(text);
      expect(issues.map((i) => i.at), text).toEqual([at]);
      expect(issues[0]!.message, text).toMatch(message);
      expect(issues[0]!.line, text).toBeDefined();
    }
    expect(issuesOf('- merge_method: linear\n')[0]!.message).toMatch(/mapping/);
    expect(issuesOf('{"version": 1, "stages": []}').map((i) => i.message)).toEqual([expect.stringContaining('Merge Studio recipe (JSON')]);
    expect(issuesOf('# nothing\n')[0]!.message).toMatch(/no mergekit configuration/);
    expect(issuesOf('x'.repeat(MERGEKIT_YAML_MAX_CHARS + 1))[0]!.message).toMatch(/too long/);
  });

  it('checks method names only against the names it is given', () => {
    const text = lines('merge_method: della', 'base_model: a', 'models: [{model: b, parameters: {weight: 1}}]');
    expect(read(text).recipe.stages[0]!.merge_method).toBe('della');
    const issues = issuesOf(text, { methods: ['linear', 'ties'] });
    expect(issues.map((i) => [i.at, i.line])).toEqual([['merge_method', 1]]);
    expect(issues[0]!.message).toContain('unknown merge method "della"');
  });
});

describe('recipeFromMergekitYaml: mergekit-multi files', () => {
  const multi = lines(
    'name: second',
    'merge_method: slerp',
    'base_model: first',
    'models: [{model: first}, {model: c}]',
    'parameters: {t: 0.5}',
    '---',
    'merge_method: linear',
    'models: [{model: second, parameters: {weight: 1}}, {model: d, parameters: {weight: 1}}]',
    '---',
    'name: first',
    'merge_method: linear',
    'models: [{model: a, parameters: {weight: 1}}, {model: b, parameters: {weight: 1}}]',
  );

  it('maps each document to a stage, in dependency order, the unnamed final merge last', () => {
    const { recipe, warnings } = read(multi);
    expect(warnings).toEqual([]);
    expect(recipe.stages.map((s) => s.name)).toEqual(['first', 'second', 'merged']);
    expect(recipe.stages[1]!.base_model).toBe('first');
    expect(recipe.stages[2]!.models!.map((m) => m.model)).toEqual(['second', 'd']);
    expect(recipe.output).toBeUndefined();
  });

  it('names the unnamed merge so that it does not clash', () => {
    const { recipe } = read(lines('name: merged', 'merge_method: linear', 'models: [{model: a}]', '---', 'merge_method: linear', 'models: [{model: merged}]'));
    expect(recipe.stages.map((s) => s.name)).toEqual(['merged', 'merged-2']);
  });

  it('reports a reference to an unknown stage (given the zoo) with its document and line', () => {
    const text = lines(
      'name: first-merge',
      'merge_method: linear',
      'models: [{model: zoo-a}, {model: zoo-b}]',
      '---',
      'merge_method: task_arithmetic',
      'base_model: frist-merge',
      'models: [{model: zoo-c, parameters: {weight: 1}}]',
    );
    const issues = issuesOf(text, { zooIds: ['zoo-a', 'zoo-b', 'zoo-c'] });
    expect(issues.map((i) => [i.document, i.at, i.line])).toEqual([[1, 'base_model', 6]]);
    expect(issues[0]!.message).toContain('unknown model "frist-merge"');
    expect(formatMergekitYamlIssues(issues)).toBe(`line 6 (document 2): base_model: ${issues[0]!.message}`);

    // Without a zoo list any other name may be a model id: a near miss is a warning.
    const { warnings } = read(text);
    expect(warnings.map((w) => [w.document, w.at])).toEqual([[1, 'base_model']]);
    expect(warnings[0]!.message).toContain('did you mean "first-merge"?');
  });

  it('rejects duplicate names, two unnamed merges, cycles and self references', () => {
    const dup = issuesOf(lines('name: a', 'merge_method: linear', 'models: [{model: x}]', '---', 'name: a', 'merge_method: linear', 'models: [{model: y}]'));
    expect(dup.map((i) => [i.document, i.at, i.line])).toEqual([[1, 'name', 5]]);

    const unnamed = issuesOf(lines('merge_method: linear', 'models: [{model: x}]', '---', 'merge_method: linear', 'models: [{model: y}]'));
    expect(unnamed.map((i) => [i.document, i.line])).toEqual([[1, 4]]);
    expect(unnamed[0]!.message).toContain('one unnamed final merge');

    const cycle = issuesOf(lines('name: a', 'merge_method: linear', 'models: [{model: b}]', '---', 'name: b', 'merge_method: linear', 'models: [{model: a}]'));
    expect(cycle.map((i) => [i.document, i.at, i.line])).toEqual([
      [0, 'models[0].model', 3],
      [1, 'models[0].model', 7],
    ]);
    expect(cycle[0]!.message).toContain('circular dependency between merges "a", "b"');

    const self = issuesOf(lines('name: a', 'merge_method: linear', 'models: [{model: a}]', '---', 'name: b', 'merge_method: linear', 'models: [{model: a}]'));
    expect(self.map((i) => [i.document, i.at])).toEqual([[0, 'models[0].model']]);
    expect(self[0]!.message).toContain('cannot use itself');
  });

  it('warns where mergekit-multi would rewrite a value that names a merge', () => {
    const { warnings } = read(
      lines(
        'name: mlp',
        'merge_method: linear',
        'models: [{model: a}]',
        '---',
        'merge_method: linear',
        'models: [{model: mlp, parameters: {weight: [{filter: mlp, value: 1}, {value: 0.5}]}}]',
      ),
    );
    expect(warnings.map((w) => [w.document, w.at])).toEqual([[1, 'models[0].parameters.weight[0].filter']]);
  });

  it('skips empty documents with a warning', () => {
    const { recipe, warnings } = read(lines('merge_method: linear', 'models: [{model: a}]', '---', '# nothing here'));
    expect(recipe.stages).toHaveLength(1);
    expect(warnings.map((w) => [w.document, w.message])).toEqual([[1, 'empty document: skipped']]);
  });
});
