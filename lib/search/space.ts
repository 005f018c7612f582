/**
 * A search space: named dimensions and a decoder from a point to a recipe. Optimisers
 * see only the unit cube [0, 1]^d; a dimension maps its coordinate to a value (a real in
 * its range, or one of its choices by equal-width bins), so CMA-ES, TPE and random search
 * share one representation.
 */
import type { Recipe } from '@/lib/recipe/schema';

export interface RealDimension {
  kind: 'real';
  name: string;
  low: number;
  high: number;
}

export interface ChoiceDimension {
  kind: 'choice';
  name: string;
  choices: readonly string[];
}

export type Dimension = RealDimension | ChoiceDimension;

export interface SearchSpace {
  readonly dimensions: readonly Dimension[];
  /** The recipe a point stands for; its output stage is the model to score. */
  decode(unit: readonly number[]): Recipe;
}

function realValue(dimension: RealDimension, u: number): number {
  return dimension.low + clampUnit(u) * (dimension.high - dimension.low);
}

function choiceValue(dimension: ChoiceDimension, u: number): string {
  const k = dimension.choices.length;
  return dimension.choices[Math.min(k - 1, Math.floor(clampUnit(u) * k))]!;
}

/** The unit coordinate at the centre of a choice's bin (inverse of choiceValue). */
export function choiceUnit(dimension: ChoiceDimension, choice: string): number {
  const index = dimension.choices.indexOf(choice);
  if (index < 0) throw new RangeError(`${dimension.name} has no choice "${choice}"`);
  return (index + 0.5) / dimension.choices.length;
}

export function realUnit(dimension: RealDimension, value: number): number {
  return dimension.high === dimension.low ? 0.5 : clampUnit((value - dimension.low) / (dimension.high - dimension.low));
}

export function clampUnit(u: number): number {
  return Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0.5;
}

/** Reads a point by dimension name, for decoders. */
export class PointReader {
  private readonly index = new Map<string, number>();

  constructor(
    private readonly dimensions: readonly Dimension[],
    private readonly unit: readonly number[],
  ) {
    if (unit.length !== dimensions.length) throw new RangeError(`a point of this space has ${dimensions.length} coordinates, not ${unit.length}`);
    dimensions.forEach((d, i) => this.index.set(d.name, i));
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  real(name: string): number {
    const i = this.at(name);
    const d = this.dimensions[i]!;
    if (d.kind !== 'real') throw new TypeError(`${name} is not a real dimension`);
    return realValue(d, this.unit[i]!);
  }

  choice(name: string): string {
    const i = this.at(name);
    const d = this.dimensions[i]!;
    if (d.kind !== 'choice') throw new TypeError(`${name} is not a choice dimension`);
    return choiceValue(d, this.unit[i]!);
  }

  private at(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new RangeError(`no dimension "${name}"`);
    return i;
  }
}
