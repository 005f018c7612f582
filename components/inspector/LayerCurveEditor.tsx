'use client';

import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import { formatParamNumber, roundParamNumber } from '@/lib/recipe/paramNumber';
import { addAnchor, anchorPosition, nearestAnchor, removeAnchor, setAnchor, valuesPerLayer, type Anchors } from '@/lib/store/layerLanes';
import { anchorAfterKey, clamp, curvePlot, gridValues, PLOT_HEIGHT, PLOT_WIDTH, VIEW, type CurvePlot, type Domain } from './curvePlot';

interface Props {
  anchors: Anchors;
  layerCount: number;
  /** The value axis, low to high. */
  domain: Domain;
  /** What the curve sets, e.g. "weight of zoo-add (Attention)". */
  label: string;
  /** Id of the text that explains the keyboard and pointer controls. */
  hintId: string;
  onChange(anchors: number[]): void;
}

/** Past this many layers the value labels ("0.8333") would overlap; the readout keeps them (accessible names, tooltips). */
const MAX_LABELLED_LAYERS = 8;

/** A pointer drag holds its anchors until it ends, so the whole drag is one change. */
type Drag = { index: number; anchors: number[] } | null;

/**
 * A mergekit gradient list drawn as a curve over the layers: the anchors (evenly spread, as
 * mergekit spreads them) are handles to drag or to move with the keyboard; every layer shows
 * the value it gets.
 */
export function LayerCurveEditor({ anchors, layerCount, domain, label, hintId, onChange }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const handles = useRef<(SVGCircleElement | null)[]>([]);
  const [drag, setDrag] = useState<Drag>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [focusNext, setFocusNext] = useState<number | null>(null);

  useEffect(() => {
    if (focusNext === null) return;
    handles.current[focusNext]?.focus();
    setFocusNext(null);
  }, [focusNext, anchors]);

  const shown = drag?.anchors ?? anchors;
  const plot = curvePlot(domain, layerCount);
  const selectedIndex = selected !== null && selected < shown.length ? selected : null;
  // One anchor per layer already sets every layer exactly; more would add nothing to edit.
  const canAdd = anchors.length < Math.max(1, layerCount);

  const pointAt = (clientX: number, clientY: number) => {
    const box = svg.current?.getBoundingClientRect();
    return box ? plot.pointAt(clientX - box.left, clientY - box.top, box) : null;
  };
  const commit = (next: number[], focus: number) => {
    onChange(next);
    setSelected(focus);
    setFocusNext(focus);
  };
  const add = () => {
    if (!canAdd) return;
    const next = addAnchor(anchors);
    commit(next, selectedIndex === null ? next.length - 1 : Math.min(next.length - 1, selectedIndex + 1));
  };
  const remove = (index: number) => {
    if (anchors.length < 2) return;
    commit(removeAnchor(anchors, index), Math.max(0, Math.min(index, anchors.length - 2)));
  };

  const onKeyDown = (event: KeyboardEvent<SVGCircleElement>, index: number) => {
    if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      remove(index);
      return;
    }
    const current = anchors[index] ?? 0;
    const value = anchorAfterKey(event.key, event.shiftKey, current, domain);
    if (value === null) return;
    event.preventDefault();
    const next = roundParamNumber(clamp(value, domain));
    if (next !== current) onChange(setAnchor(anchors, index, next));
  };
  const onPointerDown = (event: PointerEvent<SVGCircleElement>, index: number) => {
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    event.currentTarget.focus();
    setSelected(index);
    setDrag({ index, anchors: [...anchors] });
  };
  const onPointerMove = (event: PointerEvent<SVGCircleElement>) => {
    if (!drag) return;
    const point = pointAt(event.clientX, event.clientY);
    if (point) setDrag({ ...drag, anchors: setAnchor(drag.anchors, drag.index, Math.round(point.value * 100) / 100) });
  };
  const onPointerUp = () => {
    if (!drag) return;
    if (drag.anchors.some((v, i) => v !== anchors[i])) onChange(drag.anchors);
    setDrag(null);
  };
  const onDoubleClick = (event: MouseEvent<SVGSVGElement>) => {
    const point = pointAt(event.clientX, event.clientY);
    if (!point) return;
    const grown = canAdd ? addAnchor(anchors) : [...anchors];
    const index = nearestAnchor(grown.length, point.t);
    commit(setAnchor(grown, index, Math.round(point.value * 100) / 100), index);
  };

  return (
    <div>
      <svg
        ref={svg}
        viewBox={`0 0 ${VIEW.width} ${VIEW.height}`}
        className="nodrag block w-full select-none touch-none"
        role="group"
        aria-label={`Curve of ${label} over ${layerCount} layers`}
        aria-describedby={hintId}
        onDoubleClick={onDoubleClick}
      >
        <rect x={VIEW.left} y={VIEW.top} width={PLOT_WIDTH} height={PLOT_HEIGHT} className="fill-slate-50" />
        <ValueGrid plot={plot} domain={domain} />
        <Curve plot={plot} anchors={shown} />
        <LayerReadout plot={plot} values={valuesPerLayer(shown, layerCount)} label={label} />
        <AnchorHandles
          plot={plot}
          anchors={shown}
          domain={domain}
          layerCount={layerCount}
          selected={selectedIndex}
          refs={handles.current}
          onSelect={setSelected}
          onKeyDown={onKeyDown}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={() => setDrag(null)}
        />
      </svg>
      <AnchorButtons count={anchors.length} selected={selectedIndex} canAdd={canAdd} onAdd={add} onRemove={remove} />
    </div>
  );
}

