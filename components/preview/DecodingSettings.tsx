'use client';

import { useEffect, useState } from 'react';
import type { Decoding } from '@/lib/workers/engineApi';

export interface SamplingValues {
  temperature: number;
  topK: number;
  seed: number;
}

/** Top-k at or above the vocabulary size keeps every token; this bounds only what can be typed. */
const TOP_K_LIMIT = 1_000_000;

export const DEFAULT_SAMPLING: SamplingValues = { temperature: 0.8, topK: 0, seed: 1 };

export function decodingOf(mode: Decoding['mode'], sampling: SamplingValues): Decoding {
  return mode === 'greedy' ? { mode } : { mode, ...sampling };
}

/**
 * A number input that keeps what is typed while it is not a valid value (an empty field, a
 * lone minus) and reports only valid values; on leaving it shows the value in use again.
 */
function NumberSetting({
  id,
  label,
  value,
  onChange,
  min,
  max,
  step,
  integer,
  disabled,
  title,
}: {
  id: string;
  label: string;
  value: number;
  onChange: (value: number) => void;
  min: number;
  max: number;
  step: number;
  integer?: boolean;
  disabled: boolean;
  title: string;
}) {
  const [draft, setDraft] = useState(String(value));
  useEffect(() => setDraft(String(value)), [value]);
  const parsed = Number(draft);
  const valid = draft.trim() !== '' && Number.isFinite(parsed) && parsed >= min && parsed <= max && (!integer || Number.isInteger(parsed));
  return (
    <span className="flex items-center gap-1" title={title}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        min={min}
        max={max}
        step={step}
        value={draft}
        disabled={disabled}
        aria-invalid={!valid}
        onChange={(event) => {
          const text = event.target.value;
          setDraft(text);
          const next = Number(text);
          if (text.trim() !== '' && Number.isFinite(next) && next >= min && next <= max && (!integer || Number.isInteger(next))) onChange(next);
        }}
        onBlur={() => setDraft(String(value))}
        className="w-16 rounded border border-slate-300 px-1 py-0.5 font-mono disabled:bg-slate-100 disabled:text-slate-400 aria-[invalid=true]:border-red-500"
      />
    </span>
  );
}

/** The decoding row of the preview: greedy or seeded sampling, and the probability colouring. */
export function DecodingSettings({
  mode,
  onMode,
  sampling,
  onSampling,
  coloured,
  onColoured,
}: {
  mode: Decoding['mode'];
  onMode: (mode: Decoding['mode']) => void;
  sampling: SamplingValues;
  onSampling: (sampling: SamplingValues) => void;
  coloured: boolean;
  onColoured: (coloured: boolean) => void;
}) {
  const greedy = mode === 'greedy';
  return (
    <fieldset className="mt-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
      <legend className="sr-only">Decoding settings</legend>
      <span className="flex items-center gap-1">
        <label htmlFor="preview-decoding">Decoding</label>
        <select
          id="preview-decoding"
          value={mode}
          onChange={(event) => onMode(event.target.value === 'sample' ? 'sample' : 'greedy')}
          className="rounded border border-slate-300 px-1 py-0.5"
        >
          <option value="greedy">Greedy</option>
          <option value="sample">Sampling</option>
        </select>
      </span>
      <NumberSetting
        id="preview-temperature"
        label="Temperature"
        value={sampling.temperature}
        onChange={(temperature) => onSampling({ ...sampling, temperature })}
        min={0.05}
        max={5}
        step={0.05}
        disabled={greedy}
        title="Softmax temperature: below 1 sharpens the distribution, above 1 flattens it"
      />
      <NumberSetting
        id="preview-top-k"
        label="Top-k"
        value={sampling.topK}
        onChange={(topK) => onSampling({ ...sampling, topK })}
        min={0}
        max={TOP_K_LIMIT}
        step={1}
        integer
        disabled={greedy}
        title="Draw only among the k most likely tokens (0: all)"
      />
      <NumberSetting
        id="preview-seed"
        label="Seed"
        value={sampling.seed}
        onChange={(seed) => onSampling({ ...sampling, seed })}
        min={0}
        max={0xffffffff}
        step={1}
        integer
        disabled={greedy}
        title="The same seed gives the same answer"
      />
      <label className="flex items-center gap-1">
        <input type="checkbox" checked={coloured} onChange={(event) => onColoured(event.target.checked)} />
        <span>Colour tokens by probability</span>
      </label>
    </fieldset>
  );
}
