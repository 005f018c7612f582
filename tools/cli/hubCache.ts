/**
 * The CLI's download cache for hub models, on disk, keyed by repository, commit sha and file:
 *
 *   <root>/hub/<org>/<name>/<sha>/<file>              a file as the hub served it at that commit
 *   <root>/hub/<org>/<name>/<sha>/.snapshot.json      the commit's file list (sizes, hashes)
 *   <root>/hub/<org>/<name>/refs/<revision>           the sha a revision last resolved to (for offline use)
 *
 * A commit's files never change, so a cached file is used as it is; a download goes to a
 * `.partial` file first and is renamed when complete. `<root>` is $MERGE_STUDIO_CACHE, else
 * $XDG_CACHE_HOME/merge-studio, else ~/.cache/merge-studio. Nothing secret is written.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HubSnapshot } from '@/lib/hub/hubClient';
import { fileReader } from '@/lib/sources/nodeModelFiles';
import { missingFile, type FileInfo, type ModelFiles, type OpenFileOptions } from '@/lib/sources/modelFiles';
import { SourceError } from '@/lib/sources/sourceError';

const DOWNLOAD_CHUNK_BYTES = 16 * 2 ** 20;

export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MERGE_STUDIO_CACHE) return path.resolve(env.MERGE_STUDIO_CACHE);
  return path.join(env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache'), 'merge-studio');
}

export class HubCache {
  constructor(readonly root: string) {}

  private repoDir(repo: string): string {
    const [org, name] = repo.split('/');
    return path.join(this.root, 'hub', org ?? '', name ?? '');
  }

  filePath(snapshot: Pick<HubSnapshot, 'repo' | 'sha'>, file: string): string {
    return path.join(this.repoDir(snapshot.repo), snapshot.sha, ...file.split('/'));
  }

  /** The file is cached whole (its size as listed, when the listing says). */
  async has(snapshot: HubSnapshot, file: FileInfo): Promise<boolean> {
    const where = this.filePath(snapshot, file.name);
    if (!existsSync(where)) return false;
    return file.size === undefined || (await stat(where)).size === file.size;
  }

  async remember(snapshot: HubSnapshot): Promise<void> {
    const dir = path.join(this.repoDir(snapshot.repo), snapshot.sha);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, '.snapshot.json'), JSON.stringify(snapshot));
    const refs = path.join(this.repoDir(snapshot.repo), 'refs');
    await mkdir(refs, { recursive: true });
    await writeFile(path.join(refs, encodeURIComponent(snapshot.revision)), snapshot.sha);
  }

  /** A snapshot resolved before (offline use), or null. */
  async recalled(repo: string, revision: string): Promise<HubSnapshot | null> {
    const shaFile = path.join(this.repoDir(repo), 'refs', encodeURIComponent(revision));
    const sha = existsSync(shaFile) ? (await readFile(shaFile, 'utf8')).trim() : /^[0-9a-f]{40}$/.test(revision) ? revision : null;
    if (sha === null) return null;
    const listing = path.join(this.repoDir(repo), sha, '.snapshot.json');
    if (!existsSync(listing)) return null;
    return JSON.parse(await readFile(listing, 'utf8')) as HubSnapshot;
  }

  /**
   * Files of a snapshot: from the cache where cached, else from `remote` (read by range,
   * not cached: headers are read this way before validation decides anything is downloaded).
   */
  files(snapshot: HubSnapshot, remote: ModelFiles | null): ModelFiles {
    const result: ModelFiles = {
      label: remote?.label ?? `${snapshot.repo}@${snapshot.sha.slice(0, 7)}`,
      files: snapshot.files,
      open: async (name: string, options?: OpenFileOptions) => {
        const info = snapshot.files.find((f) => f.name === name);
        if (!info) throw missingFile(result, name);
        if (await this.has(snapshot, info)) return fileReader(this.filePath(snapshot, name), `${result.label}: ${name}`);
        if (!remote) throw new SourceError('not-found', `${result.label}: ${name} is not in the download cache, and the hub is offline (HF_HUB_OFFLINE)`);
        return remote.open(name, options);
      },
    };
    return result;
  }

  /** Downloads a file into the cache (unless cached), chunk by chunk, reporting progress. */
  async download(snapshot: HubSnapshot, remote: ModelFiles, name: string, options: OpenFileOptions = {}): Promise<'cached' | 'downloaded'> {
    const info = snapshot.files.find((f) => f.name === name);
    if (!info) throw missingFile(remote, name);
    if (await this.has(snapshot, info)) return 'cached';
    const target = this.filePath(snapshot, name);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    const reader = await remote.open(name, options);
    const handle = await open(partial, 'w');
    try {
      for (let offset = 0; offset < reader.size; offset += DOWNLOAD_CHUNK_BYTES) {
        const length = Math.min(DOWNLOAD_CHUNK_BYTES, reader.size - offset);
        await handle.write(await reader.read(offset, length, options));
      }
    } catch (error) {
      await handle.close();
      await rm(partial, { force: true });
      throw error;
    }
    await handle.close();
    await rename(partial, target);
    return 'downloaded';
  }
}
