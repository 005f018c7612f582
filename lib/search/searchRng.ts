/**
 * The search's randomness: sfc32 with its four words exposed, so an optimiser's state,
 * generator included, is plain JSON that a reload can resume bit for bit.
 */
import { sfc32Step } from '@/lib/merge/rng';

export type RngState = [number, number, number, number];

export class SearchRng {
  private s: RngState;

  constructor(state: RngState) {
    this.s = [...state];
  }

  static fromSeed(seed: number): SearchRng {
    const rng = new SearchRng([0x9e3779b9, seed >>> 0, (seed * 0x85ebca6b) >>> 0, 1]);
    for (let i = 0; i < 16; i++) rng.nextUint32();
    return rng;
  }

  get state(): RngState {
    return [...this.s];
  }

  nextUint32(): number {
    return sfc32Step(this.s);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** Standard normal (Box–Muller; one draw per call keeps the state simple). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}
