/** mergekit YAML ⇄ recipe: `mergekit-yaml` configurations and `mergekit-multi` files. */
export {
  formatMergekitYamlIssues,
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
export type { MergekitMethodLookup } from './mergekitMethods';
