/**
 * Share URLs: `#r=v1.<base64url(deflate(JSON))>`.
 *
 * The payload is `{ recipe, layout }`: the layout (node positions, colours, other
 * UI-only data) travels beside the recipe, never inside it. The payload lives in the
 * URL hash, which is never sent to a server.
 *
 * Decoding takes untrusted text and never throws: every failure is a `ShareError` with a
 * code the UI can act on (`too-long` → "use file export") and a message for people.
 * A payload that inflates past `SHARE_LIMITS.inflatedBytes` is rejected while it
 * inflates (small input chunks, running size check), so a zip bomb costs little.
 */
import { Inflate, deflateSync } from 'fflate';
import { z } from 'zod';
import { formatIssuePath, formatIssues, parseRecipe, type Recipe, type RecipeContext, type RecipeIssue } from './schema';

export const SHARE_VERSION_TAG = 'v1';
export const SHARE_HASH_KEY = 'r';

export const SHARE_LIMITS = {
  /** Longest token (after `#r=`) accepted or produced; beyond it, use file export. */
  encodedChars: 64 * 1024,
  /** Largest inflated JSON. */
  inflatedBytes: 1024 * 1024,
  /** Bounds on the layout's JSON. */
  layoutDepth: 12,
  layoutValues: 50_000,
  layoutString: 4_096,
  layoutNodes: 2_048,
} as const;

// ---------------------------------------------------------------------------
// Layout: permissive (UI-only data evolves freely) but bounded.

