/**
 * Where the CLI finds a model a recipe names. A reference is, in this order:
 *   - `model+adapter`: a LoRA adapter applied to its model (mergekit's form), each side resolved as below;
 *   - a zoo id (public/models/<id>);
 *   - a folder (relative to the recipe's folder, or absolute);
 *   - a hub id, `org/name[@revision]`, or a model page URL, read at the commit the revision
 *     resolves to, through the download cache.
 * A folder or hub repository holding a PEFT adapter is that adapter over the base its
 * adapter_config.json names.
 *
 * Opening reads config, index and headers only (over HTTP for models not cached yet), so a
 * recipe can be validated before anything is downloaded; `download` then fetches what the
 * merge reads into the cache, and `reopen` reads it from there.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { snapshotLabel, type HubClient, type HubSnapshot } from '@/lib/hub/hubClient';
import { formatHubReference, parseHubReference } from '@/lib/hub/hubReference';
import {
  CONFIG_FILE,
  openCheckpoint,
  SHARD_INDEX_FILE,
  TOKENIZER_FILE_NAMES,
  type CheckpointSource,
  type OpenSourceOptions,
} from '@/lib/sources/checkpointSource';
import { ADAPTER_CONFIG_FILE, isLoraAdapter, loraSource, openLoraAdapter } from '@/lib/sources/loraAdapter';
import type { ModelFiles } from '@/lib/sources/modelFiles';
import { folderModelFiles } from '@/lib/sources/nodeModelFiles';
import { SourceError } from '@/lib/sources/sourceError';
import { formatBytes, type ProgressCallback } from '@/lib/sources/transferProgress';
import type { HubCache } from './hubCache';
import { REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';

export interface ResolverOptions {
  /** Relative folder references are resolved against it (the recipe's folder). */
  readonly baseDir: string;
  readonly hub: HubClient;
  readonly cache: HubCache;
  /** Use only what the cache holds (HF_HUB_OFFLINE=1). */
  readonly offline?: boolean;
  /** One line per event worth telling (a revision resolved, a file downloaded). */
  readonly log?: (line: string) => void;
  /** Records reads while opening (what validation costs). */
  readonly openOptions?: OpenSourceOptions;
}

interface HubPart {
  readonly snapshot: HubSnapshot;
  readonly remote: ModelFiles | null;
}

export interface ResolvedModel {
  readonly ref: string;
  readonly source: CheckpointSource;
  /** The hub repositories it reads, for downloading. */
  readonly hubParts: readonly HubPart[];
}

/** The files a merge reads from a model: weights, configs, tokenizer files (no READMEs, no .bin). */
function mergeReads(name: string): boolean {
  return (
    name.endsWith('.safetensors') ||
    name === CONFIG_FILE ||
    name === SHARD_INDEX_FILE ||
    name === ADAPTER_CONFIG_FILE ||
    (TOKENIZER_FILE_NAMES as readonly string[]).includes(name)
  );
}

export class ModelResolver {
  private readonly snapshots = new Map<string, HubSnapshot>();
  private readonly opened: CheckpointSource[] = [];

  constructor(private readonly options: ResolverOptions) {}

  /** Opens a reference from config, index and headers (and, for an adapter, its base's). */
  async open(ref: string): Promise<ResolvedModel> {
    const parts = ref.split('+');
    if (parts.length > 2) throw new SourceError('invalid', `"${ref}": a reference has at most one "+" (model+adapter)`);
    let resolved: ResolvedModel;
    if (parts.length === 2) {
      const [model, adapterRef] = parts as [string, string];
      const base = await this.openLocation(model);
      if (isLoraAdapter(base.files)) throw new SourceError('invalid', `"${model}" in "${ref}" is itself an adapter; the left of "+" is the model the adapter applies to`);
      const adapterAt = await this.openLocation(adapterRef);
      resolved = await this.withAdapter(ref, base, adapterAt);
    } else {
      const at = await this.openLocation(ref);
      if (isLoraAdapter(at.files)) {
        const adapter = await openLoraAdapter(at.files, this.options.openOptions);
        const baseRef = adapter.config.baseModel;
        await adapter.close();
        if (!baseRef) throw new SourceError('invalid', `the adapter "${ref}" does not name its base (base_model_name_or_path); write the reference as base+adapter`);
        const baseAt = await this.openLocation(baseRef, at.dir ?? this.options.baseDir);
        resolved = await this.withAdapter(ref, baseAt, at);
      } else {
        resolved = { ref, source: await openCheckpoint(at.files, this.options.openOptions), hubParts: at.hub ? [at.hub] : [] };
      }
    }
    this.opened.push(resolved.source);
    return resolved;
  }

