/**
 * The curve editor's plot as plain functions: where a layer or an anchor is drawn, which
 * point of the plot a pointer is over, and what a key does to an anchor.
 */

export const VIEW = { width: 300, height: 150, left: 30, right: 8, top: 18, bottom: 20 };
export const PLOT_WIDTH = VIEW.width - VIEW.left - VIEW.right;
export const PLOT_HEIGHT = VIEW.height - VIEW.top - VIEW.bottom;
/** Room inside the plot at both ends, so the first and last layer's labels stay clear of the axis. */
const INSET = 14;

export type Domain = readonly [number, number];

export function clamp(value: number, [low, high]: Domain): number {
  return Math.min(high, Math.max(low, value));
}

/** Grid lines: the ends of the axis, and 0 and 1 where they fall inside it. */
export function gridValues([low, high]: Domain): number[] {
  return [...new Set([low, high, ...[0, 1].filter((v) => v > low && v < high)])].sort((a, b) => a - b);
}

export interface CurvePlot {
  /** x of a position t ∈ [0, 1] along the layers. */
  xOf(t: number): number;
  /** y of a value on the axis. */
  yOf(value: number): number;
  /** x of a decoder layer. */
  layerX(layer: number): number;
  /** The point under a pointer, as (t along the layers, value), from its place in a box of the drawn size; null when the box is empty. */
  pointAt(x: number, y: number, box: { width: number; height: number }): { t: number; value: number } | null;
}

export function curvePlot(domain: Domain, layerCount: number): CurvePlot {
  const [low, high] = domain;
  const span = high - low || 1;
  const xOf = (t: number) => VIEW.left + INSET + t * (PLOT_WIDTH - 2 * INSET);
  return {
    xOf,
    yOf: (value) => VIEW.top + ((high - value) / span) * PLOT_HEIGHT,
    layerX: (layer) => xOf(layerCount > 1 ? layer / (layerCount - 1) : 0.5),
    pointAt(x, y, box) {
      if (box.width === 0 || box.height === 0) return null;
      const vx = (x / box.width) * VIEW.width;
      const vy = (y / box.height) * VIEW.height;
      return { t: clamp((vx - VIEW.left - INSET) / (PLOT_WIDTH - 2 * INSET), [0, 1]), value: clamp(high - ((vy - VIEW.top) / PLOT_HEIGHT) * span, domain) };
    },
  };
}

/** An anchor's new value after a key (arrows step 0.01, with Shift or Page keys 0.1; Home and End go to the ends), or null when the key does not move it. */
export function anchorAfterKey(key: string, shiftKey: boolean, current: number, [low, high]: Domain): number | null {
  const step = shiftKey ? 0.1 : 0.01;
  switch (key) {
    case 'ArrowUp':
    case 'ArrowRight':
      return current + step;
    case 'ArrowDown':
    case 'ArrowLeft':
      return current - step;
    case 'PageUp':
      return current + 0.1;
    case 'PageDown':
      return current - 0.1;
    case 'Home':
      return low;
    case 'End':
      return high;
    default:
      return null;
  }
}
