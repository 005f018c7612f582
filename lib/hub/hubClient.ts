/**
 * The Hugging Face hub's HTTP interface, as far as opening a model needs it:
 *
 *   GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true  → the commit sha and the file list (sizes, hashes)
 *   GET {endpoint}/{repo}/resolve/{sha}/{file}                  → bytes, by Range (a redirect to a CDN for large files)
 *
 * A model is always read at a commit sha, so everything read (and cached) from it is fixed.
 * The token lives in this object only: it is sent as an Authorization header, and is never in
 * a URL, a message, or anything this object returns.
 */
import { z } from 'zod';
import { discard, get, readBodyText, statusError, withRetries, type HttpPolicy } from '@/lib/sources/httpRequest';
import { httpModelFiles, type FileInfo, type ModelFiles } from '@/lib/sources/modelFiles';
import { SourceError } from '@/lib/sources/sourceError';
import { DEFAULT_HUB_ENDPOINT, formatHubReference, isCommitSha, repoIdProblem, type HubReference } from './hubReference';

export interface HubClientOptions extends Omit<HttpPolicy, 'headers'> {
  /** The hub's address (default https://huggingface.co): a mirror, a self-hosted hub, the tests' loopback hub. */
  readonly endpoint?: string;
  /** An access token for gated or private models. */
  readonly token?: string;
}

/** A repository at one commit: what a recipe pins and a cache keys by. */
export interface HubSnapshot {
  readonly repo: string;
  /** The revision asked for (`main`, a tag, a sha). */
  readonly revision: string;
  /** The commit it resolved to. */
  readonly sha: string;
  readonly files: readonly FileInfo[];
  /** The hub marks the repository gated: reading its files needs a token with access. */
  readonly gated: boolean;
}

const DEFAULT_REVISION = 'main';

const revisionSchema = z.looseObject({
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  gated: z.union([z.boolean(), z.string()]).optional(),
  siblings: z.array(
    z.looseObject({
      rfilename: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      blobId: z.string().optional(),
      lfs: z.looseObject({ sha256: z.string(), size: z.number().int().nonnegative() }).optional(),
    }),
  ),
});

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** `org/name@1a2b3c4`: a snapshot as messages name it. */
export function snapshotLabel(snapshot: Pick<HubSnapshot, 'repo' | 'sha'>): string {
  return `${snapshot.repo}@${snapshot.sha.slice(0, 7)}`;
}

export class HubClient {
  readonly endpoint: string;
  readonly #token: string | undefined;
  readonly #policy: Omit<HttpPolicy, 'headers'>;

  constructor(options: HubClientOptions = {}) {
    const { endpoint, token, ...policy } = options;
    this.endpoint = (endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
    this.#token = token === '' ? undefined : token;
    this.#policy = policy;
  }

  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  private policy(signal?: AbortSignal): HttpPolicy {
    return {
      ...this.#policy,
      ...(signal ? { signal } : {}),
      ...(this.#token !== undefined ? { headers: { Authorization: `Bearer ${this.#token}` } } : {}),
    };
  }

  /** The commit a revision points at, and its files. */
  async snapshot(reference: HubReference, options: { signal?: AbortSignal } = {}): Promise<HubSnapshot> {
    const problem = repoIdProblem(reference.repo);
    if (problem) throw new SourceError('invalid', problem);
    const revision = reference.revision ?? DEFAULT_REVISION;
    const label = formatHubReference({ repo: reference.repo, revision });
    const url = `${this.endpoint}/api/models/${encodePath(reference.repo)}/revision/${encodeURIComponent(revision)}?blobs=true`;
    const policy = this.policy(options.signal);
    const text = await withRetries(policy, label, async (attempt) => {
      const response = await get(url, policy, attempt, { Accept: 'application/json' });
      const failed = statusError(response, label, policy);
      if (failed) {
        await discard(response);
        throw failed;
      }
      return readBodyText(response, attempt);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SourceError('protocol', `${label}: the hub's answer is not JSON; is ${this.endpoint} a Hugging Face hub?`);
    }
    const parsed = revisionSchema.safeParse(json);
    if (!parsed.success) {
      throw new SourceError('protocol', `${label}: the hub's answer has no commit sha and file list; is ${this.endpoint} a Hugging Face hub?`);
    }
    const { sha, siblings, gated } = parsed.data;
    if (isCommitSha(revision) && revision !== sha) {
      throw new SourceError('protocol', `${label}: the hub answered for commit ${sha}, not the one asked for`);
    }
    const files: FileInfo[] = siblings.map((s) => ({
      name: s.rfilename,
      ...(s.size !== undefined ? { size: s.size } : {}),
      ...(s.lfs ? { sha256: s.lfs.sha256 } : s.blobId !== undefined ? { gitSha1: s.blobId } : {}),
    }));
    return { repo: reference.repo, revision, sha, files, gated: gated !== undefined && gated !== false };
  }

  /** Where a file of a snapshot is served (no token in it: it goes in a header). */
  fileUrl(snapshot: Pick<HubSnapshot, 'repo' | 'sha'>, file: string): string {
    return `${this.endpoint}/${encodePath(snapshot.repo)}/resolve/${snapshot.sha}/${encodePath(file)}`;
  }

  /** The snapshot's files, read by Range requests at its commit. */
  modelFiles(snapshot: HubSnapshot, options: { signal?: AbortSignal } = {}): ModelFiles {
    return httpModelFiles({
      ...this.policy(options.signal),
      label: snapshotLabel(snapshot),
      files: snapshot.files,
      url: (name) => this.fileUrl(snapshot, name),
    });
  }
}
