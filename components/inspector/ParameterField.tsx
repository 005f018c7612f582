'use client';

import { useId } from 'react';
import type { CanvasParamValue } from '@/lib/store/canvasTypes';
import { readLanes } from '@/lib/store/layerLanes';
import { unsetParamValue, type ParameterDef } from '@/lib/merge/method';
import { formatParamNumber } from '@/lib/recipe/paramNumber';

interface Props {
  parameter: ParameterDef;
  label: string;
  value: CanvasParamValue | undefined;
  onChange(value: CanvasParamValue | undefined): void;
}

/** One method parameter: a slider with a number box for numbers, a checkbox for flags. */
export function ParameterField({ parameter, label, value, onChange }: Props) {
  const id = useId();
  if (parameter.kind === 'boolean') {
    const checked = typeof value === 'boolean' ? value : unsetParamValue(parameter) === true;
    return (
      <div>
        <label className="flex items-center gap-2 text-sm" htmlFor={id}>
          <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
          {label}
        </label>
        <p className="text-[11px] text-slate-500">{parameter.description}</p>
      </div>
    );
  }
  if (Array.isArray(value)) {
    return (
      <div className="text-sm">
        <span>
          {label}: {describeListValue(value)}
        </span>{' '}
        <button type="button" className="text-xs text-indigo-700 underline" onClick={() => onChange(undefined)}>
          reset to one value
        </button>
        <p className="text-[11px] text-slate-500">{parameter.description}</p>
      </div>
    );
  }
  const fallback = Number(unsetParamValue(parameter));
  const current = typeof value === 'number' ? value : fallback;
  const [min, max] = parameter.range ?? [0, 1];
  return (
    <div>
      <label className="flex items-center justify-between text-sm" htmlFor={id}>
        <span>
          {label}
          {parameter.required && value === undefined ? <span className="text-amber-700"> (required, using {formatParamNumber(fallback)})</span> : null}
        </span>
        <input
          type="number"
          aria-label={`${label} value`}
          className="w-20 rounded border border-slate-300 px-1 text-right font-mono text-xs"
          step={0.01}
          value={current}
          onChange={(e) => {
            const n = Number(e.target.value);
            if (e.target.value !== '' && Number.isFinite(n)) onChange(n);
          }}
        />
      </label>
      <input
        id={id}
        type="range"
        aria-label={label}
        className="nodrag w-full"
        min={min}
        max={max}
        step={0.01}
        value={Math.min(max, Math.max(min, current))}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <p className="text-[11px] text-slate-500">{parameter.description}</p>
    </div>
  );
}

/** How a list value reads in one line: a gradient, the studio's tensor-group lanes, or another filter list. */
function describeListValue(value: CanvasParamValue): string {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return 'per layer';
  return readLanes(value, 1)?.split ? 'per tensor group (attention, MLP, other)' : 'per tensor filter (kept as written)';
}
