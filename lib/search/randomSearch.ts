/** Random search: uniform points of the cube, each scored at full fidelity. */
import { z } from 'zod';
import { uniformPoint, type Optimizer, type Trial } from './optimizer';
import { SearchRng } from './searchRng';

const stateSchema = z.object({ rng: z.tuple([z.number(), z.number(), z.number(), z.number()]), nextId: z.number().int() });
export type RandomSearchState = z.infer<typeof stateSchema>;

export class RandomSearch implements Optimizer {
  readonly kind = 'random';
  private readonly rng: SearchRng;
  private nextId: number;

  constructor(
    private readonly dimensions: number,
    private readonly maxFidelity: number,
    seed: number,
    saved?: unknown,
  ) {
    const state = saved === undefined ? undefined : stateSchema.parse(saved);
    this.rng = state ? new SearchRng(state.rng) : SearchRng.fromSeed(seed);
    this.nextId = state?.nextId ?? 0;
  }

  ask(): Trial {
    return { id: this.nextId++, point: uniformPoint(this.dimensions, this.rng), fidelity: this.maxFidelity };
  }

  tell(): void {}

  state(): RandomSearchState {
    return { rng: this.rng.state, nextId: this.nextId };
  }
}
