import type { CanvasState, StudioEdge, StudioNode } from './canvasTypes';
import { isPlainObject } from '@/lib/json/isPlainObject';

/**
 * Undo and redo for the canvas: snapshots of the whole canvas state before each edit.
 * The present is the store itself, so nothing here can drift from what is drawn.
 *
 * Only the document counts as an edit: nodes (identity, type, position, data), wiring and
 * the previewed merge. What React Flow adds while drawing (selection flags, measured sizes,
 * the dragging flag) and the selected node never make an undo step.
 */
export interface CanvasHistory {
  /** Oldest first; the last entry is what one undo returns to. */
  past: CanvasState[];
  /** Nearest first; the first entry is what one redo returns to. */
  future: CanvasState[];
  /** The step the next edit may join (a slider drag, a node drag); null once sealed. */
  openStep: { key: string; at: number } | null;
}

export const HISTORY_LIMIT = 200;

/** Edits of the same thing closer together than this make one undo step (a slider drag, typing a number). */
export const COALESCE_WINDOW_MS = 1000;

export const emptyHistory: CanvasHistory = { past: [], future: [], openStep: null };

/** Structural equality of plain JSON-like values (key order aside). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

function sameNodeExceptPosition(a: StudioNode, b: StudioNode): boolean {
  return a.id === b.id && a.type === b.type && sameJson(a.data, b.data);
}

function samePosition(a: StudioNode, b: StudioNode): boolean {
  return a.position.x === b.position.x && a.position.y === b.position.y;
}

function sameEdge(a: StudioEdge, b: StudioEdge): boolean {
  return a.id === b.id && a.source === b.source && a.target === b.target && a.sourceHandle === b.sourceHandle && a.targetHandle === b.targetHandle;
}

function sameEdges(a: readonly StudioEdge[], b: readonly StudioEdge[]): boolean {
  return a === b || (a.length === b.length && a.every((edge, i) => sameEdge(edge, b[i]!)));
}

/** Whether two canvas states draw the same merge (selection and measurements aside). */
export function sameDocument(a: CanvasState, b: CanvasState): boolean {
  if (a.activeNodeId !== b.activeNodeId || !sameEdges(a.edges, b.edges)) return false;
  if (a.nodes === b.nodes) return true;
  return a.nodes.length === b.nodes.length && a.nodes.every((n, i) => sameNodeExceptPosition(n, b.nodes[i]!) && samePosition(n, b.nodes[i]!));
}

/** The paths of a node's data that differ, e.g. `method`, `params.lambda`, `modelParams.model-1.weight`. */
function changedDataPaths(a: StudioNode, b: StudioNode): string[] {
  const before: Record<string, unknown> = a.data;
  const after: Record<string, unknown> = b.data;
  const paths: string[] = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const x = before[key];
    const y = after[key];
    if (sameJson(x, y)) continue;
    if (key === 'params' || key === 'modelParams') paths.push(...changedLeaves(key, x, y, key === 'modelParams' ? 2 : 1));
    else paths.push(key);
  }
  return paths;
}

function changedLeaves(prefix: string, a: unknown, b: unknown, depth: number): string[] {
  if (depth === 0 || !isPlainObject(a) || !isPlainObject(b)) return [prefix];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((key) => !sameJson(a[key], b[key]))
    .flatMap((key) => changedLeaves(`${prefix}.${key}`, a[key], b[key], depth - 1));
}

/**
 * What an edit changed, as a key two edits share when they continue one gesture: moving the
 * same nodes, or setting the same parameters of one merge. Null for anything structural
 * (adding, removing, wiring, previewing), which is always a step of its own.
 */
export function changeKey(before: CanvasState, after: CanvasState): string | null {
  if (before.activeNodeId !== after.activeNodeId || !sameEdges(before.edges, after.edges)) return null;
  if (before.nodes.length !== after.nodes.length) return null;
  const moved: string[] = [];
  const edited: string[] = [];
  for (let i = 0; i < before.nodes.length; i++) {
    const a = before.nodes[i]!;
    const b = after.nodes[i]!;
    if (a.id !== b.id || a.type !== b.type) return null;
    if (!samePosition(a, b)) moved.push(a.id);
    if (!sameJson(a.data, b.data)) edited.push(a.id);
  }
  if (edited.length === 0 && moved.length > 0) return `move:${moved.join(',')}`;
  if (edited.length === 1 && moved.length === 0) {
    const index = before.nodes.findIndex((n) => n.id === edited[0]);
    return `data:${edited[0]}:${changedDataPaths(before.nodes[index]!, after.nodes[index]!).join('|')}`;
  }
  return null;
}

/**
 * Records the edit from `before` to `after` made at time `now` (ms). An edit that changes
 * nothing of the document leaves the history as it is; one that continues the open step
 * (same key, within the window) joins it, so a whole slider drag undoes at once.
 */
export function recordEdit(history: CanvasHistory, before: CanvasState, after: CanvasState, now: number): CanvasHistory {
  if (sameDocument(before, after)) return history;
  const key = changeKey(before, after);
  const open = history.openStep;
  if (key !== null && open !== null && open.key === key && now - open.at <= COALESCE_WINDOW_MS && history.past.length > 0) {
    return { ...history, openStep: { key, at: now } };
  }
  const past = [...history.past, before].slice(-HISTORY_LIMIT);
  return { past, future: [], openStep: key === null ? null : { key, at: now } };
}

/** Ends the open step: the next edit is a step of its own even if it continues the last one. */
export function sealStep(history: CanvasHistory): CanvasHistory {
  return history.openStep === null ? history : { ...history, openStep: null };
}

export function canUndo(history: CanvasHistory): boolean {
  return history.past.length > 0;
}

export function canRedo(history: CanvasHistory): boolean {
  return history.future.length > 0;
}

/** The state one step back and the history after the move; null when there is nothing to undo. */
export function undoStep(history: CanvasHistory, present: CanvasState): { history: CanvasHistory; state: CanvasState } | null {
  const state = history.past.at(-1);
  if (!state) return null;
  return { state, history: { past: history.past.slice(0, -1), future: [present, ...history.future], openStep: null } };
}

/** The state one step forward and the history after the move; null when there is nothing to redo. */
export function redoStep(history: CanvasHistory, present: CanvasState): { history: CanvasHistory; state: CanvasState } | null {
  const [state, ...future] = history.future;
  if (!state) return null;
  return { state, history: { past: [...history.past, present].slice(-HISTORY_LIMIT), future, openStep: null } };
}
