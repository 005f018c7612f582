'use client';

import { useId, useState } from 'react';
import { unsetParamValue, type ParameterDef } from '@/lib/merge/method';
import { referenceOf } from '@/lib/store/canvasRecipe';
import type { CanvasParamValue, StudioNode } from '@/lib/store/canvasTypes';
import {
  GROUP_LANES,
  joinLanes,
  LANE_FILTERS,
  laneList,
  lanesDiffer,
  readLanes,
  setLayerOnCurve,
  splitLanes,
  updateLanes,
  valuesPerLayer,
  withLaneAnchors,
  type GroupLaneId,
  type Lane,
  type LaneId,
  type LayerLanes,
} from '@/lib/store/layerLanes';
import { setModelParam, useStudioStore } from '@/lib/store/studioStore';
import { LayerCurveEditor } from './LayerCurveEditor';
import { LayerSliders } from './LayerSliders';

interface Props {
  mergeId: string;
  input: StudioNode;
  parameter: ParameterDef;
  layerCount: number;
  value: CanvasParamValue | undefined;
  /** What the values mean, e.g. "1.0 = all of this model". */
  direction: string;
}

const LANE_TEXT: Record<LaneId, { title: string; detail: string }> = {
  all: { title: 'All tensors', detail: 'Embeddings and head take layer 0’s value.' },
  attention: { title: 'Attention', detail: `filter ${LANE_FILTERS.attention}: q, k, v, o projections` },
  mlp: { title: 'MLP', detail: `filter ${LANE_FILTERS.mlp}: gate, up, down projections` },
  other: { title: 'Other', detail: 'no filter: embeddings, norms, head (outside the layers: layer 0’s value)' },
};

/** The value axis: the parameter's suggested range, widened to show every value the lanes hold. */
function valueDomain(parameter: ParameterDef, lanes: LayerLanes): [number, number] {
  const values = laneList(lanes).flatMap((l) => [...l.anchors]);
  const [low, high] = parameter.range ?? [0, 1];
  return [Math.min(low, ...values), Math.max(high, ...values)];
}

/**
 * Per-layer control of an input's parameter: a curve over the layers (a mergekit gradient
 * list), or one slider per layer; one lane for all tensors, or one per tensor group
 * (mergekit filters self_attn, mlp and the rest).
 */