/** Horizontal lines at the axis ends and at 0 and 1, 1 marked as "all of this model". */
function ValueGrid({ plot, domain }: { plot: CurvePlot; domain: Domain }) {
  return gridValues(domain).map((v) => (
    <g key={v} aria-hidden="true">
      <line x1={VIEW.left} x2={VIEW.left + PLOT_WIDTH} y1={plot.yOf(v)} y2={plot.yOf(v)} className={v === 1 ? 'stroke-indigo-200' : 'stroke-slate-200'} strokeDasharray={v === 1 ? '3 2' : undefined} />
      <text x={VIEW.left - 4} y={plot.yOf(v) + 3} textAnchor="end" className="fill-slate-500 text-[9px]">
        {formatParamNumber(v)}
      </text>
    </g>
  ));
}

/** The anchors' columns and the line through them (flat for one anchor). */
function Curve({ plot, anchors }: { plot: CurvePlot; anchors: Anchors }) {
  const points =
    anchors.length === 1
      ? `${plot.xOf(0)},${plot.yOf(anchors[0]!)} ${plot.xOf(1)},${plot.yOf(anchors[0]!)}`
      : anchors.map((v, k) => `${plot.xOf(anchorPosition(k, anchors.length))},${plot.yOf(v)}`).join(' ');
  return (
    <>
      {anchors.map((_, k) => (
        <line
          key={k}
          aria-hidden="true"
          x1={plot.xOf(anchorPosition(k, anchors.length))}
          x2={plot.xOf(anchorPosition(k, anchors.length))}
          y1={VIEW.top}
          y2={VIEW.top + PLOT_HEIGHT}
          className="stroke-indigo-100"
        />
      ))}
      <polyline points={points} fill="none" className="stroke-indigo-500" strokeWidth={1.5} aria-hidden="true" />
    </>
  );
}

