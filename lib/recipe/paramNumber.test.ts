import { describe, expect, it } from 'vitest';
import { formatParamNumber, roundParamNumber } from './paramNumber';

describe('a parameter number, kept and shown', () => {
  it('keeps four decimals and prints no trailing zeros', () => {
    expect(formatParamNumber(1)).toBe('1');
    expect(formatParamNumber(0.5)).toBe('0.5');
    expect(formatParamNumber(5 / 6)).toBe('0.8333');
    expect(formatParamNumber(1.23456)).toBe('1.2346');
    expect(formatParamNumber(0.30000000000000004)).toBe('0.3');
    expect(formatParamNumber(-2 / 3)).toBe('-0.6667');
    expect(formatParamNumber(1234.5)).toBe('1234.5');
  });

  it('never prints a small non-zero value as 0, nor -0', () => {
    expect(formatParamNumber(1e-5)).toBe('0.00001');
    expect(formatParamNumber(1e-8)).toBe('1e-8');
    expect(formatParamNumber(1.23456e-6)).toBe('0.00000123');
    expect(formatParamNumber(-0.00001)).toBe('-0.00001');
    expect(formatParamNumber(-0.00000000001 * 0)).toBe('0');
    expect(roundParamNumber(-0.00004)).toBe(-0.00004);
  });

  it('prints exactly the number it keeps, so a label reads what the recipe holds', () => {
    for (const value of [0.1 + 0.2, 5 / 6, 1 / 3, 7.000049, 2e-7, -0.123456789, 42]) {
      const kept = roundParamNumber(value);
      expect(formatParamNumber(value)).toBe(String(kept));
      expect(roundParamNumber(kept)).toBe(kept);
    }
  });
});
