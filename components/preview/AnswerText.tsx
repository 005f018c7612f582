'use client';

import { useId } from 'react';
import type { StreamedToken } from '@/lib/workers/engineApi';
import { probabilityBand, PROBABILITY_BANDS, tokenProbabilityLabel } from './probabilityBands';

/**
 * An answer's text; with `coloured`, each token on the colour of the model's probability of it,
 * with the probability in its title, and the whole list in the output's description for screen
 * readers (the output's own text stays the answer).
 */
export function AnswerText({ tokens, empty, coloured, dim }: { tokens: readonly StreamedToken[]; empty: string; coloured: boolean; dim?: boolean }) {
  const descriptionId = useId();
  const text = tokens.map((t) => t.text).join('');
  return (
    <>
      <output
        className={`mt-1 block whitespace-pre-wrap break-all font-mono text-sm ${dim ? 'text-slate-400' : ''}`}
        data-testid="preview-answer"
        aria-describedby={coloured && tokens.length > 0 ? descriptionId : undefined}
      >
        {tokens.length === 0
          ? empty
          : coloured
            ? tokens.map((token) => (
                <span
                  key={token.index}
                  className={`rounded-sm ${probabilityBand(token.probability).className}`}
                  title={tokenProbabilityLabel(token)}
                  data-testid="preview-token"
                  data-probability={token.probability}
                >
                  {token.text}
                </span>
              ))
            : text}
      </output>
      {coloured && tokens.length > 0 ? (
        <span id={descriptionId} className="sr-only">
          Token probabilities: {tokens.map(tokenProbabilityLabel).join(', ')}
        </span>
      ) : null}
    </>
  );
}

export function ProbabilityLegend() {
  return (
    <ul aria-label="Token probability colours" className="flex flex-wrap items-center gap-1 text-[10px] text-slate-600">
      {PROBABILITY_BANDS.map((band) => (
        <li key={band.label} className={`rounded-sm px-1 font-mono ${band.className}`}>
          {band.label}
        </li>
      ))}
    </ul>
  );
}