export function PerLayerEditor({ mergeId, input, parameter, layerCount, value, direction }: Props) {
  const apply = useStudioStore((s) => s.apply);
  const [open, setOpen] = useState(Array.isArray(value));
  const [joining, setJoining] = useState(false);
  const hintId = useId();
  const name = referenceOf(input);
  const fallback = Number(unsetParamValue(parameter));
  const lanes = readLanes(value, fallback);
  const update = (change: (lanes: LayerLanes) => LayerLanes) =>
    apply((s) => updateLanes(s, mergeId, input.id, parameter.name, fallback, change));
  const resetButton = (
    <button type="button" className="text-xs text-indigo-700 underline" onClick={() => apply((s) => setModelParam(s, mergeId, input.id, parameter.name, undefined))}>
      Reset to one value
    </button>
  );

  const toggleSplit = () => {
    if (!lanes) return;
    if (!lanes.split) update(splitLanes);
    else if (lanesDiffer(lanes)) setJoining(true);
    else update((l) => joinLanes(l, 'other'));
  };
  const join = (keep: GroupLaneId) => {
    update((l) => joinLanes(l, keep));
    setJoining(false);
  };

  return (
    <details className="mt-2" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer text-xs text-slate-600">
        Per-layer {parameter.name} of {name} <span className="text-slate-500">({direction})</span>
      </summary>
      {lanes === null ? (
        <div className="mt-1 space-y-1 text-xs text-slate-600">
          <p>This value uses tensor filters of its own; it is kept as written.</p>
          {resetButton}
        </div>
      ) : (
        <div className="mt-1 space-y-2" role="group" aria-label={`Per-layer ${parameter.name} of ${name}`}>
          <label className="flex items-center gap-2 text-xs">
            <input type="checkbox" checked={lanes.split} onChange={toggleSplit} />
            Split by tensor group
          </label>
          <p id={hintId} className="text-[10px] leading-tight text-slate-500">
            Curves: drag an anchor, or focus it and use the arrow keys (Shift: steps of 0.1; Home, End: ends of the range; Delete: remove it). Double-click a
            chart to add an anchor there. Anchors spread evenly over the layers, as mergekit reads a gradient list.
          </p>
          {joining && lanes.split ? (
            <div role="alertdialog" aria-label="Join the lanes" className="rounded border border-amber-200 bg-amber-50 p-2 text-xs text-amber-900">
              <p>The lanes differ. One curve for all tensors: keep which lane’s curve?</p>
              <div className="mt-1 flex flex-wrap gap-1">
                {GROUP_LANES.map((id) => (
                  <button key={id} type="button" className="rounded border border-amber-300 bg-white px-1.5 py-0.5" onClick={() => join(id)}>
                    Keep {LANE_TEXT[id].title}
                  </button>
                ))}
                <button type="button" className="rounded border border-slate-300 bg-white px-1.5 py-0.5" autoFocus onClick={() => setJoining(false)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : null}
          {laneList(lanes).map((lane) => (
            <LaneEditor
              key={lane.id}
              lane={lane}
              layerCount={layerCount}
              domain={valueDomain(parameter, lanes)}
              label={`${parameter.name} of ${name}${lane.id === 'all' ? '' : ` (${LANE_TEXT[lane.id].title})`}`}
              hintId={hintId}
              onChange={(anchors) => update((l) => withLaneAnchors(l, lane.id, anchors))}
            />
          ))}
          {Array.isArray(value) ? resetButton : null}
        </div>
      )}
    </details>
  );
}

interface LaneProps {
  lane: Lane;
  layerCount: number;
  domain: readonly [number, number];
  label: string;
  hintId: string;
  onChange(anchors: number[]): void;
}

function LaneEditor({ lane, layerCount, domain, label, hintId, onChange }: LaneProps) {
  const [view, setView] = useState<'curve' | 'sliders'>('curve');
  const text = LANE_TEXT[lane.id];
  const tab = (active: boolean) => `px-1.5 py-0.5 text-[11px] ${active ? 'bg-indigo-600 text-white' : 'bg-white text-slate-700 hover:bg-slate-100'}`;
  return (
    <section role="group" aria-label={`${text.title} lane`} className="rounded border border-slate-200 p-1.5">
      <div className="flex items-start justify-between gap-2">
        <div>
          <h4 className="text-xs font-semibold">{text.title}</h4>
          <p className="text-[10px] leading-tight text-slate-500">{text.detail}</p>
        </div>
        <div role="group" aria-label={`View of the ${text.title} lane`} className="flex shrink-0 overflow-hidden rounded border border-slate-300">
          <button type="button" aria-pressed={view === 'curve'} className={tab(view === 'curve')} onClick={() => setView('curve')}>
            Curve
          </button>
          <button type="button" aria-pressed={view === 'sliders'} className={tab(view === 'sliders')} onClick={() => setView('sliders')}>
            Sliders
          </button>
        </div>
      </div>
      <div className="mt-1">
        {view === 'curve' ? (
          <LayerCurveEditor anchors={lane.anchors} layerCount={layerCount} domain={domain} label={label} hintId={hintId} onChange={onChange} />
        ) : (
          <LayerSliders
            values={valuesPerLayer(lane.anchors, layerCount)}
            domain={domain}
            labelOf={(layer) => `${label} at layer ${layer}`}
            onChange={(layer, v) => onChange(setLayerOnCurve(lane.anchors, layer, layerCount, v))}
          />
        )}
      </div>
    </section>
  );
}
