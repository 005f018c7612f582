import { describe, expect, it } from 'vitest';
import { anchorAfterKey, curvePlot, gridValues, VIEW } from './curvePlot';

describe('the curve plot', () => {
  it('draws the axis ends, and 0 and 1 inside it', () => {
    expect(gridValues([0, 1])).toEqual([0, 1]);
    expect(gridValues([-1, 2])).toEqual([-1, 0, 1, 2]);
    expect(gridValues([0.5, 1.5])).toEqual([0.5, 1, 1.5]);
  });

  it('puts the first and last layer at the plot’s inset ends, one layer in the middle, and reads a pointer back', () => {
    const plot = curvePlot([0, 2], 5);
    expect(plot.layerX(0)).toBe(plot.xOf(0));
    expect(plot.layerX(4)).toBe(plot.xOf(1));
    expect(curvePlot([0, 2], 1).layerX(0)).toBe(plot.xOf(0.5));
    expect(plot.yOf(2)).toBe(VIEW.top);
    const box = { width: 2 * VIEW.width, height: 2 * VIEW.height };
    const point = plot.pointAt(2 * plot.xOf(0.25), 2 * plot.yOf(1.5), box);
    expect(point!.t).toBeCloseTo(0.25, 12);
    expect(point!.value).toBeCloseTo(1.5, 12);
    expect(plot.pointAt(0, 0, box)).toEqual({ t: 0, value: 2 });
    expect(plot.pointAt(1, 1, { width: 0, height: 10 })).toBeNull();
  });

  it('moves an anchor by key: arrows by 0.01, Shift and Page keys by 0.1, Home and End to the ends', () => {
    expect(anchorAfterKey('ArrowUp', false, 0.5, [0, 1])).toBeCloseTo(0.51, 12);
    expect(anchorAfterKey('ArrowLeft', true, 0.5, [0, 1])).toBeCloseTo(0.4, 12);
    expect(anchorAfterKey('PageUp', false, 0.5, [0, 1])).toBeCloseTo(0.6, 12);
    expect(anchorAfterKey('Home', false, 0.5, [-1, 2])).toBe(-1);
    expect(anchorAfterKey('End', false, 0.5, [-1, 2])).toBe(2);
    expect(anchorAfterKey('a', false, 0.5, [0, 1])).toBeNull();
  });
});
