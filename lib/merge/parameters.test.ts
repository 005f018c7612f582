import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParamFilterEntry } from '@/lib/recipe/schema';
import { unsetParamValue } from './method';
import { coerceParam, evaluateParamValue, filterMatches, resolveParam } from './parameters';
import { getMergeMethod } from './registry';

const Q = 'model.layers.3.self_attn.q_proj.weight';
const UP = 'model.layers.3.mlp.up_proj.weight';

describe('evaluateParamValue', () => {
  it('returns scalars as they are', () => {
    expect(evaluateParamValue(0.3, Q, 0.5)).toBe(0.3);
    expect(evaluateParamValue(false, Q, 0.5)).toBe(false);
  });
  it('interpolates gradients at t', () => {
    expect(evaluateParamValue([0, 1], Q, 0.25)).toBe(0.25);
  });
  it('takes the first filter entry that matches; an entry without filter matches everything', () => {
    const entries: ParamFilterEntry[] = [{ filter: 'self_attn', value: 0.1 }, { filter: 'mlp', value: 0.2 }, { value: 0.9 }];
    expect(evaluateParamValue(entries, Q, 0)).toBe(0.1);
    expect(evaluateParamValue(entries, UP, 0)).toBe(0.2);
    expect(evaluateParamValue(entries, 'model.norm.weight', 0)).toBe(0.9);
  });
  it('"*" matches everything, as in mergekit', () => {
    expect(evaluateParamValue([{ filter: '*', value: 4 }], 'lm_head.weight', 0)).toBe(4);
  });
  it('a filter entry may hold a gradient', () => {
    expect(evaluateParamValue([{ filter: 'mlp', value: [0, 1, 0] }], UP, 0.5)).toBe(1);
  });
  it('is undefined when no entry matches', () => {
    expect(evaluateParamValue([{ filter: 'mlp', value: 1 }], Q, 0)).toBeUndefined();
  });
});

describe('resolveParam: per-model > slice > global', () => {
  const scopes = { model: { weight: 0.7 }, slice: { weight: 0.5, density: 0.4 }, global: { weight: 0.1, density: 0.2, lambda: 2 } };
  it('takes the highest level that has the parameter', () => {
    expect(resolveParam('weight', scopes, Q, 0)).toEqual({ value: 0.7, from: 'model' });
    expect(resolveParam('density', scopes, Q, 0)).toEqual({ value: 0.4, from: 'slice' });
    expect(resolveParam('lambda', scopes, Q, 0)).toEqual({ value: 2, from: 'global' });
    expect(resolveParam('epsilon', scopes, Q, 0)).toBeUndefined();
  });
  it('falls through a level whose filter list does not match', () => {
    const s = { model: { weight: [{ filter: 'mlp', value: 0.9 }] }, global: { weight: 0.1 } };
    expect(resolveParam('weight', s, UP, 0)).toEqual({ value: 0.9, from: 'model' });
    expect(resolveParam('weight', s, Q, 0)).toEqual({ value: 0.1, from: 'global' });
  });
  it('ignores inherited object keys', () => {
    expect(resolveParam('toString', { global: {} }, Q, 0)).toBeUndefined();
  });
});

describe('filter lists: first match wins (property)', () => {
  const piece = fc.constantFrom('layers', 'mlp', 'self_attn', 'q_proj', 'up', 'norm', 'lm_head', '3', 'x', '*');
  const entry = fc.record({ filter: fc.option(piece, { nil: undefined }), value: fc.integer({ min: -100, max: 100 }) });
  const name = fc.constantFrom(Q, UP, 'model.norm.weight', 'lm_head.weight', 'model.embed_tokens.weight');
  it('equals the value of the first entry whose filter is absent, "*" or a substring', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), name, (entries, n) => {
        const list: ParamFilterEntry[] = entries.map((e) => (e.filter === undefined ? { value: e.value } : { filter: e.filter, value: e.value }));
        const first = list.find((e) => e.filter === undefined || e.filter === '*' || n.includes(e.filter));
        expect(evaluateParamValue(list, n, 0)).toBe(first?.value);
      }),
    );
  });
  it('filterMatches is substring matching', () => {
    expect(filterMatches('attn.q', Q)).toBe(true);
    expect(filterMatches('k_proj', Q)).toBe(false);
    expect(filterMatches(undefined, Q)).toBe(true);
  });
});

describe('coerceParam (Python truthiness)', () => {
  it('brings values to the declared kind', () => {
    expect(coerceParam(0, 'boolean')).toBe(false);
    expect(coerceParam(0.5, 'boolean')).toBe(true);
    expect(coerceParam(true, 'number')).toBe(1);
    expect(coerceParam(false, 'number')).toBe(0);
    expect(coerceParam(0.25, 'number')).toBe(0.25);
  });
});

describe('precedence (property)', () => {
  it('per-model beats slice beats global, for any mix of scalars, gradients and filter lists present or absent', () => {
    const scalar = fc.double({ min: -4, max: 4, noNaN: true });
    const filterList: ParamFilterEntry[] = [{ filter: 'mlp', value: 0.25 }];
    const value = fc.oneof(scalar, fc.array(scalar, { minLength: 1, maxLength: 5 }), fc.constant(filterList));
    const level = fc.option(value, { nil: undefined });
    fc.assert(
      fc.property(level, level, level, fc.constantFrom(Q, UP), fc.double({ min: 0, max: 1, noNaN: true }), (m, s, g, name, t) => {
        const scopes = {
          ...(m !== undefined ? { model: { weight: m } } : {}),
          ...(s !== undefined ? { slice: { weight: s } } : {}),
          ...(g !== undefined ? { global: { weight: g } } : {}),
        };
        const resolved = resolveParam('weight', scopes, name, t);
        // A level yields a value unless it is a filter list with no entry for this tensor; then the next level speaks.
        const candidates = (
          [
            ['model', m],
            ['slice', s],
            ['global', g],
          ] as const
        ).flatMap(([from, v]) => (v === undefined ? [] : [{ from, value: evaluateParamValue(v, name, t) }]));
        const expected = candidates.find((c) => c.value !== undefined);
        expect(resolved).toEqual(expected ? { from: expected.from, value: expected.value } : undefined);
      }),
    );
  });
});

describe('the value of an unset parameter', () => {
  const def = (method: string, name: string) => {
    const found = [...getMergeMethod(method)!.parameters, ...getMergeMethod(method)!.tensorParameters].find((p) => p.name === name);
    if (!found) throw new Error(`${method} has no parameter ${name}`);
    return found;
  };

  it('is the method’s own default, read from its ParameterDef', () => {
    expect(unsetParamValue(def('ties', 'density'))).toBe(1);
    expect(unsetParamValue(def('della', 'epsilon'))).toBe(0.15);
    expect(unsetParamValue(def('linear', 'normalize'))).toBe(true);
    expect(unsetParamValue(def('karcher', 'tol'))).toBe(1e-5);
  });

  it('starts a number without a default (a required weight) at 1 and a flag without one off', () => {
    expect(unsetParamValue(def('ties', 'weight'))).toBe(1);
    expect(unsetParamValue({ name: 'flag', kind: 'boolean', required: false, description: '' })).toBe(false);
  });
});
