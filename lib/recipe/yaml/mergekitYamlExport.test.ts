import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRegistry, MERGE_METHODS } from '@/lib/merge/registry';
import { parseRecipe, type ParamMap, type ParamValue, type Recipe, type RecipeStage } from '../schema';
import { MERGEKIT_METHOD_NAMES } from './mergekitMethods';
import { mergekitYamlFromRecipe } from './mergekitYamlExport';
import { formatMergekitYamlIssues, recipeFromMergekitYaml } from './mergekitYamlImport';

function reread(yaml: string): Recipe {
  const r = recipeFromMergekitYaml(yaml);
  if (!r.ok) throw new Error(`${formatMergekitYamlIssues(r.issues)}\n---\n${yaml}`);
  return r.recipe;
}

const stage = (name: string, merge_method: string, extra: Partial<RecipeStage> = {}): RecipeStage => ({
  name,
  merge_method,
  models: [{ model: 'zoo-a', parameters: { weight: 1 } }, { model: 'zoo-b', parameters: { weight: 1 } }],
  ...extra,
});

describe('mergekitYamlFromRecipe', () => {
  it('writes one stage as one configuration, a named stage with its name and the recipe name as a comment', () => {
    const recipe: Recipe = {
      version: 1,
      name: 'upper-and-shift',
      stages: [
        {
          name: 'experts',
          merge_method: 'task_arithmetic',
          base_model: 'zoo-base',
          models: [
            { model: 'zoo-upper', parameters: { weight: 1 } },
            { model: 'zoo-shift', parameters: { weight: [1, 0.5, 1, 1] } },
          ],
          parameters: { lambda: 0.9 },
        },
      ],
    };
    const { yaml, unsupported } = mergekitYamlFromRecipe(recipe);
    expect(unsupported).toEqual([]);
    expect(yaml).toBe(`# Merge Studio recipe "upper-and-shift"

name: experts
merge_method: task_arithmetic
base_model: zoo-base
models:
  - model: zoo-upper
    parameters:
      weight: 1
  - model: zoo-shift
    parameters:
      weight: [1, 0.5, 1, 1]
parameters:
  lambda: 0.9
`);
    expect(reread(yaml)).toEqual(recipe);
  });

  it('writes several stages as a mergekit-multi file whose documents name the merges they use', () => {
    const recipe: Recipe = {
      version: 1,
      stages: [
        stage('experts', 'linear', { dtype: 'bfloat16' }),
        { name: 'merged', merge_method: 'slerp', base_model: 'experts', models: [{ model: 'experts' }, { model: 'zoo-c' }], parameters: { t: 0.3 } },
      ],
    };
    const { yaml, unsupported } = mergekitYamlFromRecipe(recipe);
    expect(unsupported).toEqual([]);
    const documents = yaml.split(/^---$/m);
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatch(/^# mergekit-multi file: 2 merges.*\n#   mergekit-multi <this file> --intermediate-dir <dir> --out-path <output dir>\n/);
    expect(documents[0]).toContain('\nname: experts\nmerge_method: linear\n');
    // The last stage with the default name is mergekit-multi's unnamed final merge.
    expect(documents[1]).toBe('\nmerge_method: slerp\nbase_model: experts\nmodels:\n  - model: experts\n  - model: zoo-c\nparameters:\n  t: 0.3\n');
    expect(reread(yaml)).toEqual(recipe);

    const allNamed = { ...recipe, stages: [recipe.stages[0]!, { ...recipe.stages[1]!, name: 'final' }] };
    const named = mergekitYamlFromRecipe(allNamed).yaml;
    expect(named).toContain('\nname: final\n');
    expect(named).not.toContain('--out-path');
    expect(reread(named)).toEqual(allNamed);
  });

  it('lists methods mergekit does not have, and still writes them, with a comment at the top', () => {
    const recipe: Recipe = {
      version: 1,
      stages: [
        stage('iso', 'iso_c'),
        stage('cts', 'iso_cts'),
        stage('tsv-m', 'tsv', { models: [{ model: 'iso' }, { model: 'cts' }] }),
        stage('merged', 'ties', { base_model: 'zoo-base', models: [{ model: 'tsv-m', parameters: { weight: 1 } }] }),
      ],
    };
    const { yaml, unsupported } = mergekitYamlFromRecipe(recipe);
    expect(unsupported.map((u) => [u.stage, u.path])).toEqual([
      ['iso', 'merge_method'],
      ['cts', 'merge_method'],
      ['tsv-m', 'merge_method'],
    ]);
    expect(unsupported[0]!.reason).toBe('mergekit has no merge method "iso_c" (it stops with "Unimplemented merge method iso_c")');
    const header = yaml.slice(0, yaml.indexOf('\nname:'));
    expect(header).toContain('# NOT EXPRESSIBLE IN MERGEKIT');
    expect(header).toContain('#   - stage "iso", merge_method: mergekit has no merge method "iso_c"');
    expect(header).toContain('#   - stage "tsv-m", merge_method:');
    expect(yaml).toContain('merge_method: iso_cts');
    expect(reread(yaml)).toEqual(recipe);

    // With the studio registry, a method it marks inMergekit: false is named as such.
    const registry = { get: (name: string) => (name === 'tsv' ? { inMergekit: false, label: 'TSV-M' } : undefined) };
    const withRegistry = mergekitYamlFromRecipe(recipe, { registry }).unsupported.find((u) => u.stage === 'tsv-m')!;
    expect(withRegistry.reason).toContain('"tsv" (TSV-M) is a Merge Studio method that mergekit does not have');
  });

  it("agrees with the studio registry's inMergekit for every registered method", () => {
    for (const method of MERGE_METHODS) {
      const { unsupported } = mergekitYamlFromRecipe({ version: 1, stages: [stage('merged', method.name)] }, { registry: defaultRegistry });
      expect(unsupported.length > 0, method.name).toBe(!method.inMergekit);
    }
    for (const name of MERGEKIT_METHOD_NAMES) {
      expect(mergekitYamlFromRecipe({ version: 1, stages: [stage('merged', name)] }).unsupported, name).toEqual([]);
    }
  });

  it('lists random_seed: a command-line option in mergekit', () => {
    const { yaml, unsupported } = mergekitYamlFromRecipe({ version: 1, stages: [stage('merged', 'dare_ties', { base_model: 'zoo-base', random_seed: 7 })] });
    expect(unsupported).toHaveLength(1);
    expect(unsupported[0]).toMatchObject({ stage: 'merged', path: 'random_seed' });
    expect(unsupported[0]!.reason).toContain('--random-seed 7');
    expect(yaml).not.toMatch(/^random_seed/m);
    expect(yaml.split('\n')[0]).toBe('# NOT EXPRESSIBLE IN MERGEKIT: mergekit will not reproduce this recipe as written:');
  });

  it('lists an output stage that is not the last, references mergekit would misread, and names mergekit-multi would rewrite', () => {
    const recipe: Recipe = {
      version: 1,
      output: 'a',
      stages: [
        stage('a', 'linear'),
        stage('mlp', 'linear', { models: [{ model: 'a', parameters: { weight: [{ filter: 'mlp', value: 1 }, { value: 0.5 }] } }] }),
        stage('c', 'linear', { models: [{ model: 'mlp' }, { model: 'org/model+org/lora+x' }, { model: 'x@y@z' }, { model: 'org/model+org/lora' }] }),
      ],
    };
    const { unsupported } = mergekitYamlFromRecipe(recipe);
    expect(unsupported.map((u) => [u.stage, u.path])).toEqual([
      ['mlp', 'models[0].parameters.weight[0].filter'],
      ['c', 'models[1].model'],
      ['c', 'models[2].model'],
      [null, 'output'],
    ]);
    expect(unsupported[1]!.reason).toContain('"+" separates a model from a LoRA adapter');
    expect(mergekitYamlFromRecipe({ ...recipe, output: 'c' }).unsupported.map((u) => u.path)).not.toContain('output');
  });

  it('round-trips studio recipes: models, slices, filters, booleans, tokenizer keywords and references', () => {
    const recipe: Recipe = {
      version: 1,
      name: 'math + code "v2"',
      stages: [
        {
          name: 'experts',
          merge_method: 'task_arithmetic',
          base_model: 'base',
          models: [
            { model: 'math', parameters: { weight: [0, 0.5, 1] } },
            { model: 'code', parameters: { weight: [{ filter: 'mlp', value: 0.8 }, { filter: '*', value: [0.1, 0.2] }, { value: 0.3 }] } },
          ],
          parameters: { lambda: 1.2, normalize: false },
        },
        {
          name: 'stack',
          merge_method: 'passthrough',
          slices: [
            { sources: [{ model: 'experts', layer_range: [0, 4] }], parameters: {} },
            { sources: [{ model: 'base', layer_range: [2, 6], parameters: { scale: 0.5 } }] },
          ],
          dtype: 'bfloat16',
          tokenizer_source: 'experts',
        },
        {
          name: 'on',
          merge_method: 'linear',
          models: [{ model: 'yes' }, { model: 'stack' }, { model: '0777' }, { model: 'org/base@v1+org/adapter' }],
          tokenizer_source: 'union',
        },
      ],
    };
    const { yaml, unsupported } = mergekitYamlFromRecipe(recipe);
    expect(unsupported).toEqual([]);
    expect(yaml).toContain('- model: org/base@v1+org/adapter');
    expect(yaml).toContain('name: "on"');
    expect(yaml).toContain('- model: "yes"');
    expect(reread(yaml)).toEqual(recipe);
  });

  it('round-trips any recipe mergekit can express (property)', () => {
    const tricky = ['yes', 'No', 'on', 'OFF', 'y', 'n', 'null', '~', '1e5', '0777', '0x1F', '12:30', 'true', '#x', 'a: b', '- x', '[x]', "it's", '"q"', ' lead', 'trail ', 'é ü', ''];
    const word = fc.oneof(fc.constantFrom(...tricky.filter(Boolean)), fc.stringMatching(/^[A-Za-z_][\w.\/-]{0,15}$/));
    const text = fc.oneof(fc.constantFrom(...tricky), fc.string({ maxLength: 20 }));
    const number = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.constantFrom(0, 1, 0.5, 1e-7, 1e-5, 1e21, 5e-324, -2.5e-8),
    );
    const gradient = fc.array(number, { minLength: 1, maxLength: 6 });
    const scalarOrGradient = fc.oneof(number, fc.boolean(), gradient);
    const filterList = fc.array(
      fc.record({ filter: text, value: scalarOrGradient }, { requiredKeys: ['value'] }),
      { minLength: 1, maxLength: 4 },
    );
    const paramValue: fc.Arbitrary<ParamValue> = fc.oneof(number, fc.boolean(), gradient, filterList);
    const paramMap: fc.Arbitrary<ParamMap> = fc.dictionary(
      fc.oneof(fc.constantFrom('weight', 'density', 't', 'lambda', 'normalize', 'filter', 'yes', '1'), word),
      paramValue,
      { maxKeys: 4 },
    );
    const externals = ['zoo-base', 'org/model-a', 'yes', 'null', '1e5', 'model@rev', 'a b'];

    const recipes = fc
      .record({
        name: fc.option(text, { nil: undefined }),
        stageNames: fc.uniqueArray(fc.oneof(fc.constantFrom('merged', 'stage-1', 'NO', 'mlp', '1.5'), word), { minLength: 1, maxLength: 3 }),
        seed: fc.infiniteStream(fc.nat()),
        params: fc.infiniteStream(fc.option(paramMap, { nil: undefined })),
        dtypes: fc.infiniteStream(fc.option(fc.constantFrom('float32', 'float16', 'bfloat16' as const), { nil: undefined })),
      })
      .map(({ name, stageNames, seed, params, dtypes }) => {
        const names = stageNames.filter((n) => !externals.includes(n));
        const pick = <T,>(items: readonly T[]) => items[seed.next().value % items.length]!;
        const stages: RecipeStage[] = names.map((stageName, i) => {
          const refs = [...externals, ...names.slice(0, i)];
          const useSlices = seed.next().value % 3 === 0;
          const base = seed.next().value % 2 === 0 ? pick(refs) : undefined;
          const p = () => params.next().value;
          const s: RecipeStage = { name: stageName, merge_method: pick(MERGEKIT_METHOD_NAMES) };
          if (base !== undefined) s.base_model = base;
          if (useSlices) {
            s.slices = [0, 1].slice(0, 1 + (seed.next().value % 2)).map((k) => {
              const sources = [...new Set([pick(refs), pick(refs)])].map((model) => {
                const parameters = p();
                return { model, layer_range: [4 * k, 4 * k + 4] as [number, number], ...(parameters ? { parameters } : {}) };
              });
              const parameters = p();
              return { sources, ...(parameters ? { parameters } : {}) };
            });
          } else {
            s.models = [...new Set([pick(refs), pick(refs), pick(refs)])].map((model) => {
              const parameters = p();
              return { model, ...(parameters ? { parameters } : {}) };
            });
          }
          const parameters = p();
          if (parameters) s.parameters = parameters;
          const dtype = dtypes.next().value;
          if (dtype) s.dtype = dtype;
          if (seed.next().value % 3 === 0) s.tokenizer_source = pick(['union', 'base', ...refs]);
          return s;
        });
        return { version: 1 as const, ...(name !== undefined ? { name } : {}), stages };
      })
      .filter((r) => r.stages.length > 0 && parseRecipe(r).ok);

    let multiStage = 0;
    fc.assert(
      fc.property(recipes, (recipe) => {
        if (recipe.stages.length > 1) multiStage++;
        const { yaml, unsupported } = mergekitYamlFromRecipe(recipe);
        // Only mergekit-multi's rewriting of strings that name a merge can be reported here.
        for (const part of unsupported) expect(part.reason).toContain('mergekit-multi replaces');
        expect(reread(yaml)).toEqual(recipe);
      }),
      { numRuns: 300 },
    );
    expect(multiStage).toBeGreaterThan(50);
  });
});
