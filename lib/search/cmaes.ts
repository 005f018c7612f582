/**
 * CMA-ES (Hansen's (μ/μ_w, λ) rank-μ + rank-one update, "The CMA Evolution Strategy: A
 * Tutorial", 2016), mergekit-evolve's optimiser and our baseline. It searches the unit
 * cube; points are clipped to it for evaluation and the update uses the clipped points.
 * Every trial is scored at full fidelity. With several objectives each generation is
 * ranked by a fresh ParEGO scalarisation.
 */
import { z } from 'zod';
import { svd } from '@/lib/linalg/svd';
import { matrix } from '@/lib/linalg/matrix';
import { clampUnit } from './space';
import { rankingScalars, type Optimizer, type Trial } from './optimizer';
import { SearchRng } from './searchRng';

const stateSchema = z.object({
  rng: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  nextId: z.number().int(),
  generation: z.number().int(),
  mean: z.array(z.number()),
  sigma: z.number(),
  covariance: z.array(z.number()),
  pc: z.array(z.number()),
  ps: z.array(z.number()),
  population: z.array(z.object({ id: z.number().int(), point: z.array(z.number()), values: z.array(z.number()).nullable() })),
});
export type CmaEsState = z.infer<typeof stateSchema>;

export interface CmaEsOptions {
  /** Initial step size in the unit cube (default 0.3). */
  sigma0?: number;
  /** Population size (default 4 + ⌊3 ln d⌋). */
  populationSize?: number;
}

export class CmaEs implements Optimizer {
  readonly kind = 'cmaes';
  private readonly rng: SearchRng;
  private s: CmaEsState;
  private readonly lambda: number;
  private readonly weights: number[];
  private readonly muEff: number;
  private readonly cc: number;
  private readonly cs: number;
  private readonly c1: number;
  private readonly cmu: number;
  private readonly damps: number;
  private readonly chiN: number;
  private eigen: { B: Float64Array; D: Float64Array } | null = null;

  constructor(
    private readonly d: number,
    private readonly maxFidelity: number,
    seed: number,
    options: CmaEsOptions = {},
    saved?: unknown,
  ) {
    const n = d;
    this.lambda = options.populationSize ?? 4 + Math.floor(3 * Math.log(n));
    const mu = Math.floor(this.lambda / 2);
    const raw = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
    const sum = raw.reduce((a, b) => a + b, 0);
    this.weights = raw.map((w) => w / sum);
    this.muEff = 1 / this.weights.reduce((a, w) => a + w * w, 0);
    this.cc = (4 + this.muEff / n) / (n + 4 + (2 * this.muEff) / n);
    this.cs = (this.muEff + 2) / (n + this.muEff + 5);
    this.c1 = 2 / ((n + 1.3) ** 2 + this.muEff);
    this.cmu = Math.min(1 - this.c1, (2 * (this.muEff - 2 + 1 / this.muEff)) / ((n + 2) ** 2 + this.muEff));
    this.damps = 1 + 2 * Math.max(0, Math.sqrt((this.muEff - 1) / (n + 1)) - 1) + this.cs;
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    if (saved !== undefined) {
      this.s = stateSchema.parse(saved);
      this.rng = new SearchRng(this.s.rng);
    } else {
      this.rng = SearchRng.fromSeed(seed);
      const identity = new Array<number>(n * n).fill(0);
      for (let i = 0; i < n; i++) identity[i * n + i] = 1;
      this.s = {
        rng: this.rng.state,
        nextId: 0,
        generation: 0,
        mean: new Array<number>(n).fill(0.5),
        sigma: options.sigma0 ?? 0.3,
        covariance: identity,
        pc: new Array<number>(n).fill(0),
        ps: new Array<number>(n).fill(0),
        population: [],
      };
    }
  }

