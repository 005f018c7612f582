/**
 * A loopback Hugging Face hub for tests (Node only): serves folders as model repositories with
 * the hub's HTTP interface, and logs every request so a test can assert what was read.
 *
 *   GET  /api/models/{org}/{name}/revision/{rev}[?blobs=true]   → { id, sha, siblings[{rfilename, size?, blobId?, lfs?}], gated }
 *   GET  /{org}/{name}/resolve/{rev}/{file}                     → the file (Range, ETag); large files answer
 *        302 to /cdn/…, as the hub sends LFS files to its CDN
 *   GET  /cdn/{org}/{name}/{sha}/{file}?sig=…                   → the file (Range, ETag)
 *
 *   GET  {prefix}/{path}                                        → a file of a static folder (Range, ETag), like `next start` serves public/
 *
 * Every answer allows cross-origin reads (CORS, preflights included), so a page can use it too.
 * Gated repositories answer 401 without a token and 403 with a wrong one, as the hub does.
 * Faults can be injected per request: a status, a body cut after n bytes, a stall, Range
 * ignored, or a file served shorter than the repository lists it (a truncated shard).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { listFolder } from '@/lib/sources/nodeModelFiles';

export interface HubRepo {
  /** `org/name`. */
  readonly id: string;
  /** The folder whose files the repository holds. */
  readonly dir: string;
  /** Commit sha (40 hex digits); default: derived from the id and the file list. */
  readonly sha?: string;
  /** Needs the server's token to read files. */
  readonly gated?: boolean;
}

export interface HubServerOptions {
  readonly repos?: readonly HubRepo[];
  /** The token that opens gated repositories. */
  readonly token?: string;
  /** Files at least this large, and every `.safetensors` file, are "LFS": resolved by a redirect to the CDN (default 1 MiB). */
  readonly lfsThresholdBytes?: number;
  /** Plain folders served under a path prefix with Range and ETag, as a web server serves static files (`{'/site': 'public'}`). */
  readonly staticDirs?: Readonly<Record<string, string>>;
}

export type RequestKind = 'api' | 'resolve' | 'cdn' | 'static' | 'other';

export interface LoggedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly kind: RequestKind;
  readonly repo: string | null;
  readonly file: string | null;
  /** The byte range served (inclusive), whole-file answers included; null for redirects, errors and API calls. */
  readonly range: readonly [number, number] | null;
  readonly status: number;
  readonly authorized: boolean;
}

export type FaultEffect =
  | { readonly status: number; readonly errorCode?: string }
  /** End the body cleanly after this many bytes (no Content-Length: a proxy that stops short). */
  | { readonly cutAfterBytes: number }
  /** Announce the full length, send this many bytes, then drop the connection. */
  | { readonly dropAfterBytes: number }
  /** Send the headers, then nothing. */
  | { readonly stall: true }
  /** Answer 200 with the whole file whatever the Range. */
  | { readonly ignoreRange: true }
  /** Serve the file as if it had only this many bytes (the repository still lists the full size). */
  | { readonly serveBytes: number };

export interface Fault {
  readonly kind?: RequestKind;
  readonly repo?: string;
  /** Exact file name, or a pattern. */
  readonly file?: string | RegExp;
  /** Matching requests let through before the fault starts (default 0). */
  readonly skip?: number;
  /** Matching requests the fault hits, then it is spent (default: all). */
  readonly times?: number;
  readonly effect: FaultEffect;
}

export interface HubServer {
  /** `http://127.0.0.1:PORT`, to pass as the hub endpoint. */
  readonly endpoint: string;
  readonly requests: LoggedRequest[];
  /** Adds a repository, or a new commit of one (its `main` then points at it). */
  addRepo(repo: HubRepo): Promise<string>;
  /** The sha `main` of a repository points at. */
  shaOf(repo: string): string;
  fault(fault: Fault): void;
  clearFaults(): void;
  /** Forgets the request log and every fault (between tests). */
  reset(): void;
  /** Requests that read safetensors bytes past the header (tensor data). */
  weightRequests(): LoggedRequest[];
  close(): Promise<void>;
}

interface RepoFile {
  readonly name: string;
  readonly fullPath: string;
  readonly size: number;
  readonly lfs: boolean;
  /** sha256 of the content (LFS) or git blob sha1 (the rest), computed on first use. */
  hash?: string;
  /** For safetensors files: 8 + header length. */
  dataStart?: number;
}

interface Commit {
  readonly repo: HubRepo;
  readonly sha: string;
  readonly files: ReadonlyMap<string, RepoFile>;
}

