import { describe, expect, it } from 'vitest';
import { CmaEs } from './cmaes';
import { Hyperband } from './hyperband';
import type { Optimizer } from './optimizer';
import { RandomSearch } from './randomSearch';

/** A smooth test function with its maximum 0 at (0.3, 0.7, 0.3, …). */
function sphere(point: readonly number[]): number {
  return -point.reduce((a, x, i) => a + (x - (i % 2 === 0 ? 0.3 : 0.7)) ** 2, 0);
}

function run(optimizer: Optimizer, trials: number, f = sphere): number {
  let best = -Infinity;
  for (let i = 0; i < trials; i++) {
    const t = optimizer.ask();
    const v = f(t.point);
    best = Math.max(best, v);
    optimizer.tell(t.id, [v]);
  }
  return best;
}

describe('optimisers', () => {
  it('CMA-ES converges on a 6-dimensional sphere far beyond random search', () => {
    const cma = run(new CmaEs(6, 100, 1), 400);
    const random = run(new RandomSearch(6, 100, 1), 400);
    expect(cma).toBeGreaterThan(-1e-4);
    expect(cma).toBeGreaterThan(random * 1e-2);
  });

  it('successive halving promotes exactly the top ⌊n/η⌋ of each rung, at η times the fidelity', () => {
    const hb = new Hyperband(3, 81, 7, { eta: 3, minFidelity: 3, sampler: 'random' });
    expect(hb.sMax).toBe(3);
    const seen: Array<{ point: number[]; fidelity: number; value: number }> = [];
    // The first bracket: s = 3, 27 configurations at 3 examples, then 9 at 9, 3 at 27, 1 at 81.
    for (let i = 0; i < 27 + 9 + 3 + 1; i++) {
      const t = hb.ask();
      const value = sphere(t.point);
      seen.push({ point: t.point, fidelity: t.fidelity, value });
      hb.tell(t.id, [value]);
    }
    const rungs = [3, 9, 27, 81].map((f) => seen.filter((s) => s.fidelity === f));
    expect(rungs.map((r) => r.length)).toEqual([27, 9, 3, 1]);
    for (let k = 0; k < 3; k++) {
      const top = [...rungs[k]!].sort((a, b) => b.value - a.value).slice(0, rungs[k + 1]!.length).map((r) => JSON.stringify(r.point));
      expect(rungs[k + 1]!.map((r) => JSON.stringify(r.point)).sort()).toEqual([...top].sort());
    }
    const state = hb.state();
    expect(state.promotions.map((p) => [p.from, p.kept])).toEqual([[27, 9], [9, 3], [3, 1]]);
    // The next bracket (s = 2) starts 12 configurations at 9 examples.
    expect(hb.initialCount(2)).toBe(12);
    expect(hb.ask().fidelity).toBe(9);
  });

  it('an optimiser restored from its state continues with exactly the same trials', () => {
    for (const make of [
      (saved?: unknown) => new CmaEs(4, 50, 3, {}, saved),
      (saved?: unknown) => new Hyperband(4, 50, 3, { eta: 3, minFidelity: 5, sampler: 'tpe', tpe: { minPoints: 5 } }, saved),
      (saved?: unknown) => new RandomSearch(4, 50, 3, saved),
    ]) {
      const whole = make();
      const first: string[] = [];
      for (let i = 0; i < 60; i++) {
        const t = whole.ask();
        first.push(JSON.stringify(t));
        whole.tell(t.id, [sphere(t.point)]);
      }
      const a = make();
      const resumed: string[] = [];
      for (let i = 0; i < 25; i++) {
        const t = a.ask();
        resumed.push(JSON.stringify(t));
        a.tell(t.id, [sphere(t.point)]);
      }
      const b = make(JSON.parse(JSON.stringify(a.state())));
      for (let i = 25; i < 60; i++) {
        const t = b.ask();
        resumed.push(JSON.stringify(t));
        b.tell(t.id, [sphere(t.point)]);
      }
      expect(resumed).toEqual(first);
    }
  });

  it('TPE-guided halving finds better points than uniform halving on the same budget', () => {
    const tpe = [1, 2, 3, 4, 5].map((seed) => run(new Hyperband(4, 27, seed, { eta: 3, minFidelity: 3, sampler: 'tpe', tpe: { minPoints: 6 } }), 200));
    const uniform = [1, 2, 3, 4, 5].map((seed) => run(new Hyperband(4, 27, seed, { eta: 3, minFidelity: 3, sampler: 'random' }), 200));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(tpe)).toBeGreaterThan(mean(uniform));
  });
});
