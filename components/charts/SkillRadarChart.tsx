'use client';

import { Legend, PolarAngleAxis, PolarGrid, PolarRadiusAxis, Radar, RadarChart, ResponsiveContainer, Tooltip } from 'recharts';
import type { ScoreSeries } from './SkillBarChart';
import { percent, seriesColours } from './seriesColours';

/** One polygon per model over the skills: the sources in grey, the merge in indigo. The numbers below as a table. */
export function SkillRadarChart({ skills, series }: { skills: string[]; series: ScoreSeries[] }) {
  if (series.length === 0 || skills.length === 0) {
    return <p className="p-3 text-sm text-slate-500">The radar appears once the merge and its sources are scored.</p>;
  }
  const data = skills.map((skill) => {
    const row: Record<string, string | number> = { skill };
    for (const s of series) {
      const score = s.scores.find((x) => x.skill === skill);
      if (score) row[s.name] = Math.round(1000 * score.accuracy) / 10;
    }
    return row;
  });
  const colours = seriesColours(series);
  return (
    <figure className="flex h-full min-h-0 flex-col p-3" aria-labelledby="radar-caption">
      <figcaption id="radar-caption" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
        Skills radar (exact match, test split)
      </figcaption>
      <div className="min-h-0 flex-1" role="img" aria-label={`Radar of exact match per skill for ${series.map((s) => s.name).join(', ')}`}>
        <ResponsiveContainer width="100%" height="100%" minHeight={180}>
          <RadarChart data={data} outerRadius="72%" margin={{ top: 4, right: 8, bottom: 4, left: 8 }}>
            <PolarGrid />
            <PolarAngleAxis dataKey="skill" tick={{ fontSize: 11 }} />
            <PolarRadiusAxis domain={[0, 100]} tick={{ fontSize: 9 }} angle={60} tickCount={3} />
            <Tooltip formatter={(value) => `${String(value)}%`} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {series.map((s, i) => (
              <Radar
                key={s.name}
                name={s.name}
                dataKey={s.name}
                stroke={colours[i]}
                strokeWidth={s.highlight ? 2 : 1}
                fill={colours[i]}
                fillOpacity={s.highlight ? 0.25 : 0.08}
                isAnimationActive={false}
              />
            ))}
          </RadarChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only" aria-label="Radar data">
        <thead>
          <tr>
            <th scope="col">skill</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {skills.map((skill) => (
            <tr key={skill}>
              <th scope="row">{skill}</th>
              {series.map((s) => {
                const score = s.scores.find((x) => x.skill === skill);
                return (
                  <td key={s.name} data-testid={s.highlight ? `radar-merged-${skill}` : `radar-${s.name}-${skill}`}>
                    {score ? percent(score.accuracy) : '—'}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