interface ActiveFault extends Fault {
  seen: number;
  hits: number;
}

async function hashFile(file: RepoFile): Promise<string> {
  if (file.hash !== undefined) return file.hash;
  const hash = file.lfs ? createHash('sha256') : createHash('sha1').update(`blob ${file.size}\0`);
  for await (const chunk of createReadStream(file.fullPath)) hash.update(chunk as Buffer);
  file.hash = hash.digest('hex');
  return file.hash;
}

/** Reads a safetensors file's header length, so `weightRequests` can tell header reads from tensor reads. */
async function dataStartOf(file: RepoFile): Promise<number | undefined> {
  if (!file.name.endsWith('.safetensors') || file.size < 8) return undefined;
  const handle = await open(file.fullPath, 'r');
  try {
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    return 8 + Number(prefix.readBigUInt64LE(0));
  } finally {
    await handle.close();
  }
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` against a size; 'unsatisfiable', or null for no (usable) header. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (Number(match[2]) < start && match[2] !== '') return null;
  }
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

export async function startHubServer(options: HubServerOptions = {}): Promise<HubServer> {
  const lfsThreshold = options.lfsThresholdBytes ?? 2 ** 20;
  const secret = randomBytes(16).toString('hex');
  const commits = new Map<string, Commit[]>();
  const staticSites = new Map<string, Commit>();
  const requests: LoggedRequest[] = [];
  let faults: ActiveFault[] = [];
  let endpoint = '';

  async function folderFiles(dir: string): Promise<Map<string, RepoFile>> {
    const files = new Map<string, RepoFile>();
    for (const { name, size = 0 } of await listFolder(dir)) {
      const fullPath = path.join(dir, ...name.split('/'));
      const file: RepoFile = { name, fullPath, size, lfs: name.endsWith('.safetensors') || size >= lfsThreshold };
      file.dataStart = await dataStartOf(file);
      // Hashed up front, as the hub has them: a request never waits for a large file's sha256.
      await hashFile(file);
      files.set(name, file);
    }
    return files;
  }

  async function addRepo(repo: HubRepo): Promise<string> {
    const files = await folderFiles(repo.dir);
    const sha =
      repo.sha ??
      createHash('sha1')
        .update(`${repo.id}\n${[...files.values()].map((f) => `${f.name}:${f.size}`).join('\n')}\n${(commits.get(repo.id)?.length ?? 0)}`)
        .digest('hex');
    const list = commits.get(repo.id) ?? [];
    list.push({ repo, sha, files });
    commits.set(repo.id, list);
    return sha;
  }

  function findCommit(id: string, revision: string): Commit | 'no-repo' | 'no-revision' {
    const list = commits.get(id);
    if (!list || list.length === 0) return 'no-repo';
    if (revision === 'main') return list[list.length - 1]!;
    return list.find((c) => c.sha === revision) ?? 'no-revision';
  }

  const signature = (urlPath: string) => createHash('sha256').update(`${secret}${urlPath}`).digest('hex').slice(0, 32);

  function takeFault(kind: RequestKind, repo: string | null, file: string | null): FaultEffect | null {
    for (const fault of faults) {
      if (fault.kind !== undefined && fault.kind !== kind) continue;
      if (fault.repo !== undefined && fault.repo !== repo) continue;
      if (fault.file !== undefined) {
        if (file === null) continue;
        if (typeof fault.file === 'string' ? fault.file !== file : !fault.file.test(file)) continue;
      }
      fault.seen++;
      if (fault.seen <= (fault.skip ?? 0)) continue;
      if (fault.times !== undefined && fault.hits >= fault.times) continue;
      fault.hits++;
      return fault.effect;
    }
    return null;
  }

  function authorization(request: IncomingMessage): 'none' | 'valid' | 'invalid' {
    const header = request.headers.authorization;
    if (!header) return 'none';
    return options.token !== undefined && header === `Bearer ${options.token}` ? 'valid' : 'invalid';
  }

  function log(request: IncomingMessage, entry: Omit<LoggedRequest, 'method' | 'url' | 'authorized'>): void {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '', authorized: authorization(request) === 'valid', ...entry });
  }

  function sendError(response: ServerResponse, status: number, code: string | null, message: string): void {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-error-message': message };
    if (code) headers['x-error-code'] = code;
    response.writeHead(status, headers);
    response.end(JSON.stringify({ error: message }));
  }

  async function serveApi(request: IncomingMessage, response: ServerResponse, id: string, revision: string, blobs: boolean) {
    const fault = takeFault('api', id, null);
    if (fault && 'status' in fault) {
      log(request, { kind: 'api', repo: id, file: null, range: null, status: fault.status });
      return sendError(response, fault.status, fault.errorCode ?? null, 'injected fault');
    }
    const found = findCommit(id, revision);
    if (found === 'no-repo') {
      const status = authorization(request) === 'none' ? 401 : 404;
      log(request, { kind: 'api', repo: id, file: null, range: null, status });
      return sendError(response, status, 'RepoNotFound', 'Repository not found');
    }
    if (found === 'no-revision') {
      log(request, { kind: 'api', repo: id, file: null, range: null, status: 404 });
      return sendError(response, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    }
    const siblings = [];
    for (const file of found.files.values()) {
      if (!blobs) {
        siblings.push({ rfilename: file.name });
        continue;
      }
      const hash = await hashFile(file);
      siblings.push(
        file.lfs
          ? { rfilename: file.name, size: file.size, blobId: createHash('sha1').update(hash).digest('hex'), lfs: { sha256: hash, size: file.size, pointerSize: 134 } }
          : { rfilename: file.name, size: file.size, blobId: hash },
      );
    }
    log(request, { kind: 'api', repo: id, file: null, range: null, status: 200 });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id, modelId: id, sha: found.sha, private: false, gated: found.repo.gated ? 'manual' : false, siblings }));
  }

  async function serveBytes(request: IncomingMessage, response: ServerResponse, kind: RequestKind, commit: Commit, file: RepoFile) {
    const fault = takeFault(kind, commit.repo.id, file.name);
    const entry = { kind, repo: commit.repo.id, file: file.name };
    if (fault && 'status' in fault) {
      log(request, { ...entry, range: null, status: fault.status });
      return sendError(response, fault.status, fault.errorCode ?? null, 'injected fault');
    }
    const size = fault && 'serveBytes' in fault ? Math.min(fault.serveBytes, file.size) : file.size;
    const etag = `"${await hashFile(file)}"`;
    const headers: Record<string, string> = {
      etag,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'x-repo-commit': commit.sha,
    };
    let range = fault && 'ignoreRange' in fault ? null : parseRange(request.headers.range, size);
    if (range === 'unsatisfiable') {
      log(request, { ...entry, range: null, status: 416 });
      response.writeHead(416, { ...headers, 'content-range': `bytes */${size}` });
      return response.end();
    }
    const status = range ? 206 : 200;
    range ??= [0, size - 1];
    const [start, end] = range;
    const length = Math.max(0, end - start + 1);
    const cut = fault && 'cutAfterBytes' in fault ? fault.cutAfterBytes : null;
    const drop = fault && 'dropAfterBytes' in fault ? fault.dropAfterBytes : null;
    if (cut === null) headers['content-length'] = String(length);
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    log(request, { ...entry, range: length > 0 ? [start, end] : null, status });
    response.writeHead(status, headers);
    if (request.method === 'HEAD' || length === 0) return response.end();
    if (fault && 'stall' in fault) {
      response.flushHeaders();
      return; // The client's idle timeout ends it; close() destroys the socket.
    }
    const stop = cut ?? drop;
    const stream = createReadStream(file.fullPath, { start, end: stop === null ? end : Math.min(end, start + stop - 1) });
    stream.on('error', () => response.destroy());
    stream.on('end', () => (drop === null ? response.end() : response.destroy()));
    stream.pipe(response, { end: false });
  }

  async function serveResolve(request: IncomingMessage, response: ServerResponse, id: string, revision: string, name: string) {
    const found = findCommit(id, revision);
    const auth = authorization(request);
    const entry = { kind: 'resolve' as const, repo: id, file: name, range: null };
    if (found === 'no-repo') {
      log(request, { ...entry, status: auth === 'none' ? 401 : 404 });
      return sendError(response, auth === 'none' ? 401 : 404, 'RepoNotFound', 'Repository not found');
    }
    if (found === 'no-revision') {
      log(request, { ...entry, status: 404 });
      return sendError(response, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    }
    if (found.repo.gated && auth !== 'valid') {
      const status = auth === 'none' ? 401 : 403;
      log(request, { ...entry, status });
      return sendError(response, status, 'GatedRepo', `Access to model ${id} is restricted; you must be authenticated and have access`);
    }
    const file = found.files.get(name);
    if (!file) {
      log(request, { ...entry, status: 404 });
      return sendError(response, 404, 'EntryNotFound', `${name} does not exist on "${revision}"`);
    }
    if (!file.lfs) return serveBytes(request, response, 'resolve', found, file);
    const fault = takeFault('resolve', id, name);
    if (fault && 'status' in fault) {
      log(request, { ...entry, status: fault.status });
      return sendError(response, fault.status, fault.errorCode ?? null, 'injected fault');
    }
    const cdnPath = `/cdn/${id}/${found.sha}/${name.split('/').map(encodeURIComponent).join('/')}`;
    log(request, { ...entry, status: 302 });
    response.writeHead(302, {
      location: `${endpoint}${cdnPath}?sig=${signature(cdnPath)}`,
      'x-repo-commit': found.sha,
      'x-linked-size': String(file.size),
      'x-linked-etag': `"${await hashFile(file)}"`,
    });
    response.end();
  }

  async function serveStatic(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<boolean> {
    for (const [prefix, commit] of staticSites) {
      if (!pathname.startsWith(`${prefix}/`)) continue;
      const name = pathname.slice(prefix.length + 1).split('/').map(decodeURIComponent).join('/');
      const file = commit.files.get(name);
      if (!file) {
        log(request, { kind: 'static', repo: null, file: name, range: null, status: 404 });
        sendError(response, 404, null, 'not found');
      } else {
        await serveBytes(request, response, 'static', commit, file);
      }
      return true;
    }
    return false;
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://hub.invalid');
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-methods': 'GET, HEAD',
        'access-control-allow-headers': 'Range, Authorization, Accept',
        'access-control-max-age': '600',
      });
      return response.end();
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      log(request, { kind: 'other', repo: null, file: null, range: null, status: 405 });
      return sendError(response, 405, null, 'method not allowed');
    }
    if (await serveStatic(request, response, url.pathname)) return;
    if (segments[0] === 'api' && segments[1] === 'models' && segments[4] === 'revision' && segments.length === 6) {
      return serveApi(request, response, `${segments[2]}/${segments[3]}`, segments[5]!, url.searchParams.get('blobs') === 'true');
    }
    if (segments[0] === 'cdn' && segments.length >= 5) {
      const [, org, name, sha, ...rest] = segments;
      const id = `${org}/${name}`;
      const file = rest.join('/');
      const cdnPath = `/cdn/${id}/${sha}/${rest.map(encodeURIComponent).join('/')}`;
      const commit = commits.get(id)?.find((c) => c.sha === sha);
      const repoFile = commit?.files.get(file);
      if (!commit || !repoFile || url.searchParams.get('sig') !== signature(cdnPath)) {
        log(request, { kind: 'cdn', repo: id, file, range: null, status: 403 });
        return sendError(response, 403, null, 'bad or missing signature');
      }
      return serveBytes(request, response, 'cdn', commit, repoFile);
    }
    if (segments[2] === 'resolve' && segments.length >= 5) {
      const [org, name, , revision, ...rest] = segments;
      return serveResolve(request, response, `${org}/${name}`, revision!, rest.join('/'));
    }
    log(request, { kind: 'other', repo: null, file: null, range: null, status: 404 });
    sendError(response, 404, null, 'not found');
  }

  const server = createServer((request, response) => {
    response.setHeader('access-control-allow-origin', '*');
    response.setHeader('access-control-expose-headers', 'Content-Range, Content-Length, ETag, Accept-Ranges, X-Repo-Commit, X-Error-Code, X-Error-Message, X-Linked-Size, X-Linked-Etag');
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, null, error instanceof Error ? error.message : String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const repo of options.repos ?? []) await addRepo(repo);
  for (const [prefix, dir] of Object.entries(options.staticDirs ?? {})) {
    staticSites.set(prefix.replace(/\/+$/, ''), { repo: { id: prefix, dir }, sha: 'static', files: await folderFiles(dir) });
  }

  return {
    endpoint,
    requests,
    addRepo,
    shaOf(repo) {
      const found = findCommit(repo, 'main');
      if (typeof found === 'string') throw new Error(`the hub has no repository ${repo}`);
      return found.sha;
    },
    fault: (fault) => void faults.push({ ...fault, seen: 0, hits: 0 }),
    clearFaults: () => void (faults = []),
    reset() {
      requests.length = 0;
      faults = [];
    },
    weightRequests() {
      return requests.filter((r) => {
        if (!r.range || !r.repo || !r.file?.endsWith('.safetensors')) return false;
        const candidates = [...(commits.get(r.repo) ?? []), ...[...staticSites.values()].filter((c) => c.repo.id === r.repo)];
        const file = candidates.flatMap((c) => [...c.files.values()]).find((f) => f.name === r.file);
        return file?.dataStart === undefined || r.range[1] >= file.dataStart;
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
