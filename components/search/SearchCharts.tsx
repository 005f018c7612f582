'use client';

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { MERGE_COLOUR, percent } from '@/components/charts/seriesColours';
import type { ParetoPoint } from '@/lib/search/searchResults';

const DOMINATED_COLOUR = '#cbd5e1';

/** The best full-fidelity dev score reached against examples spent: the search's anytime curve. */
export function BestSoFarChart({ curve, budget, label }: { curve: ReadonlyArray<{ spent: number; best: number }>; budget: number; label: string }) {
  if (curve.length === 0) return null;
  // A step line that runs on to the last example spent, so the flat end is visible too.
  const data = curve.map((p) => ({ spent: p.spent, best: Math.round(1000 * p.best) / 10 }));
  return (
    <figure aria-labelledby="search-best-caption">
      <figcaption id="search-best-caption" className="text-xs font-medium text-slate-500">
        Best dev score ({label}) against examples spent
      </figcaption>
      <div className="h-36" role="img" aria-label={`Step line of the best ${label} dev score found, rising from ${percent(curve[0]!.best)}% to ${percent(curve.at(-1)!.best)}%`}>
        <ResponsiveContainer width="100%" height="100%" minHeight={100}>
          <LineChart data={data} margin={{ top: 6, right: 12, bottom: 12, left: -12 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="spent" type="number" domain={[0, budget]} tick={{ fontSize: 10 }} label={{ value: 'examples spent', position: 'insideBottom', offset: -6, fontSize: 10 }} />
            <YAxis domain={[0, 100]} tick={{ fontSize: 10 }} unit="%" tickCount={3} />
            <Tooltip formatter={(v) => [`${String(v)}%`, 'best']} labelFormatter={(s) => `after ${String(s)} examples`} />
            <Line type="stepAfter" dataKey="best" stroke={MERGE_COLOUR} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** Every full-fidelity candidate in the plane of two skills; the non-dominated ones highlighted and joined. */
export function ParetoScatter({ points, labels }: { points: readonly ParetoPoint[]; labels: readonly [string, string] }) {
  if (points.length === 0) return null;
  const asPercent = (p: ParetoPoint) => ({ id: p.id, x: Math.round(1000 * p.x) / 10, y: Math.round(1000 * p.y) / 10 });
  const front = points.filter((p) => p.onFront).map(asPercent).sort((a, b) => a.x - b.x);
  const rest = points.filter((p) => !p.onFront).map(asPercent);
  return (
    <figure aria-labelledby="search-pareto-caption">
      <figcaption id="search-pareto-caption" className="text-xs font-medium text-slate-500">
        Pareto front: {labels[0]} against {labels[1]} ({front.length} of {points.length} candidates on the front)
      </figcaption>
      <div className="h-44" role="img" aria-label={`Scatter of ${points.length} candidates by ${labels[0]} and ${labels[1]} accuracy; ${front.length} are on the Pareto front`}>
        <ResponsiveContainer width="100%" height="100%" minHeight={120}>
          <ScatterChart margin={{ top: 6, right: 12, bottom: 12, left: -12 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="x" type="number" domain={[0, 100]} unit="%" tick={{ fontSize: 10 }} name={labels[0]} label={{ value: labels[0], position: 'insideBottom', offset: -6, fontSize: 10 }} />
            <YAxis dataKey="y" type="number" domain={[0, 100]} unit="%" tick={{ fontSize: 10 }} name={labels[1]} />
            <ZAxis range={[36, 36]} />
            <Tooltip formatter={(v, name) => [`${String(v)}%`, String(name)]} />
            <Scatter name="dominated" data={rest} fill={DOMINATED_COLOUR} isAnimationActive={false} />
            <Scatter name="Pareto front" data={front} fill={MERGE_COLOUR} line={{ stroke: MERGE_COLOUR }} isAnimationActive={false} />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
