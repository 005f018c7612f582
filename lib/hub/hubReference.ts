/**
 * How a person names a hub model: `org/name`, `org/name@revision`, or a model page URL
 * (`https://huggingface.co/org/name`, `…/tree/<rev>`, `…/blob/<rev>/<file>`, `…/resolve/<rev>/<file>`,
 * `…/commit/<sha>`). A URL must point at the configured hub, so a pasted link never sends the
 * token somewhere else.
 */

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

const PUBLIC_HUB_HOSTS = new Set(['huggingface.co', 'www.huggingface.co', 'hf.co']);

export interface HubReference {
  /** `org/name`. */
  readonly repo: string;
  /** A branch, tag or commit sha; null for the default branch. */
  readonly revision: string | null;
}

const NAME_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;
const COMMIT_SHA = /^[0-9a-f]{40}$/;
const MAX_REPO_ID_LENGTH = 96;

/** Why `repo` is not a hub repository id (`org/name`), or null when it is one. */
export function repoIdProblem(repo: string): string | null {
  const parts = repo.split('/');
  if (parts.length !== 2) return `"${repo}" is not a hub model id: write it as org/name`;
  if (repo.length > MAX_REPO_ID_LENGTH) return `"${repo}" is longer than the hub's ${MAX_REPO_ID_LENGTH} characters`;
  for (const part of parts) {
    if (!NAME_PART.test(part) || part.includes('--') || part.includes('..')) {
      return `"${repo}" is not a hub model id: "${part}" may hold letters, digits, "-", "_" and "." (not "--" or "..")`;
    }
  }
  return null;
}

export function isCommitSha(revision: string): boolean {
  return COMMIT_SHA.test(revision);
}

export function formatHubReference(reference: HubReference): string {
  return reference.revision === null ? reference.repo : `${reference.repo}@${reference.revision}`;
}

function parseId(text: string): HubReference {
  const at = text.indexOf('@');
  const repo = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? null : text.slice(at + 1);
  const problem = repoIdProblem(repo);
  if (problem) throw new Error(problem);
  if (revision !== null && (revision === '' || /\s|@/.test(revision))) {
    throw new Error(`"${text}" has no usable revision after "@" (write org/name@branch, tag or commit sha)`);
  }
  return { repo, revision };
}

function isAllowedOrigin(url: URL, endpoint: string): boolean {
  const configured = new URL(endpoint);
  if (url.origin === configured.origin) return true;
  return configured.origin === new URL(DEFAULT_HUB_ENDPOINT).origin && url.protocol === 'https:' && PUBLIC_HUB_HOSTS.has(url.hostname);
}

function parseUrl(text: string, endpoint: string): HubReference {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new Error(`"${text}" is neither a hub model id (org/name) nor a model page URL`);
  }
  if (!isAllowedOrigin(url, endpoint)) {
    throw new Error(`the link points at ${url.origin}, but the hub is ${new URL(endpoint).origin}; set the hub address to ${url.origin} to open it`);
  }
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments[0] === 'datasets' || segments[0] === 'spaces') {
    throw new Error(`the link is to a ${segments[0] === 'datasets' ? 'dataset' : 'Space'}, not a model`);
  }
  const [org, name, view, revision] = segments;
  if (org === undefined || name === undefined) throw new Error(`the link ${url.href} does not name a model (expected ${url.origin}/org/name)`);
  const repo = `${org}/${name}`;
  const problem = repoIdProblem(repo);
  if (problem) throw new Error(problem);
  if (view === undefined) return { repo, revision: null };
  if ((view === 'tree' || view === 'blob' || view === 'resolve' || view === 'commit') && revision !== undefined) {
    return { repo, revision };
  }
  return { repo, revision: null };
}

/**
 * Parses what a person typed or pasted. Throws an Error whose message says what is wrong.
 * `endpoint` is the configured hub; URLs elsewhere are refused.
 */
export function parseHubReference(text: string, endpoint: string = DEFAULT_HUB_ENDPOINT): HubReference {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('enter a hub model id (org/name) or a model page URL');
  const looksLikeUrl = /^[a-z]+:\/\//i.test(trimmed) || /^(www\.)?(huggingface\.co|hf\.co)\//i.test(trimmed);
  return looksLikeUrl ? parseUrl(trimmed, endpoint) : parseId(trimmed);
}
