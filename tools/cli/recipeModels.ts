/**
 * The CLI's way to the models a recipe names: settings from the environment (HF_ENDPOINT,
 * HF_TOKEN, HF_HUB_OFFLINE, MERGE_STUDIO_CACHE), then open → validate → download → reopen from
 * the cache, so nothing is downloaded for a recipe that cannot run.
 */
import { HubClient } from '@/lib/hub/hubClient';
import { DEFAULT_HUB_ENDPOINT } from '@/lib/hub/hubReference';
import type { Recipe } from '@/lib/recipe/schema';
import type { CheckpointSource } from '@/lib/sources/checkpointSource';
import { sourceAsSafetensors } from '@/lib/sources/materialize';
import { formatValidationIssues, validateRecipe } from '@/lib/sources/recipeValidation';
import { SourceError } from '@/lib/sources/sourceError';
import type { ProgressCallback } from '@/lib/sources/transferProgress';
import { validationModels } from '@/lib/sources/validationInputs';
import type { ZooFiles } from '@/lib/zoo/zooFiles';
import { defaultCacheRoot, HubCache } from './hubCache';
import { ModelResolver, type ResolvedModel } from './modelResolver';
import { nodeZooFiles } from '@/lib/zoo/nodeZooFiles';

/** Where models come from: the hub (address, token), the download cache, and where to say what happens. */
export interface ModelEnvironment {
  readonly hub: HubClient;
  readonly cache: HubCache;
  readonly offline: boolean;
  /** Lines for the person running the command (stderr). */
  readonly log: (line: string) => void;
  /** Download progress. */
  readonly onDownload?: ProgressCallback;
}

export function environmentFrom(env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}, onDownload?: ProgressCallback): ModelEnvironment {
  const token = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  return {
    hub: new HubClient({ endpoint: env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT, ...(token ? { token } : {}) }),
    cache: new HubCache(defaultCacheRoot(env)),
    offline: env.HF_HUB_OFFLINE === '1' || env.HF_HUB_OFFLINE?.toLowerCase() === 'true',
    log,
    ...(onDownload ? { onDownload } : {}),
  };
}

/** A message for a source error, with what to do about a gated model here. */
function withHint(error: unknown, environment: ModelEnvironment): unknown {
  if (error instanceof SourceError && error.kind === 'gated' && !environment.hub.hasToken) {
    return new SourceError('gated', `${error.message} (set HF_TOKEN to a token with access)`, { cause: error });
  }
  return error;
}

export interface OpenedModels {
  readonly sources: Map<string, CheckpointSource>;
  close(): Promise<void>;
}

/**
 * Opens the models behind `refs`: headers first; if `recipe` is given it is validated from them
 * (and refused with the reasons before any download); then the weights are downloaded into the
 * cache and the models reopened from it.
 */
export async function openModels(
  refs: readonly string[],
  baseDir: string,
  environment: ModelEnvironment,
  validate?: { readonly recipe: Recipe; readonly keepOutput: boolean },
): Promise<OpenedModels> {
  const resolverOptions = { baseDir, hub: environment.hub, cache: environment.cache, offline: environment.offline, log: environment.log };
  const resolver = new ModelResolver(resolverOptions);
  try {
    const opened: ResolvedModel[] = [];
    for (const ref of refs) opened.push(await resolver.open(ref));
    if (validate) {
      const sources = new Map(opened.map((m) => [m.ref, m.source]));
      const result = validateRecipe(validate.recipe, await validationModels(sources), { keepOutput: validate.keepOutput });
      const warnings = result.issues.filter((i) => i.severity === 'warning');
      if (warnings.length > 0) environment.log(formatValidationIssues(warnings));
      if (!result.ok) throw new Error(`the recipe cannot be merged:\n${formatValidationIssues(result.issues.filter((i) => i.severity === 'error'))}`);
    }
    for (const model of opened) await resolver.download(model, environment.onDownload);
    await resolver.close();
    const sources = new Map<string, CheckpointSource>();
    for (const ref of refs) sources.set(ref, (await resolver.open(ref)).source);
    return { sources, close: () => resolver.close() };
  } catch (error) {
    await resolver.close();
    throw withHint(error, environment);
  }
}

/**
 * The engine's files (`/models/<ref>/…`) served from open sources, the rest (evals, the zoo's
 * reference logits) from the repository's public folder.
 */
export function sourceZooFiles(publicRoot: string, sources: ReadonlyMap<string, CheckpointSource>): ZooFiles {
  const publicFiles = nodeZooFiles(publicRoot);
  const modelFile = (sitePath: string): { source: CheckpointSource; file: string } | null => {
    const match = /^\/models\/([^/]+)\/(.+)$/.exec(sitePath);
    const source = match ? sources.get(decodeURIComponent(match[1]!)) : undefined;
    return source && match ? { source, file: match[2]! } : null;
  };
  const bytes = async (sitePath: string): Promise<Uint8Array> => {
    const found = modelFile(sitePath);
    if (!found) return publicFiles.bytes(sitePath);
    const { source, file } = found;
    if (file === 'config.json') return new TextEncoder().encode(JSON.stringify(source.description.config));
    if (file === 'model.safetensors') return sourceAsSafetensors(source);
    const content = await source.readFile(file);
    if (content === null) throw new SourceError('not-found', `${source.description.label} has no ${file}`);
    return content;
  };
  return { bytes, text: async (sitePath) => new TextDecoder().decode(await bytes(sitePath)) };
}
