'use client';

import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { DiagnosticsPlan } from '@/lib/diagnostics/diagnosticsPlan';
import type { TaskVectorDiagnostics, TaskVectorStats } from '@/lib/diagnostics/taskVectors';
import { engine } from '@/lib/workers/engineClient';

export type DiagnosticsMetric = 'cosine' | 'signConflict';

/** The number a cell shows: the mean over expert pairs of the cosine, or the all-experts sign-conflict rate. */
function cellValue(stats: TaskVectorStats | null, metric: DiagnosticsMetric): number | null {
  if (!stats) return null;
  if (metric === 'signConflict') return stats.anySignConflict;
  const cosines = stats.cosine.filter((c): c is number => c !== null);
  return cosines.length > 0 ? cosines.reduce((a, b) => a + b, 0) / cosines.length : null;
}

function mix(from: [number, number, number], to: [number, number, number], t: number): string {
  const c = from.map((f, i) => Math.round(f + (to[i]! - f) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

const WHITE: [number, number, number] = [255, 255, 255];
const INDIGO: [number, number, number] = [67, 56, 202];
const RED: [number, number, number] = [220, 38, 38];
const AMBER: [number, number, number] = [194, 65, 12];

/** Cosine: red (−1) through white (0) to indigo (+1). Sign conflicts: white (0) to orange (1). */
function cellColour(value: number | null, metric: DiagnosticsMetric): { background: string; dark: boolean } {
  if (value === null) return { background: '#f1f5f9', dark: false };
  if (metric === 'signConflict') return { background: mix(WHITE, AMBER, value), dark: value > 0.55 };
  return value >= 0 ? { background: mix(WHITE, INDIGO, value), dark: value > 0.55 } : { background: mix(WHITE, RED, -value), dark: value < -0.55 };
}

/** Cosines with two decimals; sign conflicts in percent. */
function formatCellValue(value: number | null, metric: DiagnosticsMetric): string {
  if (value === null) return '—';
  // No "-0.00": a value that rounds to zero is zero.
  return metric === 'cosine' ? (Math.abs(value) < 0.005 ? '0.00' : value.toFixed(2)) : `${(100 * value).toFixed(0)}%`;
}

function testId(label: string): string {
  return label.replace(/\s+/g, '-');
}

const METRIC_NAMES: Record<DiagnosticsMetric, string> = { cosine: 'mean pairwise cosine', signConflict: 'sign-conflict rate' };

/**
 * Rows = decoder layers and the tensors outside them, columns = tensor groups, colour = how
 * the experts' task vectors agree there: their mean pairwise cosine, or (toggle) the share
 * of entries where their non-zero deltas disagree in sign.
 */
export function DiagnosticsHeatmap({ plan }: { plan: DiagnosticsPlan }) {
  const [metric, setMetric] = useState<DiagnosticsMetric>('cosine');
  const name = useId();
  const query = useQuery({
    queryKey: ['diagnostics', plan.ok ? plan.base : null, plan.ok ? plan.experts : null],
    enabled: plan.ok,
    queryFn: (): Promise<TaskVectorDiagnostics> => {
      if (!plan.ok) throw new Error(plan.reason);
      return engine().diagnostics(
        plan.base,
        plan.experts.map((id) => ({ kind: 'zoo', id })),
      );
    },
  });
  if (!plan.ok) return <p className="p-3 text-sm text-slate-500">{plan.reason}</p>;
  const data = query.data;
  const single = plan.experts.length < 2;
  const caption = `Task-vector ${METRIC_NAMES[metric]} per layer and tensor group`;
  return (
    <div className="flex h-full min-h-0 flex-col gap-2 overflow-auto p-3">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Diagnostics</h2>
        <fieldset className="flex items-center gap-3 text-xs">
          <legend className="sr-only">Colour the cells by</legend>
          {(['cosine', 'signConflict'] as const).map((m) => (
            <label key={m} className="flex items-center gap-1">
              <input type="radio" name={name} value={m} checked={metric === m} onChange={() => setMetric(m)} />
              {METRIC_NAMES[m]}
            </label>
          ))}
        </fieldset>
      </div>
      <p className="text-xs text-slate-600">
        {plan.experts.join(', ')} against {plan.baseLabel}
        {plan.note ? <span className="block text-amber-800">{plan.note}</span> : null}
        {single ? <span className="block text-amber-800">One expert only: pairwise cosines and sign conflicts need two; add another zoo input.</span> : null}
      </p>
      {query.isError ? (
        <p role="alert" className="text-sm text-red-700">
          Diagnostics failed: {query.error.message}
        </p>
      ) : !data ? (
        <p role="status" className="text-sm text-slate-500">
          Computing task-vector diagnostics…
        </p>
      ) : (
        <div className="flex items-start gap-3">
          <table className="border-separate border-spacing-0.5 text-[11px]" aria-label={caption} data-testid="diagnostics-heatmap" data-metric={metric}>
            <caption className="sr-only">{caption}</caption>
            <thead>
              <tr>
                <th scope="col" className="px-1 text-left font-medium text-slate-500">
                  layer
                </th>
                {data.groups.map((g) => (
                  <th key={g} scope="col" className="px-1 font-medium text-slate-500">
                    {g}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <tr key={row.label}>
                  <th scope="row" className="whitespace-nowrap px-1 text-left font-normal text-slate-600">
                    {row.layer === null ? 'outside layers' : row.layer}
                  </th>
                  {row.cells.map((cell, g) => {
                    const value = cellValue(cell, metric);
                    const { background, dark } = cellColour(value, metric);
                    const group = data.groups[g]!;
                    return (
                      <td
                        key={group}
                        data-testid={`diagnostics-${testId(row.label)}-${group}`}
                        className={`h-7 w-16 rounded-sm text-center font-mono ${dark ? 'text-white' : 'text-slate-800'}`}
                        style={{ background }}
                        title={
                          cell
                            ? `${row.label} · ${group}: cosine ${cellValue(cell, 'cosine')?.toFixed(3) ?? '—'}, sign conflicts ${cell.anySignConflict === null ? '—' : `${(100 * cell.anySignConflict).toFixed(1)}%`}, norms ${cell.norms.map((n, e) => `${data.experts[e]} ${n.toFixed(3)}`).join(', ')}`
                            : `${row.label} has no ${group} tensors`
                        }
                      >
                        {formatCellValue(value, metric)}
                      </td>
                    );
                  })}
                </tr>
              ))}
              <tr>
                <th scope="row" className="px-1 text-left font-semibold text-slate-600">
                  all layers
                </th>
                {data.byGroup.map((cell, g) => {
                  const value = cellValue(cell, metric);
                  const { background, dark } = cellColour(value, metric);
                  return (
                    <td
                      key={data.groups[g]}
                      data-testid={`diagnostics-all-${data.groups[g]}`}
                      className={`h-7 w-16 rounded-sm text-center font-mono font-semibold ${dark ? 'text-white' : 'text-slate-800'}`}
                      style={{ background }}
                    >
                      {formatCellValue(value, metric)}
                    </td>
                  );
                })}
              </tr>
            </tbody>
          </table>
          <Legend metric={metric} overall={cellValue(data.overall, metric)} />
        </div>
      )}
    </div>
  );
}

function Legend({ metric, overall }: { metric: DiagnosticsMetric; overall: number | null }) {
  const stops = metric === 'cosine' ? [-1, -0.5, 0, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1];
  return (
    <div className="text-[11px] text-slate-600" aria-hidden="true">
      <div className="mb-1 font-medium">{METRIC_NAMES[metric]}</div>
      {stops.map((v) => (
        <div key={v} className="flex items-center gap-1">
          <span className="inline-block h-3 w-5 rounded-sm border border-slate-200" style={{ background: cellColour(v, metric).background }} />
          {metric === 'cosine' ? v.toFixed(1) : `${(100 * v).toFixed(0)}%`}
        </div>
      ))}
      <div className="mt-2">whole model: {formatCellValue(overall, metric)}</div>
    </div>
  );
}
