'use client';

import { referenceOf } from '@/lib/store/canvasRecipe';
import type { CanvasParamValue, StudioNode } from '@/lib/store/canvasTypes';
import { perLayerValues, setLayerValue, setModelParam, useStudioStore } from '@/lib/store/studioStore';

interface Props {
  mergeId: string;
  input: StudioNode;
  parameter: string;
  layerCount: number;
  value: CanvasParamValue | undefined;
}

/**
 * One slider per decoder layer for an input's parameter. Values are stored as a mergekit
 * gradient list with one anchor per layer, so every layer gets exactly its slider's value;
 * embeddings and the head take layer 0's value (mergekit's t = 0).
 */
export function LayerSliders({ mergeId, input, parameter, layerCount, value }: Props) {
  const apply = useStudioStore((s) => s.apply);
  const name = referenceOf(input);
  const values = perLayerValues(value, layerCount, 1);
  return (
    <details className="mt-2" open={Array.isArray(value)}>
      <summary className="cursor-pointer text-xs text-slate-600">Per-layer {parameter} (1.0 = all of this model)</summary>
      <div className="mt-1 space-y-1">
        {values.map((v, layer) => (
          <label key={layer} className="flex items-center gap-2 text-xs">
            <span className="w-14 shrink-0 text-slate-500">layer {layer}</span>
            <input
              type="range"
              className="nodrag flex-1"
              min={0}
              max={1}
              step={0.01}
              value={v}
              aria-label={`${parameter} of ${name} at layer ${layer}`}
              onChange={(e) => apply((s) => setLayerValue(s, mergeId, input.id, parameter, layer, layerCount, Number(e.target.value), 1))}
            />
            <span className="w-10 text-right font-mono">{v.toFixed(2)}</span>
          </label>
        ))}
        {Array.isArray(value) ? (
          <button type="button" className="text-xs text-indigo-700 underline" onClick={() => apply((s) => setModelParam(s, mergeId, input.id, parameter, undefined))}>
            Reset to one value
          </button>
        ) : null}
      </div>
    </details>
  );
}
