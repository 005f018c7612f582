import { deflateSync } from 'fflate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Recipe } from './schema';
import {
  base64UrlDecode,
  base64UrlEncode,
  boundedInflate,
  decodeSharePayload,
  encodeSharePayload,
  SHARE_LIMITS,
  shareTokenFromHash,
  type DecodeResult,
} from './urlCodec';

const recipe: Recipe = {
  version: 1,
  name: 'soup',
  stages: [
    {
      name: 'soup',
      merge_method: 'linear',
      models: [
        { model: 'math', parameters: { weight: [0.2, 0.8] } },
        { model: 'code', parameters: { weight: [{ filter: 'mlp', value: 0.5 }, { value: 1 }] } },
      ],
      parameters: { normalize: true },
    },
  ],
};
const layout = { nodes: { soup: { x: 10, y: -20.5, color: '#ff8800', collapsed: true } }, viewport: { x: 0, y: 0, zoom: 1.25 } };

/** A token in the share format around arbitrary bytes. */
function tokenOf(bytes: Uint8Array): string {
  return `v1.${base64UrlEncode(deflateSync(bytes, { level: 9 }))}`;
}
function tokenOfText(text: string): string {
  return tokenOf(new TextEncoder().encode(text));
}
function errorOf(result: DecodeResult) {
  if (result.ok) throw new Error('expected a rejection');
  return result.error;
}

describe('share links: round trip', () => {
  it('encodes to #r=v1.<base64url> and decodes to the same payload', () => {
    const encoded = encodeSharePayload({ recipe, layout });
    if (!encoded.ok) throw new Error(encoded.error.message);
    expect(encoded.hash).toBe(`#r=${encoded.token}`);
    expect(encoded.token).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(decodeSharePayload(encoded.token)).toEqual({ ok: true, payload: { recipe, layout } });
    expect(decodeSharePayload(encoded.hash)).toEqual({ ok: true, payload: { recipe, layout } });
    expect(decodeSharePayload(`#view=demo&${encoded.hash.slice(1)}`)).toEqual({ ok: true, payload: { recipe, layout } });
  });
  it('keeps the layout beside the recipe, never inside it', () => {
    const encoded = encodeSharePayload({ recipe, layout });
    const decoded = encoded.ok ? decodeSharePayload(encoded.token) : undefined;
    expect(decoded?.ok && Object.keys(decoded.payload.recipe)).not.toContain('layout');
  });
  it('defaults the layout to {}', () => {
    const encoded = encodeSharePayload({ recipe });
    expect(encoded.ok && decodeSharePayload(encoded.token)).toEqual({ ok: true, payload: { recipe, layout: {} } });
  });
  it('round-trips recipes with random weights (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 }), (weights) => {
        const r: Recipe = { ...recipe, stages: [{ ...recipe.stages[0]!, models: [{ model: 'a', parameters: { weight: weights } }] }] };
        const encoded = encodeSharePayload({ recipe: r });
        expect(encoded.ok && decodeSharePayload(encoded.token)).toEqual({ ok: true, payload: { recipe: JSON.parse(JSON.stringify(r)), layout: {} } });
      }),
      { numRuns: 50 },
    );
  });
  it('base64url round-trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = base64UrlEncode(bytes);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(base64UrlDecode(text)).toEqual(bytes);
      }),
    );
  });
  it('compresses: a typical recipe stays far under the URL limit', () => {
    const encoded = encodeSharePayload({ recipe, layout });
    expect(encoded.ok && encoded.token.length).toBeLessThan(JSON.stringify({ recipe, layout }).length);
  });
});