function boundedJsonIssues(value: unknown): string | undefined {
  let values = 0;
  const walk = (v: unknown, depth: number): string | undefined => {
    if (++values > SHARE_LIMITS.layoutValues) return `the layout holds more than ${SHARE_LIMITS.layoutValues} values`;
    if (depth > SHARE_LIMITS.layoutDepth) return `the layout nests deeper than ${SHARE_LIMITS.layoutDepth} levels`;
    if (v === null || typeof v === 'boolean') return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'the layout holds a non-finite number';
    if (typeof v === 'string') {
      return v.length > SHARE_LIMITS.layoutString ? `the layout holds a string longer than ${SHARE_LIMITS.layoutString} characters` : undefined;
    }
    if (Array.isArray(v)) {
      for (const e of v) {
        const problem = walk(e, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    if (typeof v === 'object') {
      for (const [k, e] of Object.entries(v)) {
        if (k.length > SHARE_LIMITS.layoutString) return 'the layout holds an over-long key';
        const problem = walk(e, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    return `the layout holds a ${typeof v}, which is not JSON`;
  };
  return walk(value, 0);
}

const finite = z.number();

export const layoutNodeSchema = z.looseObject({
  x: finite,
  y: finite,
  color: z.string().max(64).optional(),
});

export const layoutSchema = z
  .looseObject({
    /** Canvas nodes by id (a stage name, a zoo model id, or a UI-only node). */
    nodes: z.record(z.string().max(200), layoutNodeSchema).optional(),
    viewport: z.looseObject({ x: finite, y: finite, zoom: finite }).optional(),
  })
  .superRefine((layout, ctx) => {
    const nodeCount = layout.nodes ? Object.keys(layout.nodes).length : 0;
    if (nodeCount > SHARE_LIMITS.layoutNodes) {
      ctx.addIssue({ code: 'custom', path: ['nodes'], message: `at most ${SHARE_LIMITS.layoutNodes} nodes (got ${nodeCount})` });
    }
    const problem = boundedJsonIssues(layout);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export type Layout = z.infer<typeof layoutSchema>;

export interface SharePayload {
  readonly recipe: Recipe;
  readonly layout: Layout;
}

// ---------------------------------------------------------------------------
// Errors

export type ShareErrorCode =
  | 'too-long' // over the URL length limit: use file export
  | 'bad-format' // not `v1.<base64url>` / not a share link
  | 'bad-version' // a version tag this studio does not read
  | 'bad-base64'
  | 'bad-deflate'
  | 'too-large' // inflates past the limit
  | 'bad-json'
  | 'invalid'; // JSON that is not a valid payload (issues say where)

export interface ShareError {
  readonly code: ShareErrorCode;
  readonly message: string;
  /** For 'invalid': what is wrong, with JSON paths (recipe issues are prefixed with `recipe`). */
  readonly issues?: readonly RecipeIssue[];
  /** For 'too-long': the link's length in characters (estimated when it was too large to deflate). */
  readonly length?: number;
}

export type EncodeResult = { readonly ok: true; readonly token: string; readonly hash: string } | { readonly ok: false; readonly error: ShareError };
export type DecodeResult = { readonly ok: true; readonly payload: SharePayload } | { readonly ok: false; readonly error: ShareError };

function fail(code: ShareErrorCode, message: string, issues?: readonly RecipeIssue[]): { ok: false; error: ShareError } {
  return { ok: false, error: issues ? { code, message, issues } : { code, message } };
}

function tooLong(length: number): { ok: false; error: ShareError } {
  return {
    ok: false,
    error: {
      code: 'too-long',
      message: `this recipe is too long for a link (${length} characters; a link holds at most ${SHARE_LIMITS.encodedChars}); use file export instead`,
      length,
    },
  };
}

// ---------------------------------------------------------------------------
// base64url (RFC 4648 §5, no padding), strict

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE_TABLE = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

export function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes unpadded base64url; undefined for any character outside the alphabet or an impossible length. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const d = c < 128 ? DECODE_TABLE[c]! : -1;
    if (d < 0) return undefined;
    value = (value << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero (canonical encoding).
  if ((value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

// ---------------------------------------------------------------------------
// Bounded inflate

const INFLATE_CHUNK = 1024;

class InflateLimitExceeded extends Error {}

/** Inflates raw DEFLATE data, stopping as soon as the output passes `limit` bytes. */
export function boundedInflate(data: Uint8Array, limit: number): { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too-large' | 'corrupt' } {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    size += chunk.length;
    if (size > limit) throw new InflateLimitExceeded();
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    if (data.length === 0) return { ok: false, reason: 'corrupt' };
    for (let i = 0; i < data.length; i += INFLATE_CHUNK) {
      const end = Math.min(data.length, i + INFLATE_CHUNK);
      inflater.push(data.subarray(i, end), end === data.length);
    }
  } catch (err) {
    return { ok: false, reason: err instanceof InflateLimitExceeded ? 'too-large' : 'corrupt' };
  }
  if (!ended) return { ok: false, reason: 'corrupt' };
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return { ok: true, bytes };
}

// ---------------------------------------------------------------------------
// Payload validation

function prefixIssues(prefix: string, issues: readonly RecipeIssue[]): RecipeIssue[] {
  return issues.map((i) => {
    const path = [prefix, ...i.path];
    return { path, at: formatIssuePath(path), message: i.message };
  });
}

function validatePayload(json: unknown, context: RecipeContext): DecodeResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('invalid', 'a shared payload is an object with "recipe" and "layout"');
  }
  const obj = json as Record<string, unknown>;
  const issues: RecipeIssue[] = [];
  for (const key of Object.keys(obj)) {
    if (key !== 'recipe' && key !== 'layout') issues.push({ path: [key], at: key, message: `unrecognized key "${key}"` });
  }
  if (!('recipe' in obj)) issues.push({ path: ['recipe'], at: 'recipe', message: 'is required' });
  const recipe = 'recipe' in obj ? parseRecipe(obj.recipe, context) : undefined;
  if (recipe && !recipe.ok) issues.push(...prefixIssues('recipe', recipe.issues));
  const layout = layoutSchema.safeParse(obj.layout ?? {});
  if (!layout.success) {
    for (const issue of layout.error.issues) {
      const path = ['layout', ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
      issues.push({ path, at: formatIssuePath(path), message: issue.message });
    }
  }
  if (issues.length > 0 || !recipe?.ok || !layout.success) {
    return fail('invalid', `the shared recipe is not valid:\n${formatIssues(issues)}`, issues);
  }
  return { ok: true, payload: { recipe: recipe.recipe, layout: layout.data } };
}

// ---------------------------------------------------------------------------
// Encode / decode

/** Encode a payload for a share link. Validates it first; fails with 'too-long' past the URL limit. */
export function encodeSharePayload(payload: { recipe: Recipe; layout?: Layout }, context: RecipeContext = {}): EncodeResult {
  const checked = validatePayload({ recipe: payload.recipe, layout: payload.layout ?? {} }, context);
  if (!checked.ok) return checked;
  const json = JSON.stringify(checked.payload);
  const bytes = new TextEncoder().encode(json);
  if (bytes.length > SHARE_LIMITS.inflatedBytes) {
    return tooLong(Math.ceil((bytes.length * 4) / 3));
  }
  const token = `${SHARE_VERSION_TAG}.${base64UrlEncode(deflateSync(bytes, { level: 9 }))}`;
  if (token.length > SHARE_LIMITS.encodedChars) return tooLong(token.length);
  return { ok: true, token, hash: `#${SHARE_HASH_KEY}=${token}` };
}

/** The token from a location hash (`#r=…`, possibly among other `&`-separated keys), or undefined. */
export function shareTokenFromHash(hash: string): string | undefined {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of body.split('&')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && part.slice(0, eq) === SHARE_HASH_KEY) return part.slice(eq + 1);
  }
  return undefined;
}

/**
 * Decode a share token (`v1.…`) or a whole hash (`#r=v1.…`). Never throws.
 * `context` (zoo ids, method names) is passed to `parseRecipe`.
 */
export function decodeSharePayload(tokenOrHash: string, context: RecipeContext = {}): DecodeResult {
  try {
    if (typeof tokenOrHash !== 'string') return fail('bad-format', 'a share link is text');
    const fromHash = tokenOrHash.startsWith('#') || tokenOrHash.startsWith(`${SHARE_HASH_KEY}=`) ? shareTokenFromHash(tokenOrHash) : tokenOrHash;
    if (fromHash === undefined) return fail('bad-format', `this link holds no recipe (no "#${SHARE_HASH_KEY}=")`);
    const token = fromHash.trim();
    if (token.length > SHARE_LIMITS.encodedChars) return tooLong(token.length);
    const dot = token.indexOf('.');
    if (dot < 0) return fail('bad-format', 'this link is not a Merge Studio recipe (no version tag)');
    const tag = token.slice(0, dot);
    if (tag !== SHARE_VERSION_TAG) {
      return /^v\d+$/.test(tag)
        ? fail('bad-version', `this link was made by a Merge Studio that writes ${tag} links; this one reads ${SHARE_VERSION_TAG}`)
        : fail('bad-format', 'this link is not a Merge Studio recipe (unknown version tag)');
    }
    const compressed = base64UrlDecode(token.slice(dot + 1));
    if (!compressed) return fail('bad-base64', 'this link is damaged: it is not valid base64url (was it cut or edited?)');
    const inflated = boundedInflate(compressed, SHARE_LIMITS.inflatedBytes);
    if (!inflated.ok) {
      return inflated.reason === 'too-large'
        ? fail('too-large', `this link expands to more than ${SHARE_LIMITS.inflatedBytes / 1024} KiB, more than any recipe needs; refusing it`)
        : fail('bad-deflate', 'this link is damaged: its compressed data is corrupt or cut short');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes);
    } catch {
      return fail('bad-json', 'this link is damaged: its content is not UTF-8 text');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return fail('bad-json', `this link is damaged: its content is not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    return validatePayload(json, context);
  } catch (err) {
    // Nothing above should throw; never let a link crash the page if something does.
    return fail('bad-format', `this link could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}
