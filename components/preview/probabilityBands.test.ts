import { describe, expect, it } from 'vitest';
import { formatProbability, probabilityBand, PROBABILITY_BANDS, tokenProbabilityLabel } from './probabilityBands';

describe('probability bands', () => {
  it('puts every probability in the band whose range holds it', () => {
    expect(probabilityBand(1).label).toBe('≥ 90%');
    expect(probabilityBand(0.9).label).toBe('≥ 90%');
    expect(probabilityBand(0.8999).label).toBe('70–90%');
    expect(probabilityBand(0.5).label).toBe('50–70%');
    expect(probabilityBand(0.3).label).toBe('25–50%');
    expect(probabilityBand(0.01).label).toBe('< 25%');
    expect(probabilityBand(0).label).toBe('< 25%');
    expect(new Set(PROBABILITY_BANDS.map((b) => b.className)).size).toBe(PROBABILITY_BANDS.length);
  });

  it('formats probabilities as percentages', () => {
    expect(formatProbability(0.9312)).toBe('93.1%');
    expect(formatProbability(0.004)).toBe('0.4%');
    expect(formatProbability(0.0001)).toBe('< 0.1%');
  });

  it('labels a token with its text, whitespace made visible, and its probability', () => {
    expect(tokenProbabilityLabel({ text: 'S', probability: 0.5 })).toBe('“S” 50.0%');
    expect(tokenProbabilityLabel({ text: ' a\n', probability: 1 })).toBe('“␣a↵” 100.0%');
    expect(tokenProbabilityLabel({ text: '', probability: 0.00001 })).toBe('“∅” < 0.1%');
  });
});