  ask(): Trial {
    if (this.s.population.length === this.lambda && this.s.population.every((p) => p.values !== null)) this.update();
    if (this.s.population.length < this.lambda) {
      const point = this.sample();
      const trial = { id: this.s.nextId++, point, fidelity: this.maxFidelity };
      this.s.population.push({ id: trial.id, point, values: null });
      return trial;
    }
    const waiting = this.s.population.find((p) => p.values === null);
    // Sequential use never gets here: every asked point is told before the next ask.
    throw new Error(`CMA-ES is waiting for trial ${waiting?.id}`);
  }

  tell(id: number, values: readonly number[]): void {
    const member = this.s.population.find((p) => p.id === id);
    if (!member) throw new Error(`CMA-ES did not ask for trial ${id}`);
    member.values = [...values];
  }

  state(): CmaEsState {
    return structuredClone({ ...this.s, rng: this.rng.state });
  }

  get generation(): number {
    return this.s.generation;
  }

  private decompose(): { B: Float64Array; D: Float64Array } {
    if (!this.eigen) {
      const n = this.d;
      const { U, S } = svd(matrix(n, n, Float64Array.from(this.s.covariance)));
      this.eigen = { B: U.data, D: Float64Array.from(S, (v) => Math.sqrt(Math.max(v, 1e-20))) };
    }
    return this.eigen;
  }

  private sample(): number[] {
    const n = this.d;
    const { B, D } = this.decompose();
    const z = Array.from({ length: n }, () => this.rng.normal());
    const point = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let y = 0;
      for (let j = 0; j < n; j++) y += B[i * n + j]! * D[j]! * z[j]!;
      point[i] = clampUnit(this.s.mean[i]! + this.s.sigma * y);
    }
    return point;
  }

  private update(): void {
    const n = this.d;
    const s = this.s;
    const scalars = rankingScalars(s.population.map((p) => p.values ?? []), this.rng);
    const order = s.population.map((_, i) => i).sort((a, b) => scalars[b]! - scalars[a]! || a - b);
    const old = s.mean.slice();
    const selected = order.slice(0, this.weights.length).map((i) => s.population[i]!.point);
    const ys = selected.map((x) => x.map((v, i) => (v - old[i]!) / s.sigma));
    const yw = new Array<number>(n).fill(0);
    ys.forEach((y, k) => y.forEach((v, i) => (yw[i]! += this.weights[k]! * v)));
    s.mean = old.map((m, i) => m + s.sigma * yw[i]!);

    const { B, D } = this.decompose();
    // C^{-1/2} y_w = B D^{-1} Bᵀ y_w
    const bty = new Array<number>(n).fill(0);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) bty[j]! += B[i * n + j]! * yw[i]!;
    const invSqrt = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) invSqrt[i]! += (B[i * n + j]! * bty[j]!) / D[j]!;
    const csFactor = Math.sqrt(this.cs * (2 - this.cs) * this.muEff);
    s.ps = s.ps.map((p, i) => (1 - this.cs) * p + csFactor * invSqrt[i]!);
    const psNorm = Math.hypot(...s.ps);
    const hsig = psNorm / Math.sqrt(1 - (1 - this.cs) ** (2 * (s.generation + 1))) / this.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccFactor = hsig * Math.sqrt(this.cc * (2 - this.cc) * this.muEff);
    s.pc = s.pc.map((p, i) => (1 - this.cc) * p + ccFactor * yw[i]!);
    const keep = 1 - this.c1 - this.cmu + (1 - hsig) * this.c1 * this.cc * (2 - this.cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rankMu = 0;
        ys.forEach((y, k) => (rankMu += this.weights[k]! * y[i]! * y[j]!));
        s.covariance[i * n + j] = keep * s.covariance[i * n + j]! + this.c1 * s.pc[i]! * s.pc[j]! + this.cmu * rankMu;
      }
    }
    s.sigma = Math.min(1, s.sigma * Math.exp((this.cs / this.damps) * (psNorm / this.chiN - 1)));
    s.generation++;
    s.population = [];
    this.eigen = null;
  }
}
