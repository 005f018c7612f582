'use client';

import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import { formatParamNumber, roundParamNumber } from '@/lib/recipe/paramNumber';
import { addAnchor, anchorPosition, nearestAnchor, removeAnchor, setAnchor, valuesPerLayer, type Anchors } from '@/lib/store/layerLanes';

interface Props {
  anchors: Anchors;
  layerCount: number;
  /** The value axis, low to high. */
  domain: readonly [number, number];
  /** What the curve sets, e.g. "weight of zoo-add (Attention)". */
  label: string;
  /** Id of the text that explains the keyboard and pointer controls. */
  hintId: string;
  onChange(anchors: number[]): void;
}

const VIEW = { width: 300, height: 150, left: 30, right: 8, top: 18, bottom: 20 };
const PLOT_WIDTH = VIEW.width - VIEW.left - VIEW.right;
const PLOT_HEIGHT = VIEW.height - VIEW.top - VIEW.bottom;
/** Room inside the plot at both ends, so the first and last layer's labels stay clear of the axis. */
const INSET = 14;
/** Past this many layers the value labels ("0.8333") would overlap; the readout keeps them (accessible names, tooltips). */
const MAX_LABELLED_LAYERS = 8;

function clamp(value: number, [low, high]: readonly [number, number]): number {
  return Math.min(high, Math.max(low, value));
}

/** Grid lines: the ends of the axis, and 0 and 1 where they fall inside it. */
function gridValues([low, high]: readonly [number, number]): number[] {
  return [...new Set([low, high, ...[0, 1].filter((v) => v > low && v < high)])].sort((a, b) => a - b);
}

/**
 * A mergekit gradient list drawn as a curve over the layers: the anchors (evenly spread, as
 * mergekit spreads them) are handles to drag or to move with the keyboard; every layer shows
 * the value it gets.
 */
