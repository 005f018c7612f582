/**
 * The model-based sampler of the multi-fidelity search: a Tree-structured Parzen
 * Estimator as BOHB uses it (Falkner et al. 2018). Observations at the highest fidelity
 * with enough of them are split into the best γ and the rest; each side gets a product of
 * per-dimension Gaussian Parzen densities, l(x) and g(x); candidates drawn around good
 * points (with widened bandwidths) are ranked by l(x)/g(x). A third of the draws stay
 * uniform so the search never stops exploring.
 */
import { rankingScalars, uniformPoint, type Observation } from './optimizer';
import { clampUnit } from './space';
import type { SearchRng } from './searchRng';

export interface TpeOptions {
  /** Share of observations that count as good (BOHB: 0.15). */
  gamma?: number;
  /** Share of uniform draws (BOHB: 1/3). */
  randomFraction?: number;
  /** Candidates drawn from l(x) per sample (BOHB: 64). */
  candidates?: number;
  /** Bandwidth widening for the candidate draws (BOHB: 3). */
  bandwidthFactor?: number;
  /** Observations needed at a fidelity before it is modelled. */
  minPoints?: number;
}

const DEFAULTS = { gamma: 0.15, randomFraction: 1 / 3, candidates: 64, bandwidthFactor: 3, minPoints: 10 } as const;
const MIN_BANDWIDTH = 0.05;

interface Parzen {
  centres: number[][];
  bandwidths: number[];
}

function parzen(points: number[][], d: number): Parzen {
  const n = points.length;
  const bandwidths = Array.from({ length: d }, (_, j) => {
    const mean = points.reduce((a, p) => a + p[j]!, 0) / n;
    const sd = Math.sqrt(points.reduce((a, p) => a + (p[j]! - mean) ** 2, 0) / Math.max(1, n - 1));
    return Math.max(MIN_BANDWIDTH, 1.06 * sd * n ** -0.2);
  });
  return { centres: points, bandwidths };
}

function logDensity(model: Parzen, x: readonly number[]): number {
  let total = 0;
  x.forEach((v, j) => {
    const h = model.bandwidths[j]!;
    let sum = 0;
    for (const c of model.centres) sum += Math.exp(-0.5 * ((v - c[j]!) / h) ** 2) / h;
    total += Math.log(sum / model.centres.length + 1e-300);
  });
  return total;
}

/** The observations TPE models: the highest fidelity with at least `minPoints` of them. */
function modelledObservations(observations: readonly Observation[], minPoints: number): Observation[] {
  const byFidelity = new Map<number, Observation[]>();
  for (const o of observations) byFidelity.set(o.fidelity, [...(byFidelity.get(o.fidelity) ?? []), o]);
  const fidelities = [...byFidelity.keys()].sort((a, b) => b - a);
  for (const f of fidelities) {
    const at = byFidelity.get(f)!;
    if (at.length >= minPoints) return at;
  }
  return [];
}

export function tpeSample(observations: readonly Observation[], d: number, rng: SearchRng, options: TpeOptions = {}): number[] {
  const o = { ...DEFAULTS, ...options };
  const modelled = modelledObservations(observations, o.minPoints);
  if (modelled.length === 0 || rng.next() < o.randomFraction) return uniformPoint(d, rng);
  const scalars = rankingScalars(modelled.map((m) => m.values), rng);
  const order = modelled.map((_, i) => i).sort((a, b) => scalars[b]! - scalars[a]! || a - b);
  const nGood = Math.max(2, Math.ceil(o.gamma * modelled.length));
  const good = order.slice(0, nGood).map((i) => modelled[i]!.point);
  const bad = order.slice(nGood).map((i) => modelled[i]!.point);
  if (bad.length < 2) return uniformPoint(d, rng);
  const l = parzen(good, d);
  const g = parzen(bad, d);
  let best: number[] = [];
  let bestScore = -Infinity;
  for (let c = 0; c < o.candidates; c++) {
    const centre = good[rng.below(good.length)]!;
    const x = centre.map((v, j) => clampUnit(v + o.bandwidthFactor * l.bandwidths[j]! * rng.normal()));
    const score = logDensity(l, x) - logDensity(g, x);
    if (score > bestScore) {
      bestScore = score;
      best = x;
    }
  }
  return best;
}
