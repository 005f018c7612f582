'use client';

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SkillScore } from '@/lib/workers/engineApi';

export interface ScoreSeries {
  name: string;
  scores: SkillScore[];
  highlight?: boolean;
}

const SOURCE_COLOURS = ['#94a3b8', '#64748b', '#cbd5e1', '#475569'];
const MERGE_COLOUR = '#4f46e5';

export function SkillBarChart({ skills, series }: { skills: string[]; series: ScoreSeries[] }) {
  const data = skills.map((skill) => {
    const row: Record<string, string | number> = { skill };
    for (const s of series) {
      const score = s.scores.find((x) => x.skill === skill);
      if (score) row[s.name] = Math.round(1000 * score.accuracy) / 10;
    }
    return row;
  });
  let sourceIndex = 0;
  return (
    <ResponsiveContainer width="100%" height="100%" minHeight={160}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="skill" tick={{ fontSize: 11 }} />
        <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} unit="%" />
        <Tooltip formatter={(value) => `${String(value)}%`} />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {series.map((s) => (
          <Bar
            key={s.name}
            dataKey={s.name}
            fill={s.highlight ? MERGE_COLOUR : (SOURCE_COLOURS[sourceIndex++ % SOURCE_COLOURS.length] ?? '#94a3b8')}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