  private async withAdapter(ref: string, base: Location, adapterAt: Location): Promise<ResolvedModel> {
    const adapter = await openLoraAdapter(adapterAt.files, this.options.openOptions);
    const baseSource = await openCheckpoint(base.files, this.options.openOptions);
    try {
      return { ref, source: loraSource(baseSource, adapter, 'full'), hubParts: [base.hub, adapterAt.hub].filter((p) => p !== undefined) };
    } catch (error) {
      await Promise.all([baseSource.close(), adapter.close()]);
      throw error;
    }
  }

  private async openLocation(text: string, relativeTo: string = this.options.baseDir): Promise<Location> {
    const zoo = path.join(REPO_PUBLIC, 'models', text);
    if (/^[A-Za-z0-9._-]+$/.test(text) && existsSync(path.join(zoo, 'config.json'))) return { files: await folderModelFiles(zoo, text), dir: zoo };
    const local = path.resolve(relativeTo, text);
    if (existsSync(local) && statSync(local).isDirectory()) return { files: await folderModelFiles(local, text), dir: local };
    let reference;
    try {
      reference = parseHubReference(text, this.options.hub.endpoint);
    } catch (error) {
      throw new SourceError('not-found', `model "${text}" is not a zoo model, not a folder, and not a hub model: ${error instanceof Error ? error.message : String(error)}`);
    }
    const snapshot = await this.snapshot(reference.repo, reference.revision);
    const remote = this.options.offline ? null : this.options.hub.modelFiles(snapshot);
    return { files: this.options.cache.files(snapshot, remote), hub: { snapshot, remote } };
  }

  private async snapshot(repo: string, revision: string | null): Promise<HubSnapshot> {
    const key = formatHubReference({ repo, revision });
    const known = this.snapshots.get(key);
    if (known) return known;
    let snapshot: HubSnapshot;
    if (this.options.offline) {
      const recalled = await this.options.cache.recalled(repo, revision ?? 'main');
      if (!recalled) throw new SourceError('not-found', `${key} is not in the download cache, and the hub is offline (HF_HUB_OFFLINE)`);
      snapshot = recalled;
    } else {
      snapshot = await this.options.hub.snapshot({ repo, revision });
      await this.options.cache.remember(snapshot);
    }
    this.options.log?.(`${key} → ${snapshot.repo}@${snapshot.sha}${snapshot.gated && !this.options.hub.hasToken ? ' (gated: set HF_TOKEN)' : ''}`);
    this.snapshots.set(key, snapshot);
    return snapshot;
  }

  /** Downloads into the cache every file the merge reads from the model's hub repositories. */
  async download(model: ResolvedModel, onProgress?: ProgressCallback, signal?: AbortSignal): Promise<void> {
    for (const { snapshot, remote } of model.hubParts) {
      if (!remote) continue;
      const fetched: string[] = [];
      let bytes = 0;
      for (const file of snapshot.files.filter((f) => mergeReads(f.name))) {
        const outcome = await this.options.cache.download(snapshot, remote, file.name, { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
        if (outcome === 'downloaded') {
          fetched.push(file.name);
          bytes += file.size ?? 0;
        }
      }
      if (fetched.length > 0) this.options.log?.(`downloaded ${snapshotLabel(snapshot)}: ${fetched.join(', ')} (${formatBytes(bytes)})`);
    }
  }

  /** Closes every source opened so far. */
  async close(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((s) => s.close()));
  }
}

interface Location {
  readonly files: ModelFiles;
  /** The folder, for a local model (an adapter's relative base is resolved against it). */
  readonly dir?: string;
  readonly hub?: HubPart;
}
