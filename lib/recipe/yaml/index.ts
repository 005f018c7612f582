/** mergekit YAML ⇄ recipe: `mergekit-yaml` configurations and `mergekit-multi` files. */
export {
  formatMergekitYamlIssues,
  MERGEKIT_YAML_MAX_CHARS,
  recipeFromMergekitYaml,
  type MergekitYamlIssue,
  type RecipeFromMergekitYamlResult,
} from './mergekitYamlImport';
export {
  mergekitYamlFromRecipe,
  type MergekitUnsupportedPart,
  type MergekitYamlExport,
  type MergekitYamlExportOptions,
} from './mergekitYamlExport';
export { MERGEKIT_METHOD_NAMES, methodNotInMergekit, type MergekitMethodLookup } from './mergekitMethods';
export { DEFAULT_STAGE_NAME } from './mergekitReference';
