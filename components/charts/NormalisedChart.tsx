'use client';

import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';
import type { ScoreSeries } from './SkillBarChart';
import { percent } from './seriesColours';

export interface NormalisedRow {
  skill: string;
  /** The merge's accuracy (0 … 1); null until it is scored. */
  merge: number | null;
  /** The merge's input that is the expert of this skill; null when none of its inputs is. */
  expert: string | null;
  expertAccuracy: number | null;
  /** merge ÷ expert, in percent; null when either is missing or the expert scores 0. */
  ratio: number | null;
}

/** Per skill: the merge's score as a share of the score of its input that is that skill's expert. */
export function normalisedRows(skills: readonly string[], series: readonly ScoreSeries[], sources: readonly string[], zoo: readonly ZooIndexEntry[]): NormalisedRow[] {
  const merged = series.find((s) => s.highlight);
  return skills.map((skill) => {
    const merge = merged?.scores.find((s) => s.skill === skill)?.accuracy ?? null;
    const expert = zoo.find((m) => m.role === 'expert' && m.skill === skill && sources.includes(m.id))?.id ?? null;
    const expertAccuracy = expert ? (series.find((s) => s.name === expert)?.scores.find((s) => s.skill === skill)?.accuracy ?? null) : null;
    const ratio = merge !== null && expertAccuracy !== null && expertAccuracy > 0 ? (100 * merge) / expertAccuracy : null;
    return { skill, merge, expert, expertAccuracy, ratio };
  });
}

function barColour(ratio: number): string {
  if (ratio >= 100) return '#059669';
  if (ratio >= 80) return '#4f46e5';
  return '#d97706';
}

/** One bar per skill: the merge's accuracy ÷ its expert's, with the 100% line where the merge keeps the whole skill. */
export function NormalisedChart({ rows }: { rows: NormalisedRow[] }) {
  const withExpert = rows.filter((r) => r.expert !== null);
  if (withExpert.length === 0) {
    return <p className="p-3 text-sm text-slate-500">None of this merge&apos;s inputs is a skill expert: nothing to normalise by.</p>;
  }
  // Room above the 100% line, in steps of 25%.
  const top = Math.max(125, ...rows.map((r) => (r.ratio === null ? 0 : Math.ceil(r.ratio / 25) * 25 + 25)));
  const ticks = Array.from({ length: top / 25 + 1 }, (_, i) => i * 25);
  const data = rows.map((r) => ({ skill: r.skill, ratio: r.ratio === null ? null : Math.round(10 * r.ratio) / 10 }));
  return (
    <figure className="flex h-full min-h-0 flex-col p-3" aria-labelledby="normalised-caption">
      <figcaption id="normalised-caption" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
        Normalised accuracy (merge ÷ its expert)
      </figcaption>
      <div className="min-h-0 flex-1" role="img" aria-label="Bars of the merge's accuracy as a percentage of each skill's expert">
        <ResponsiveContainer width="100%" height="100%" minHeight={140}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="skill" tick={{ fontSize: 11 }} />
            <YAxis domain={[0, top]} ticks={ticks} tick={{ fontSize: 11 }} unit="%" />
            <Tooltip formatter={(value) => [`${String(value)}% of the expert`, 'merge']} />
            <ReferenceLine y={100} stroke="#0f172a" strokeDasharray="4 2" label={{ value: 'expert', position: 'insideTopRight', fontSize: 10 }} />
            <Bar dataKey="ratio" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.skill} fill={d.ratio === null ? '#e2e8f0' : barColour(d.ratio)} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="mt-1 w-full text-left text-[11px] text-slate-600" aria-label="Normalised accuracy per skill">
        <thead>
          <tr className="text-slate-500">
            <th scope="col" className="font-medium">skill</th>
            <th scope="col" className="font-medium">merge</th>
            <th scope="col" className="font-medium">expert</th>
            <th scope="col" className="font-medium">merge ÷ expert</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.skill}>
              <th scope="row" className="font-mono font-normal">{r.skill}</th>
              <td data-testid={`normalised-merge-${r.skill}`}>{r.merge === null ? '…' : percent(r.merge)}</td>
              <td data-testid={`normalised-expert-${r.skill}`}>
                {r.expert === null ? 'no expert among the inputs' : `${r.expert}: ${r.expertAccuracy === null ? '…' : percent(r.expertAccuracy)}`}
              </td>
              <td data-testid={`normalised-${r.skill}`} className="font-mono">
                {r.ratio !== null ? `${r.ratio.toFixed(1)}%` : r.expert !== null && r.expertAccuracy === 0 ? 'expert scores 0' : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
