/**
 * Recipe → mergekit YAML.
 *
 * One stage is one `mergekit-yaml` configuration; several stages are a `mergekit-multi`
 * file: one YAML document per stage, in recipe order, each with its `name` so that
 * later documents can use it as a model (the last stage, when it has the default name,
 * is written as mergekit-multi's unnamed final merge). Keys come in the order people
 * write them: name, merge_method, base_model, models/slices, parameters, dtype,
 * tokenizer_source; lists of numbers (gradients, layer ranges) in flow style, as
 * mergekit's own dumper writes them.
 *
 * Everything mergekit can express is written so that reading it back gives the same
 * recipe (mergekitYamlImport.ts). What mergekit cannot run or express (a studio-only
 * method, `random_seed`, an output stage that is not the last, a reference mergekit would
 * misread) is still written as it is, listed in `unsupported` with the reason, and
 * repeated in a comment at the top of the file.
 *
 * The text is YAML 1.1 as PyYAML reads it (pyYamlTags.ts): strings PyYAML would take for
 * booleans or numbers are quoted, floats in exponent form keep a decimal point.
 */
import { Document, isScalar, visit } from 'yaml';
import {
  formatIssuePath,
  stageReferences,
  type ParamMap,
  type ParamValue,
  type Recipe,
  type RecipeStage,
} from '../schema';
import { methodNotInMergekit, type MergekitMethodLookup } from './mergekitMethods';
import { pyYamlTags } from './pyYamlTags';
import { DEFAULT_STAGE_NAME, mergekitModelPath, nonReferenceStrings, referenceExportProblem } from './mergekitReference';
import { RECIPE_NAME_COMMENT } from './mergekitYamlImport';

export interface MergekitUnsupportedPart {
  /** The stage the part belongs to; null for the recipe as a whole. */
  readonly stage: string | null;
  /** Where, relative to the stage (or the recipe): `merge_method`, `random_seed`, `models[0].model`, `output`. */
  readonly path: string;
  readonly reason: string;
}

export interface MergekitYamlExport {
  readonly yaml: string;
  /** Empty when mergekit runs the YAML exactly as the studio runs the recipe. */
  readonly unsupported: MergekitUnsupportedPart[];
}

export interface MergekitYamlExportOptions {
  /** The studio's method registry: methods it marks `inMergekit: false` are reported (see mergekitMethods.ts). */
  readonly registry?: MergekitMethodLookup;
}

// ---------------------------------------------------------------------------
// What mergekit cannot express

function unsupportedParts(recipe: Recipe, registry: MergekitMethodLookup | undefined): MergekitUnsupportedPart[] {
  const parts: MergekitUnsupportedPart[] = [];
  const multi = recipe.stages.length > 1;
  const names = new Set(recipe.stages.map((s) => s.name));
  const seeds = new Set(recipe.stages.map((s) => s.random_seed).filter((s) => s !== undefined));

  for (const stage of recipe.stages) {
    const add = (path: (string | number)[], reason: string) => parts.push({ stage: stage.name, path: formatIssuePath(path), reason });

    const method = methodNotInMergekit(stage.merge_method, registry);
    if (method) add(['merge_method'], method);

    if (stage.random_seed !== undefined) {
      add(
        ['random_seed'],
        `mergekit has no random_seed key: it takes the seed on its command line (--random-seed ${stage.random_seed})` +
          (seeds.size > 1 ? ', one seed for every merge of a mergekit-multi run' : '') +
          "; mergekit draws with torch's generator, so its random masks still differ from the studio's",
      );
    }

    for (const { ref, path } of stageReferences(stage)) {
      const problem = referenceExportProblem(ref);
      if (problem) add(path, problem);
      else if (multi && names.has(ref) && mergekitModelPath(ref) !== ref) {
        add(path, `mergekit-multi matches a merge by the model path of a reference ("${mergekitModelPath(ref)}" in "${ref}"), so it never finds the merge "${ref}"`);
      }
    }

    if (multi) {
      for (const { value, path } of nonReferenceStrings(stage)) {
        const modelPath = mergekitModelPath(value);
        if (modelPath !== undefined && names.has(modelPath)) {
          add(path, `mergekit-multi replaces "${value}" with the path of the merge "${modelPath}" (it rewrites every string naming a merge); rename that stage`);
        }
      }
    }
  }

  const last = recipe.stages[recipe.stages.length - 1]?.name;
  if (recipe.output !== undefined && recipe.output !== last) {
    parts.push({
      stage: null,
      path: 'output',
      reason: `mergekit${multi ? '-multi' : ''} has no output setting: it runs every merge, and the studio's output stage "${recipe.output}" is not the last one ("${last}")`,
    });
  }
  return parts;
}