export function LayerCurveEditor({ anchors, layerCount, domain, label, hintId, onChange }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const handles = useRef<(SVGCircleElement | null)[]>([]);
  const [drag, setDrag] = useState<{ index: number; anchors: number[] } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [focusNext, setFocusNext] = useState<number | null>(null);

  useEffect(() => {
    if (focusNext === null) return;
    handles.current[focusNext]?.focus();
    setFocusNext(null);
  }, [focusNext, anchors]);

  const shown = drag?.anchors ?? anchors;
  const layers = valuesPerLayer(shown, layerCount);
  const [low, high] = domain;
  const span = high - low || 1;
  const xOf = (t: number) => VIEW.left + INSET + t * (PLOT_WIDTH - 2 * INSET);
  const yOf = (value: number) => VIEW.top + ((high - value) / span) * PLOT_HEIGHT;
  const layerX = (layer: number) => xOf(layerCount > 1 ? layer / (layerCount - 1) : 0.5);
  const selectedIndex = selected !== null && selected < shown.length ? selected : null;
  // One anchor per layer already sets every layer exactly; more would add nothing to edit.
  const canAdd = anchors.length < Math.max(1, layerCount);

  /** The point of the plot under the pointer, as (t along the layers, value). */
  const pointAt = (clientX: number, clientY: number): { t: number; value: number } | null => {
    const box = svg.current?.getBoundingClientRect();
    if (!box || box.width === 0 || box.height === 0) return null;
    const x = ((clientX - box.left) / box.width) * VIEW.width;
    const y = ((clientY - box.top) / box.height) * VIEW.height;
    return { t: clamp((x - VIEW.left - INSET) / (PLOT_WIDTH - 2 * INSET), [0, 1]), value: clamp(high - ((y - VIEW.top) / PLOT_HEIGHT) * span, domain) };
  };

  const commit = (next: number[], focus?: number) => {
    onChange(next);
    if (focus !== undefined) {
      setSelected(focus);
      setFocusNext(focus);
    }
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
    const current = anchors[index] ?? 0;
    const step = event.shiftKey ? 0.1 : 0.01;
    let value: number | null = null;
    switch (event.key) {
      case 'ArrowUp':
      case 'ArrowRight':
        value = current + step;
        break;
      case 'ArrowDown':
      case 'ArrowLeft':
        value = current - step;
        break;
      case 'PageUp':
        value = current + 0.1;
        break;
      case 'PageDown':
        value = current - 0.1;
        break;
      case 'Home':
        value = low;
        break;
      case 'End':
        value = high;
        break;
      case 'Delete':
      case 'Backspace':
        event.preventDefault();
        remove(index);
        return;
      default:
        return;
    }
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

  const curve =
    shown.length === 1
      ? `${xOf(0)},${yOf(shown[0]!)} ${xOf(1)},${yOf(shown[0]!)}`
      : shown.map((v, k) => `${xOf(anchorPosition(k, shown.length))},${yOf(v)}`).join(' ');
  const labelled = layerCount <= MAX_LABELLED_LAYERS;
  const tickEvery = labelled ? 1 : Math.ceil(layerCount / MAX_LABELLED_LAYERS);
  const button = 'rounded border border-slate-300 px-1.5 py-0.5 text-[11px] hover:bg-slate-100 disabled:opacity-40';

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
        {gridValues(domain).map((v) => (
          <g key={v} aria-hidden="true">
            <line x1={VIEW.left} x2={VIEW.left + PLOT_WIDTH} y1={yOf(v)} y2={yOf(v)} className={v === 1 ? 'stroke-indigo-200' : 'stroke-slate-200'} strokeDasharray={v === 1 ? '3 2' : undefined} />
            <text x={VIEW.left - 4} y={yOf(v) + 3} textAnchor="end" className="fill-slate-500 text-[9px]">
              {formatParamNumber(v)}
            </text>
          </g>
        ))}
        {shown.map((_, k) => (
          <line
            key={k}
            aria-hidden="true"
            x1={xOf(anchorPosition(k, shown.length))}
            x2={xOf(anchorPosition(k, shown.length))}
            y1={VIEW.top}
            y2={VIEW.top + PLOT_HEIGHT}
            className="stroke-indigo-100"
          />
        ))}
        <polyline points={curve} fill="none" className="stroke-indigo-500" strokeWidth={1.5} aria-hidden="true" />
        <g role="list" aria-label={`${label} at each layer`}>
          {layers.map((v, layer) => (
            <g key={layer} role="listitem" aria-label={`layer ${layer}: ${formatParamNumber(v)}`}>
              <title>{`layer ${layer}: ${formatParamNumber(v)}`}</title>
              <circle cx={layerX(layer)} cy={yOf(v)} r={2.5} className="fill-slate-800" />
              {labelled ? (
                <text x={layerX(layer)} y={yOf(v) - 10} textAnchor="middle" className="fill-slate-800 font-mono text-[9px]" aria-hidden="true">
                  {formatParamNumber(v)}
                </text>
              ) : null}
              {layer % tickEvery === 0 ? (
                <text x={layerX(layer)} y={VIEW.height - 6} textAnchor="middle" className="fill-slate-500 text-[9px]" aria-hidden="true">
                  L{layer}
                </text>
              ) : null}
            </g>
          ))}
        </g>
        {shown.map((v, k) => {
          const position = anchorPosition(k, shown.length) * Math.max(0, layerCount - 1);
          return (
            <circle
              key={k}
              ref={(element) => {
                handles.current[k] = element;
              }}
              role="slider"
              tabIndex={0}
              aria-label={`Anchor ${k + 1} of ${shown.length}`}
              aria-valuemin={low}
              aria-valuemax={high}
              aria-valuenow={v}
              aria-valuetext={`${formatParamNumber(v)} at layer ${Number(position.toFixed(2))}`}
              cx={xOf(anchorPosition(k, shown.length))}
              cy={yOf(v)}
              r={6}
              strokeWidth={selectedIndex === k ? 3 : 1.5}
              className="cursor-ns-resize fill-white/70 stroke-indigo-700 outline-none focus:fill-indigo-200"
              onFocus={() => setSelected(k)}
              onKeyDown={(e) => onKeyDown(e, k)}
              onPointerDown={(e) => onPointerDown(e, k)}
              onPointerMove={onPointerMove}
              onPointerUp={onPointerUp}
              onPointerCancel={() => setDrag(null)}
              onDoubleClick={(e) => e.stopPropagation()}
            />
          );
        })}
      </svg>
      <div className="mt-1 flex flex-wrap items-center gap-1">
        <button type="button" className={button} onClick={add} disabled={!canAdd}>
          Add anchor
        </button>
        <button type="button" className={button} disabled={selectedIndex === null || anchors.length < 2} onClick={() => selectedIndex !== null && remove(selectedIndex)}>
          {selectedIndex === null ? 'Remove anchor' : `Remove anchor ${selectedIndex + 1}`}
        </button>
        <span className="text-[11px] text-slate-500">
          {anchors.length} anchor{anchors.length === 1 ? '' : 's'}
        </span>
      </div>
    </div>
  );
}
