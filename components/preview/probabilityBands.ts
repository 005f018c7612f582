import type { StreamedToken } from '@/lib/workers/engineApi';

/**
 * How a generated token is coloured by the model's probability of it: five bands, light enough
 * that dark text stays readable on each.
 */
export interface ProbabilityBand {
  /** The lowest probability in the band. */
  from: number;
  label: string;
  className: string;
}

export const PROBABILITY_BANDS: readonly ProbabilityBand[] = [
  { from: 0.9, label: '≥ 90%', className: 'bg-emerald-200' },
  { from: 0.7, label: '70–90%', className: 'bg-lime-200' },
  { from: 0.5, label: '50–70%', className: 'bg-yellow-200' },
  { from: 0.25, label: '25–50%', className: 'bg-orange-200' },
  { from: 0, label: '< 25%', className: 'bg-red-300' },
];

export function probabilityBand(probability: number): ProbabilityBand {
  return PROBABILITY_BANDS.find((band) => probability >= band.from) ?? PROBABILITY_BANDS[PROBABILITY_BANDS.length - 1]!;
}

/** "93.1%", "0.4%", "< 0.1%". */
export function formatProbability(probability: number): string {
  const percent = 100 * probability;
  return percent < 0.1 ? '< 0.1%' : `${percent.toFixed(1)}%`;
}

/** How a token reads in its title and description: “S” 93.1%, with spaces and newlines made visible. */
export function tokenProbabilityLabel(token: Pick<StreamedToken, 'text' | 'probability'>): string {
  const shown = token.text.replace(/ /g, '␣').replace(/\n/g, '↵') || '∅';
  return `“${shown}” ${formatProbability(token.probability)}`;
}
