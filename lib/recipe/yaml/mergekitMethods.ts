/**
 * What mergekit itself can run: a fact about mergekit, not about the studio.
 *
 * The YAML layer does not depend on which methods the studio implements (the registry
 * grows while recipes keep their meaning); export uses this list to say when a stage
 * names a method mergekit does not have. A caller may pass the studio registry so that
 * a method flagged `inMergekit: false` there is reported too.
 */

/**
 * mergekit's `REGISTERED_MERGE_METHODS` (mergekit/merge_methods/registry.py and the
 * `@merge_method` definitions imported by mergekit/merge_methods/__init__.py).
 */
export const MERGEKIT_METHOD_NAMES: readonly string[] = [
  'linear',
  'slerp',
  'nuslerp',
  'multislerp',
  'karcher',
  'passthrough',
  'model_stock',
  'arcee_fusion',
  'nearswap',
  'task_arithmetic',
  'ties',
  'dare_ties',
  'dare_linear',
  'breadcrumbs',
  'breadcrumbs_ties',
  'della',
  'della_linear',
  'sce',
  'ram',
  'ramplus_tl',
];

/** The part of the studio's method registry the export reads (lib/merge/registry's `MethodRegistry` fits). */
export interface MergekitMethodLookup {
  get(name: string): { readonly inMergekit: boolean; readonly label?: string } | undefined;
}

/** Why mergekit cannot run a method, or undefined when it can. */
export function methodNotInMergekit(method: string, registry?: MergekitMethodLookup): string | undefined {
  const known = registry?.get(method);
  if (known) {
    if (known.inMergekit) return undefined;
    return `"${method}"${known.label ? ` (${known.label})` : ''} is a Merge Studio method that mergekit does not have: mergekit stops with "Unimplemented merge method ${method}"`;
  }
  if (MERGEKIT_METHOD_NAMES.includes(method)) return undefined;
  return `mergekit has no merge method "${method}" (it stops with "Unimplemented merge method ${method}")`;
}
