/**
 * How precisely the studio keeps and shows a parameter's number. A number the studio
 * writes into a recipe (a curve's anchor, a resampled gradient) is rounded here, and every
 * place that shows a parameter value (labels, accessible names, sentences, the demo) prints
 * it here, so what a person reads is what the YAML holds.
 */

/** Decimals kept of a parameter's number. */
const PARAM_DECIMALS = 4;

const SCALE = 10 ** PARAM_DECIMALS;

/**
 * A number to `PARAM_DECIMALS` decimals; one that this would turn to 0 (an epsilon, a
 * tolerance) keeps three significant digits instead.
 */
export function roundParamNumber(value: number): number {
  if (!Number.isFinite(value)) return value;
  const rounded = Math.round(value * SCALE) / SCALE + 0; // + 0 turns -0 into 0
  return rounded === 0 && value !== 0 ? Number(value.toPrecision(3)) : rounded;
}

/** A parameter's number as the studio prints it: rounded as above, no trailing zeros (1, 0.5, 0.8333, 0.00001). */
export function formatParamNumber(value: number): string {
  return String(roundParamNumber(value));
}
