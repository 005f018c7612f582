'use client';

import { formatParamNumber } from '@/lib/recipe/paramNumber';

interface Props {
  /** The value each layer gets now. */
  values: readonly number[];
  domain: readonly [number, number];
  /** Accessible name of layer `layer`'s slider. */
  labelOf(layer: number): string;
  onChange(layer: number, value: number): void;
}

/**
 * One slider per decoder layer: the precise view of a curve. Moving one makes the curve one
 * anchor per layer (see setLayerOnCurve), so every layer gets exactly its slider's value.
 */
export function LayerSliders({ values, domain, labelOf, onChange }: Props) {
  const [low, high] = domain;
  return (
    <div className="space-y-1">
      {values.map((v, layer) => (
        <label key={layer} className="flex items-center gap-2 text-xs">
          <span className="w-14 shrink-0 text-slate-500">layer {layer}</span>
          <input
            type="range"
            className="nodrag min-w-0 flex-1"
            min={low}
            max={high}
            step={0.01}
            value={v}
            aria-label={labelOf(layer)}
            onChange={(e) => onChange(layer, Number(e.target.value))}
          />
          <span className="w-12 text-right font-mono">{formatParamNumber(v)}</span>
        </label>
      ))}
    </div>
  );
}
