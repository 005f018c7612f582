import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chebyshev, dominates, paretoFront, simplexWeights } from './pareto';

const pointsArb = fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 30 });

describe('Pareto fronts', () => {
  it('dominance is strict: equal points do not dominate each other', () => {
    expect(dominates([1, 1], [1, 1])).toBe(false);
    expect(dominates([1, 2], [1, 1])).toBe(true);
    expect(dominates([2, 0], [1, 1])).toBe(false);
  });

  it('the front contains no dominated point, and every point off it is dominated by one on it', () => {
    fc.assert(
      fc.property(pointsArb, (points) => {
        const front = paretoFront(points);
        for (const i of front) for (const p of points) expect(dominates(p, points[i]!)).toBe(false);
        points.forEach((p, i) => {
          if (!front.includes(i)) expect(front.some((j) => dominates(points[j]!, p))).toBe(true);
        });
      }),
    );
  });


  it('simplex weights sum to one and Chebyshev scalarisation prefers the balanced point under equal weights', () => {
    let x = 0.1;
    const w = simplexWeights(3, () => (x = (x * 7.3) % 1));
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(w.every((v) => v >= 0)).toBe(true);
    expect(chebyshev([0.5, 0.5], [0.5, 0.5])).toBeGreaterThan(chebyshev([0.9, 0.1], [0.5, 0.5]));
  });
});
