/**
 * Multi-fidelity search: Hyperband (Li et al. 2018), whose brackets run successive
 * halving with fidelity = dev examples per skill, and whose new configurations come from
 * a TPE model rather than uniform draws (BOHB). Bracket s starts n = ⌈(s_max+1)/(s+1)·η^s⌉
 * configurations at R·η^{-s} examples; each rung keeps the best ⌊n/η⌋ for η times the
 * examples, until R. Brackets cycle from the most aggressive (s_max) to plain full-fidelity
 * evaluation (s = 0), and start over.
 */
import { z } from 'zod';
import { rankingScalars, uniformPoint, type Observation, type Optimizer, type Trial } from './optimizer';
import { SearchRng } from './searchRng';
import { tpeSample, type TpeOptions } from './tpe';

export interface HyperbandOptions {
  eta: number;
  minFidelity: number;
  sampler: 'tpe' | 'random';
  tpe?: TpeOptions;
}

const observationSchema = z.object({ point: z.array(z.number()), fidelity: z.number(), values: z.array(z.number()) });
const stateSchema = z.object({
  rng: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  nextId: z.number().int(),
  bracket: z.number().int(),
  rung: z.number().int(),
  configs: z.array(z.object({ point: z.array(z.number()).nullable(), trialId: z.number().int().nullable(), values: z.array(z.number()).nullable() })),
  observations: z.array(observationSchema),
  /** Rung sizes and promotions so far, for tests and the progress view. */
  promotions: z.array(z.object({ bracket: z.number().int(), rung: z.number().int(), from: z.number().int(), kept: z.number().int() })),
});
export type HyperbandState = z.infer<typeof stateSchema>;

export class Hyperband implements Optimizer {
  readonly kind = 'hyperband';
  readonly sMax: number;
  private readonly rng: SearchRng;
  private s: HyperbandState;

  constructor(
    private readonly d: number,
    private readonly maxFidelity: number,
    seed: number,
    private readonly options: HyperbandOptions,
    saved?: unknown,
  ) {
    if (options.eta < 2) throw new RangeError('η must be at least 2');
    if (options.minFidelity < 1 || options.minFidelity > maxFidelity) throw new RangeError('the minimum fidelity must lie in [1, the maximum]');
    this.sMax = Math.floor(Math.log(maxFidelity / options.minFidelity) / Math.log(options.eta) + 1e-9);
    if (saved !== undefined) {
      this.s = stateSchema.parse(saved);
      this.rng = new SearchRng(this.s.rng);
    } else {
      this.rng = SearchRng.fromSeed(seed);
      this.s = { rng: this.rng.state, nextId: 0, bracket: 0, rung: 0, configs: [], observations: [], promotions: [] };
    }
  }

  /** s of the current bracket. */
  get bracketSize(): number {
    return this.sMax - (this.s.bracket % (this.sMax + 1));
  }

  /** Configurations bracket s starts with. */
  initialCount(s: number): number {
    return Math.ceil(((this.sMax + 1) / (s + 1)) * this.options.eta ** s);
  }

  /** Examples per skill at rung k of bracket s. */
  fidelity(s: number, k: number): number {
    return k >= s ? this.maxFidelity : Math.max(1, Math.round(this.maxFidelity * this.options.eta ** (k - s)));
  }

  ask(): Trial {
    for (;;) {
      if (this.s.configs.length === 0) this.s.configs = Array.from({ length: this.initialCount(this.bracketSize) }, () => ({ point: null, trialId: null, values: null }));
      const next = this.s.configs.find((c) => c.trialId === null);
      if (next) {
        next.point ??= this.sample();
        next.trialId = this.s.nextId++;
        return { id: next.trialId, point: [...next.point], fidelity: this.fidelity(this.bracketSize, this.s.rung) };
      }
      if (this.s.configs.some((c) => c.values === null)) throw new Error('successive halving is waiting for results of this rung');
      this.advance();
    }
  }

  tell(id: number, values: readonly number[]): void {
    const config = this.s.configs.find((c) => c.trialId === id);
    if (!config || config.point === null) throw new Error(`successive halving did not ask for trial ${id}`);
    config.values = [...values];
    this.s.observations.push({ point: [...config.point], fidelity: this.fidelity(this.bracketSize, this.s.rung), values: [...values] });
  }

  state(): HyperbandState {
    return structuredClone({ ...this.s, rng: this.rng.state });
  }

  private sample(): number[] {
    return this.options.sampler === 'tpe' ? tpeSample(this.s.observations, this.d, this.rng, this.options.tpe) : uniformPoint(this.d, this.rng);
  }

  /** The rung is complete: keep the top ⌊n/η⌋ for the next rung, or start the next bracket. */
  private advance(): void {
    const s = this.bracketSize;
    if (this.s.rung >= s) {
      this.s.bracket++;
      this.s.rung = 0;
      this.s.configs = [];
      return;
    }
    const told = this.s.configs.filter((c): c is { point: number[]; trialId: number; values: number[] } => c.point !== null && c.values !== null);
    const scalars = rankingScalars(told.map((c) => c.values), this.rng);
    const kept = Math.max(1, Math.floor(told.length / this.options.eta));
    const order = told.map((_, i) => i).sort((a, b) => scalars[b]! - scalars[a]! || a - b);
    this.s.promotions.push({ bracket: this.s.bracket, rung: this.s.rung, from: told.length, kept });
    this.s.configs = order.slice(0, kept).map((i) => ({ point: told[i]!.point, trialId: null, values: null }));
    this.s.rung++;
  }

  /** Observations so far (every rung of every bracket). */
  get observations(): readonly Observation[] {
    return this.s.observations;
  }
}