/** Every layer's value: a point with its label (while they fit), a tooltip and an accessible name. */
function LayerReadout({ plot, values, label }: { plot: CurvePlot; values: readonly number[]; label: string }) {
  const labelled = values.length <= MAX_LABELLED_LAYERS;
  const tickEvery = labelled ? 1 : Math.ceil(values.length / MAX_LABELLED_LAYERS);
  return (
    <g role="list" aria-label={`${label} at each layer`}>
      {values.map((v, layer) => (
        <g key={layer} role="listitem" aria-label={`layer ${layer}: ${formatParamNumber(v)}`}>
          <title>{`layer ${layer}: ${formatParamNumber(v)}`}</title>
          <circle cx={plot.layerX(layer)} cy={plot.yOf(v)} r={2.5} className="fill-slate-800" />
          {labelled ? (
            <text x={plot.layerX(layer)} y={plot.yOf(v) - 10} textAnchor="middle" className="fill-slate-800 font-mono text-[9px]" aria-hidden="true">
              {formatParamNumber(v)}
            </text>
          ) : null}
          {layer % tickEvery === 0 ? (
            <text x={plot.layerX(layer)} y={VIEW.height - 6} textAnchor="middle" className="fill-slate-500 text-[9px]" aria-hidden="true">
              L{layer}
            </text>
          ) : null}
        </g>
      ))}
    </g>
  );
}

interface AnchorHandlesProps {
  plot: CurvePlot;
  anchors: Anchors;
  domain: Domain;
  layerCount: number;
  selected: number | null;
  /** Filled with the handles' elements, so focus can follow an added or removed anchor. */
  refs: (SVGCircleElement | null)[];
  onSelect(index: number): void;
  onKeyDown(event: KeyboardEvent<SVGCircleElement>, index: number): void;
  onPointerDown(event: PointerEvent<SVGCircleElement>, index: number): void;
  onPointerMove(event: PointerEvent<SVGCircleElement>): void;
  onPointerUp(): void;
  onPointerCancel(): void;
}

/** One slider handle per anchor, at its place on the curve. */
function AnchorHandles({ plot, anchors, domain, layerCount, selected, refs, onSelect, onKeyDown, onPointerDown, onPointerMove, onPointerUp, onPointerCancel }: AnchorHandlesProps) {
  return anchors.map((v, k) => (
    <circle
      key={k}
      ref={(element) => {
        refs[k] = element;
      }}
      role="slider"
      tabIndex={0}
      aria-label={`Anchor ${k + 1} of ${anchors.length}`}
      aria-valuemin={domain[0]}
      aria-valuemax={domain[1]}
      aria-valuenow={v}
      aria-valuetext={`${formatParamNumber(v)} at layer ${Number((anchorPosition(k, anchors.length) * Math.max(0, layerCount - 1)).toFixed(2))}`}
      cx={plot.xOf(anchorPosition(k, anchors.length))}
      cy={plot.yOf(v)}
      r={6}
      strokeWidth={selected === k ? 3 : 1.5}
      className="cursor-ns-resize fill-white/70 stroke-indigo-700 outline-none focus:fill-indigo-200"
      onFocus={() => onSelect(k)}
      onKeyDown={(e) => onKeyDown(e, k)}
      onPointerDown={(e) => onPointerDown(e, k)}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerCancel}
      onDoubleClick={(e) => e.stopPropagation()}
    />
  ));
}

function AnchorButtons({ count, selected, canAdd, onAdd, onRemove }: { count: number; selected: number | null; canAdd: boolean; onAdd(): void; onRemove(index: number): void }) {
  const button = 'rounded border border-slate-300 px-1.5 py-0.5 text-[11px] hover:bg-slate-100 disabled:opacity-40';
  return (
    <div className="mt-1 flex flex-wrap items-center gap-1">
      <button type="button" className={button} onClick={onAdd} disabled={!canAdd}>
        Add anchor
      </button>
      <button type="button" className={button} disabled={selected === null || count < 2} onClick={() => selected !== null && onRemove(selected)}>
        {selected === null ? 'Remove anchor' : `Remove anchor ${selected + 1}`}
      </button>
      <span className="text-[11px] text-slate-500">
        {count} anchor{count === 1 ? '' : 's'}
      </span>
    </div>
  );
}
