'use client';

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { MERGE_COLOUR } from '@/components/charts/seriesColours';

export interface ScoreHistoryPoint {
  /** The experiment's number (#1, #2 …). */
  number: number;
  /** When it was recorded (ms since the epoch). */
  time: number;
  /** Mean exact match over the skills (0 … 1). */
  mean: number;
}

function clock(time: number): string {
  return new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Mean score of each experiment of this session, over time: one point per recorded experiment. */
export function ScoreHistoryChart({ points }: { points: ScoreHistoryPoint[] }) {
  if (points.length === 0) return null;
  const data = points.map((p) => ({ ...p, meanPercent: Math.round(1000 * p.mean) / 10 }));
  return (
    <figure aria-labelledby="score-history-caption" className="mb-2">
      <figcaption id="score-history-caption" className="text-xs font-medium text-slate-500">
        This session: mean score over time ({points.length} experiment{points.length === 1 ? '' : 's'})
      </figcaption>
      <div className="h-24" role="img" aria-label="Line of the mean score of each experiment of this session, in the order they were recorded">
        <ResponsiveContainer width="100%" height="100%" minHeight={80}>
          <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: -20 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="time"
              type="number"
              scale="time"
              domain={['dataMin - 5000', 'dataMax + 5000']}
              tickFormatter={clock}
              tick={{ fontSize: 10 }}
              tickCount={4}
            />
            <YAxis domain={[0, 100]} tick={{ fontSize: 10 }} unit="%" tickCount={3} />
            <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v, _n, item) => [`${String(v)}%`, `#${(item.payload as ScoreHistoryPoint).number} mean`]} />
            <Line dataKey="meanPercent" stroke={MERGE_COLOUR} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only" aria-label="Score history">
        <thead>
          <tr>
            <th scope="col">experiment</th>
            <th scope="col">time</th>
            <th scope="col">mean score</th>
          </tr>
        </thead>
        <tbody>
          {data.map((p) => (
            <tr key={p.number}>
              <th scope="row">#{p.number}</th>
              <td>{clock(p.time)}</td>
              <td data-testid={`score-history-${p.number}`}>{p.meanPercent.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