describe('share links: rejections (never throwing)', () => {
  it('a token without a version tag, or not a share link', () => {
    expect(errorOf(decodeSharePayload('abcdef')).code).toBe('bad-format');
    expect(errorOf(decodeSharePayload('#view=demo')).code).toBe('bad-format');
    expect(errorOf(decodeSharePayload('x9.abc')).code).toBe('bad-format');
  });
  it('a wrong version tag', () => {
    const error = errorOf(decodeSharePayload('v2.AAAA'));
    expect(error.code).toBe('bad-version');
    expect(error.message).toMatch(/v2 links; this one reads v1/);
  });
  it('bad base64', () => {
    expect(errorOf(decodeSharePayload('v1.abc!def')).code).toBe('bad-base64');
    expect(errorOf(decodeSharePayload('v1.abcde')).code).toBe('bad-base64'); // impossible length
    expect(errorOf(decodeSharePayload('v1.ab+/')).code).toBe('bad-base64'); // standard, not url, alphabet
    expect(errorOf(decodeSharePayload('v1.AB')).code).toBe('bad-base64'); // non-zero leftover bits
    expect(errorOf(decodeSharePayload('v1.é')).code).toBe('bad-base64');
  });
  it('bad deflate: garbage, empty, and cut short', () => {
    expect(errorOf(decodeSharePayload(`v1.${base64UrlEncode(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff))}`)).code).toBe('bad-deflate');
    expect(errorOf(decodeSharePayload('v1.')).code).toBe('bad-deflate');
    const good = encodeSharePayload({ recipe, layout });
    if (!good.ok) throw new Error('encode failed');
    const bytes = base64UrlDecode(good.token.slice(3))!;
    const cut = `v1.${base64UrlEncode(bytes.subarray(0, Math.floor(bytes.length / 2)))}`;
    const error = errorOf(decodeSharePayload(cut));
    expect(error.code).toBe('bad-deflate');
    expect(error.message).toMatch(/corrupt or cut short/);
  });
  it('a zip bomb: inflating past 1 MiB is stopped', () => {
    const bomb = tokenOf(new Uint8Array(32 * 1024 * 1024).fill(0x20)); // 32 MiB of spaces in ~43k characters
    expect(bomb.length).toBeLessThan(SHARE_LIMITS.encodedChars);
    const error = errorOf(decodeSharePayload(bomb));
    expect(error.code).toBe('too-large');
    // Valid JSON that is merely too big is refused too.
    const padded = tokenOfText(`${' '.repeat(SHARE_LIMITS.inflatedBytes)}{}`);
    expect(errorOf(decodeSharePayload(padded)).code).toBe('too-large');
  });
  it('boundedInflate stops at the limit and inflates up to it', () => {
    const data = deflateSync(new Uint8Array(5000).fill(7));
    expect(boundedInflate(data, 4999)).toEqual({ ok: false, reason: 'too-large' });
    const ok = boundedInflate(data, 5000);
    expect(ok.ok && ok.bytes.length).toBe(5000);
  });
  it('non-JSON and non-UTF-8 content', () => {
    expect(errorOf(decodeSharePayload(tokenOfText('{"recipe": '))).code).toBe('bad-json');
    expect(errorOf(decodeSharePayload(tokenOf(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)))).code).toBe('bad-json');
  });
  it('schema violations, with paths into the payload', () => {
    const noRecipe = errorOf(decodeSharePayload(tokenOfText('{"layout": {}}')));
    expect(noRecipe.code).toBe('invalid');
    expect(noRecipe.issues).toEqual([expect.objectContaining({ at: 'recipe', message: 'is required' })]);
    const badStage = { recipe: { ...recipe, stages: [{ ...recipe.stages[0], merge_method: 7 }] }, layout: { nodes: { a: { x: 'left', y: 0 } } } };
    const error = errorOf(decodeSharePayload(tokenOfText(JSON.stringify(badStage))));
    expect(error.code).toBe('invalid');
    expect(error.issues?.map((i) => i.at)).toEqual(['recipe.stages[0].merge_method', 'layout.nodes.a.x']);
    expect(errorOf(decodeSharePayload(tokenOfText('[1, 2]'))).code).toBe('invalid');
    expect(errorOf(decodeSharePayload(tokenOfText(JSON.stringify({ recipe, layout, extra: 1 })))).issues?.[0]?.at).toBe('extra');
  });
  it('a recipe of a version this studio does not read', () => {
    const error = errorOf(decodeSharePayload(tokenOfText(JSON.stringify({ recipe: { ...recipe, version: 3 }, layout }))));
    expect(error.code).toBe('invalid');
    expect(error.issues).toEqual([expect.objectContaining({ at: 'recipe.version', message: expect.stringMatching(/newer/) })]);
  });
  it('an over-deep or oversized layout', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const error = errorOf(decodeSharePayload(tokenOfText(JSON.stringify({ recipe, layout: { ui: deep } }))));
    expect(error.issues?.[0]?.message).toMatch(/nests deeper/);
    const long = errorOf(decodeSharePayload(tokenOfText(JSON.stringify({ recipe, layout: { note: 'x'.repeat(5000) } }))));
    expect(long.issues?.[0]?.message).toMatch(/string longer/);
  });
  it('too long for a URL: a distinct error, on decode and on encode', () => {
    const decoded = errorOf(decodeSharePayload(`v1.${'A'.repeat(SHARE_LIMITS.encodedChars)}`));
    expect(decoded.code).toBe('too-long');
    expect(decoded.message).toMatch(/use file export/);
    expect(decoded.length).toBe(SHARE_LIMITS.encodedChars + 3);
    // Incompressible layout data: 2000 nodes with random colours and keys.
    let seed = 1;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed.toString(36));
    const nodes: Record<string, { x: number; y: number; color: string }> = {};
    for (let i = 0; i < 2000; i++) nodes[`${rand()}${rand()}${rand()}`] = { x: seed % 997, y: seed % 991, color: `${rand()}${rand()}` };
    const encoded = encodeSharePayload({ recipe, layout: { nodes } });
    expect(encoded.ok).toBe(false);
    expect(!encoded.ok && encoded.error.code).toBe('too-long');
    expect(!encoded.ok && encoded.error.length).toBeGreaterThan(SHARE_LIMITS.encodedChars);
  });
  it('refuses to encode an invalid recipe', () => {
    const encoded = encodeSharePayload({ recipe: { ...recipe, stages: [] } });
    expect(!encoded.ok && encoded.error.code).toBe('invalid');
  });
  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `v1.${s}`), fc.uint8Array({ maxLength: 200 }).map((b) => `v1.${base64UrlEncode(b)}`)), (text) => {
        const result = decodeSharePayload(text);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(decodeSharePayload(undefined as unknown as string).ok).toBe(false);
  });
  it('finds the token among hash parameters', () => {
    expect(shareTokenFromHash('#a=1&r=v1.xyz&b=2')).toBe('v1.xyz');
    expect(shareTokenFromHash('#a=1')).toBeUndefined();
  });
});
