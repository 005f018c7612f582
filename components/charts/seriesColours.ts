/** Colours of the score series, as the bar chart draws them: sources in greys, the merge in indigo. */
const SOURCE_COLOURS = ['#94a3b8', '#64748b', '#cbd5e1', '#475569'];
export const MERGE_COLOUR = '#4f46e5';

export function seriesColours(series: ReadonlyArray<{ highlight?: boolean }>): string[] {
  let source = 0;
  return series.map((s) => (s.highlight ? MERGE_COLOUR : (SOURCE_COLOURS[source++ % SOURCE_COLOURS.length] ?? '#94a3b8')));
}

/** An accuracy (0 … 1) as the charts print it: percent with one decimal. */
export function percent(accuracy: number): string {
  return (100 * accuracy).toFixed(1);
}