// ---------------------------------------------------------------------------
// Documents

function paramValue(value: ParamValue): unknown {
  if (!Array.isArray(value) || value.every((v) => typeof v === 'number')) return value;
  return (value as Exclude<ParamValue, number | boolean | number[]>).map((entry) =>
    entry.filter !== undefined ? { filter: entry.filter, value: entry.value } : { value: entry.value },
  );
}

function paramMap(map: ParamMap | undefined): Record<string, unknown> | undefined {
  if (map === undefined) return undefined;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, paramValue(v)]));
}

function defined(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

/** One stage as a mergekit configuration, keys in hand-written order. */
function configOf(stage: RecipeStage, name: string | undefined): Record<string, unknown> {
  return defined([
    ['name', name],
    ['merge_method', stage.merge_method],
    ['base_model', stage.base_model],
    ['models', stage.models?.map((m) => defined([['model', m.model], ['parameters', paramMap(m.parameters)]]))],
    [
      'slices',
      stage.slices?.map((slice) =>
        defined([
          [
            'sources',
            slice.sources.map((src) =>
              defined([
                ['model', src.model],
                ['layer_range', [...src.layer_range]],
                ['parameters', paramMap(src.parameters)],
              ]),
            ),
          ],
          ['parameters', paramMap(slice.parameters)],
        ]),
      ),
    ],
    ['parameters', paramMap(stage.parameters)],
    ['dtype', stage.dtype],
    ['tokenizer_source', stage.tokenizer_source],
  ]);
}

function yamlDocument(config: Record<string, unknown>, comment: string | undefined): string {
  const doc = new Document(config, { version: '1.1', customTags: pyYamlTags });
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.length > 0 && seq.items.every((item) => isScalar(item) && typeof item.value === 'number')) seq.flow = true;
    },
  });
  if (comment !== undefined) doc.commentBefore = comment;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function headerComment(recipe: Recipe, unsupported: readonly MergekitUnsupportedPart[], finalUnnamed: boolean): string | undefined {
  const lines: string[] = [];
  if (recipe.name !== undefined) lines.push(`${RECIPE_NAME_COMMENT} ${JSON.stringify(recipe.name)}`);
  if (recipe.stages.length > 1) {
    lines.push(
      `mergekit-multi file: ${recipe.stages.length} merges, each document names the merges it uses; run it with`,
      `  mergekit-multi <this file> --intermediate-dir <dir>${finalUnnamed ? ' --out-path <output dir>' : ''}`,
    );
  }
  if (unsupported.length > 0) {
    lines.push('NOT EXPRESSIBLE IN MERGEKIT: mergekit will not reproduce this recipe as written:');
    for (const part of unsupported) {
      lines.push(`  - ${part.stage !== null ? `stage "${part.stage}", ` : ''}${part.path}: ${part.reason}`.replace(/\r?\n/g, ' '));
    }
  }
  return lines.length > 0 ? lines.map((l) => ` ${l}`).join('\n') : undefined;
}

/**
 * The recipe as mergekit YAML: one document per stage (a mergekit-multi file when
 * there are several), with what mergekit cannot express listed in `unsupported` and in
 * a comment at the top.
 */
export function mergekitYamlFromRecipe(recipe: Recipe, options: MergekitYamlExportOptions = {}): MergekitYamlExport {
  const unsupported = unsupportedParts(recipe, options.registry);
  const count = recipe.stages.length;
  // A stage with the default name goes without `name:` where it is the last (mergekit-multi's
  // unnamed final merge, or a lone configuration): reading it back gives the same name.
  const nameWritten = (stage: RecipeStage, i: number) => (i === count - 1 && stage.name === DEFAULT_STAGE_NAME ? undefined : stage.name);
  const finalUnnamed = count > 1 && nameWritten(recipe.stages[count - 1]!, count - 1) === undefined;
  const comment = headerComment(recipe, unsupported, finalUnnamed);
  const documents = recipe.stages.map((stage, i) => yamlDocument(configOf(stage, nameWritten(stage, i)), i === 0 ? comment : undefined));
  return { yaml: documents.join('---\n'), unsupported };
}
