'use client';

import type { RecipeSlice } from '@/lib/recipe/schema';
import { referenceOf } from '@/lib/store/canvasRecipe';
import type { MergeNode, StudioNode } from '@/lib/store/canvasTypes';
import { setSlices, useStudioStore } from '@/lib/store/studioStore';

interface Props {
  node: MergeNode;
  inputs: StudioNode[];
  /** Decoder layers of each input model. */
  layerCount: number;
}

/**
 * Layer stacking (mergekit passthrough with `slices:`): the output is the listed layer
 * ranges, in order, so a merge can be deeper or shallower than its sources.
 */
export function LayerStackEditor({ node, inputs, layerCount }: Props) {
  const apply = useStudioStore((s) => s.apply);
  const slices = node.data.slices ?? [];
  const refs = inputs.map(referenceOf);
  const update = (next: RecipeSlice[]) => apply((s) => setSlices(s, node.id, next));
  const setSource = (i: number, change: Partial<{ model: string; start: number; end: number }>) => {
    update(
      slices.map((slice, j) => {
        const source = slice.sources[0];
        if (j !== i || !source) return slice;
        const [start, end] = source.layer_range;
        const next = { ...source, model: change.model ?? source.model, layer_range: [change.start ?? start, change.end ?? end] as [number, number] };
        return { ...slice, sources: [next, ...slice.sources.slice(1)] };
      }),
    );
  };
  const depth = slices.reduce((n, s) => n + Math.max(0, (s.sources[0]?.layer_range[1] ?? 0) - (s.sources[0]?.layer_range[0] ?? 0)), 0);
  const problems = slices.flatMap((s, i) => {
    const [start, end] = s.sources[0]?.layer_range ?? [0, 0];
    if (start >= end) return [`Slice ${i + 1}: "from" must be below "to".`];
    if (start < 0 || end > layerCount) return [`Slice ${i + 1}: layers run from 0 to ${layerCount}.`];
    return [];
  });

  return (
    <fieldset className="space-y-2">
      <legend className="text-xs font-semibold uppercase text-slate-500">Layer stack</legend>
      <p className="text-[11px] text-slate-500">
        Each row copies a half-open range of layers [from, to) of one input; rows are stacked in order.
        {slices.length > 0 ? ` Output: ${depth} layers.` : ' No rows: the single input passes through whole.'}
      </p>
      {slices.map((slice, i) => {
        const source = slice.sources[0];
        if (!source) return null;
        return (
          <div key={i} className="flex items-center gap-1 text-xs" role="group" aria-label={`Slice ${i + 1}`}>
            <select
              aria-label={`Source of slice ${i + 1}`}
              className="min-w-0 flex-1 rounded border border-slate-300 px-1 py-0.5"
              value={source.model}
              onChange={(e) => setSource(i, { model: e.target.value })}
            >
              {refs.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <input
              type="number"
              aria-label={`From layer of slice ${i + 1}`}
              className="w-12 rounded border border-slate-300 px-1"
              min={0}
              max={layerCount}
              value={source.layer_range[0]}
              onChange={(e) => setSource(i, { start: Math.trunc(Number(e.target.value)) })}
            />
            <input
              type="number"
              aria-label={`To layer of slice ${i + 1}`}
              className="w-12 rounded border border-slate-300 px-1"
              min={0}
              max={layerCount}
              value={source.layer_range[1]}
              onChange={(e) => setSource(i, { end: Math.trunc(Number(e.target.value)) })}
            />
            <button type="button" aria-label={`Remove slice ${i + 1}`} className="px-1 text-red-700" onClick={() => update(slices.filter((_, j) => j !== i))}>
              ✕
            </button>
          </div>
        );
      })}
      {problems.length > 0 ? (
        <ul role="alert" className="text-xs text-amber-800">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      <button
        type="button"
        disabled={refs.length === 0}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 disabled:opacity-50"
        onClick={() => {
          const model = refs[slices.length % Math.max(1, refs.length)] ?? refs[0];
          if (model) update([...slices, { sources: [{ model, layer_range: [0, layerCount] }] }]);
        }}
      >
        Add layer slice
      </button>
    </fieldset>
  );
}
