import { z } from 'zod';
import type { Dimension } from './space';

/** A knob is free within a range, or fixed to a value. */
export const knobSchema = z.union([
  z.number().finite(),
  z
    .object({ low: z.number().finite(), high: z.number().finite() })
    .refine((k) => k.low <= k.high, { message: 'low must not exceed high' }),
]);
export type Knob = z.infer<typeof knobSchema>;

function isFree(knob: Knob): knob is { low: number; high: number } {
  return typeof knob !== 'number' && knob.high > knob.low;
}

export function fixedValue(knob: Knob): number {
  return typeof knob === 'number' ? knob : knob.low;
}

/** Adds a real dimension when the knob is free. */
export function pushKnob(dimensions: Dimension[], name: string, knob: Knob): void {
  if (isFree(knob)) dimensions.push({ kind: 'real', name, low: knob.low, high: knob.high });
}
