'use client';

import { Bar, BarChart, CartesianGrid, LabelList, Legend, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { isSuperseded, type SkillScore } from '@/lib/workers/engineApi';
import { scoreSummary } from '@/lib/demo/demoRecipe';
import type { DemoColumn } from './engineQueries';
import type { DemoScores } from './useDemoScores';

const MERGE_COLOUR = '#4f46e5';
/** Sources in distinct hues, the base (always last among the sources) in grey. */
const SOURCE_COLOURS = ['#0d9488', '#d97706', '#db2777', '#0284c7', '#65a30d'];
const BASE_COLOUR = '#94a3b8';

const asPercent = (accuracy: number) => Math.round(1000 * accuracy) / 10;

/**
 * The headline: the merged model's exact match per skill against its sources, as big
 * numbers, one sentence and bars; computed live, with a progress bar while it runs.
 */
export function HeadlineScores({
  columns,
  skills,
  experts,
  bases,
  scores,
}: {
  columns: readonly DemoColumn[];
  skills: readonly string[];
  /** The source expert of each skill, for the comparison. */
  experts: ReadonlyMap<string, string>;
  /** Source models that are a merge's base (drawn in grey). */
  bases: ReadonlySet<string>;
  scores: DemoScores;
}) {
  const merged = columns[0];
  const mergedScores = scores.results[0]?.data?.scores;
  const byColumn = new Map<string, readonly SkillScore[]>();
  columns.forEach((c, i) => {
    const data = scores.results[i]?.data;
    if (data) byColumn.set(c.label, data.scores);
  });
  const allDone = scores.results.every((r) => r.isSuccess);
  const failure = scores.results.find((r) => r.isError && !isSuperseded(r.error))?.error;
  const percent = scores.total > 0 ? Math.round((100 * scores.done) / scores.total) : 0;

  const chartData = skills.map((skill) => {
    const row: Record<string, string | number> = { skill };
    for (const [name, list] of byColumn) {
      const s = list.find((x) => x.skill === skill);
      if (s) row[name] = asPercent(s.accuracy);
    }
    return row;
  });
  let sourceIndex = 0;

  return (
    <div className="flex h-full flex-col gap-3">
      {scores.running && scores.total > 0 ? (
        <div className="flex items-center gap-3">
          <progress className="h-3 min-w-0 flex-1 accent-indigo-600" max={100} value={percent} aria-label="Scoring progress" />
          <span className="shrink-0 text-base tabular-nums text-slate-600">
            {percent}% of {scores.total} answers
          </span>
        </div>
      ) : null}
      {failure ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-base text-red-800">
          Scoring failed: {failure.message}
        </p>
      ) : null}

      <ul className="grid grid-cols-[repeat(auto-fit,minmax(9rem,1fr))] gap-3" aria-label="Merged model scores">
        {skills.map((skill) => {
          const mine = mergedScores?.find((s) => s.skill === skill);
          const expert = experts.get(skill);
          const theirs = expert ? byColumn.get(expert)?.find((s) => s.skill === skill) : undefined;
          return (
            <li key={skill} className="rounded-xl border border-indigo-200 bg-indigo-50 px-4 py-2">
              <div className="text-base font-semibold text-slate-700">{skill}</div>
              <div className="text-4xl font-bold tabular-nums text-indigo-700">
                {mine ? (
                  <>
                    <span data-testid={`demo-score-${skill}`}>{asPercent(mine.accuracy)}</span>%
                  </>
                ) : (
                  <span className="text-slate-400" aria-label="not scored yet">
                    …
                  </span>
                )}
              </div>
              {expert ? (
                <div className="text-sm text-slate-600">
                  {expert}: {theirs ? `${asPercent(theirs.accuracy)}%` : '…'}
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>

      {merged && mergedScores && allDone ? (
        <p className="text-xl leading-snug text-slate-800" data-testid="score-summary">
          {scoreSummary(merged.name, skills, mergedScores, byColumn, experts)}
        </p>
      ) : null}

      <div className="h-64" aria-label="Exact match per skill, merged model against its sources" role="img">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={chartData} margin={{ top: 24, right: 8, bottom: 0, left: -8 }} barCategoryGap="18%">
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="skill" tick={{ fontSize: 16 }} />
            <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} tick={{ fontSize: 14 }} unit="%" />
            <Legend wrapperStyle={{ fontSize: 15 }} itemSorter={null} />
            {columns
              .filter((c) => byColumn.has(c.label))
              .map((c) => (
                <Bar
                  key={c.key}
                  dataKey={c.label}
                  fill={c.merged ? MERGE_COLOUR : bases.has(c.name) ? BASE_COLOUR : (SOURCE_COLOURS[sourceIndex++ % SOURCE_COLOURS.length] ?? BASE_COLOUR)}
                  isAnimationActive={false}
                >
                  <LabelList dataKey={c.label} position="top" fontSize={13} formatter={(v: unknown) => `${Math.round(Number(v))}`} />
                </Bar>
              ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
