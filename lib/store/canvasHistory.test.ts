import { describe, expect, it } from 'vitest';
import {
  canRedo,
  canUndo,
  changeKey,
  COALESCE_WINDOW_MS,
  emptyHistory,
  HISTORY_LIMIT,
  recordEdit,
  redoStep,
  sameDocument,
  sealStep,
  undoStep,
  type CanvasHistory,
} from './canvasHistory';
import { setLayerWeight } from '@/testing/layerSlider';
import { addMergeNode, addModelNode, connect, emptyCanvas, setMethod, setModelParam } from './studioStore';
import type { CanvasState } from './canvasTypes';

/** Two experts wired into a linear merge. */
function wiredMerge(): { state: CanvasState; a: string; b: string; merge: string } {
  const a = addModelNode(emptyCanvas, 'zoo-add');
  const b = addModelNode(a.state, 'zoo-upper');
  const merge = addMergeNode(b.state);
  const state = connect(connect(merge.state, a.id, merge.id), b.id, merge.id);
  return { state, a: a.id, b: b.id, merge: merge.id };
}

/** Applies an edit to a (history, state) pair as the store does. */
function edit(
  at: { history: CanvasHistory; state: CanvasState },
  action: (s: CanvasState) => CanvasState,
  now: number,
): { history: CanvasHistory; state: CanvasState } {
  const state = action(at.state);
  return { state, history: recordEdit(at.history, at.state, state, now) };
}

function methodOf(state: CanvasState, id: string): string | undefined {
  const node = state.nodes.find((n) => n.id === id);
  return node?.type === 'merge' ? node.data.method : undefined;
}

describe('canvas history', () => {
  it('undo returns to the state before the edit and redo reapplies it', () => {
    const { state, merge } = wiredMerge();
    const after = edit({ history: emptyHistory, state }, (s) => setMethod(s, merge, 'task_arithmetic'), 0);
    expect(canUndo(after.history)).toBe(true);
    expect(canRedo(after.history)).toBe(false);

    const undone = undoStep(after.history, after.state);
    expect(undone).not.toBeNull();
    expect(methodOf(undone!.state, merge)).toBe('linear');
    expect(undone!.state).toBe(state);
    expect(canRedo(undone!.history)).toBe(true);

    const redone = redoStep(undone!.history, undone!.state);
    expect(methodOf(redone!.state, merge)).toBe('task_arithmetic');
    expect(canRedo(redone!.history)).toBe(false);
    expect(canUndo(redone!.history)).toBe(true);
  });

  it('has nothing to undo or redo when empty', () => {
    expect(undoStep(emptyHistory, emptyCanvas)).toBeNull();
    expect(redoStep(emptyHistory, emptyCanvas)).toBeNull();
  });

  it('a new edit after an undo drops the redo branch', () => {
    const { state, merge } = wiredMerge();
    const first = edit({ history: emptyHistory, state }, (s) => setMethod(s, merge, 'task_arithmetic'), 0);
    const undone = undoStep(first.history, first.state)!;
    const other = edit(undone, (s) => setMethod(s, merge, 'ties'), 10_000);
    expect(canRedo(other.history)).toBe(false);
    expect(methodOf(undoStep(other.history, other.state)!.state, merge)).toBe('linear');
  });

  it('selection changes and measurements are not undo steps', () => {
    const { state, merge } = wiredMerge();
    const selected: CanvasState = {
      ...state,
      selectedNodeId: null,
      nodes: state.nodes.map((n) => ({ ...n, selected: false, measured: { width: 190, height: 70 }, dragging: false })),
    };
    expect(sameDocument(state, selected)).toBe(true);
    expect(recordEdit(emptyHistory, state, selected, 0)).toBe(emptyHistory);
    expect(recordEdit(emptyHistory, state, { ...state, selectedNodeId: merge }, 0)).toBe(emptyHistory);
  });

  it('the previewed merge, wiring, positions and parameters are the document', () => {
    const { state, a, merge } = wiredMerge();
    expect(sameDocument(state, { ...state, activeNodeId: null })).toBe(false);
    expect(sameDocument(state, { ...state, edges: state.edges.slice(1) })).toBe(false);
    expect(sameDocument(state, { ...state, nodes: state.nodes.map((n) => (n.id === a ? { ...n, position: { x: 5, y: 5 } } : n)) })).toBe(false);
    expect(sameDocument(state, setModelParam(state, merge, a, 'weight', 0.5))).toBe(false);
  });

  it('parameter values equal up to key order are the same document', () => {
    const { state, a, merge } = wiredMerge();
    const weightFirst = setModelParam(state, merge, a, 'density', 0.5);
    const withoutWeight = setModelParam(setModelParam(state, merge, a, 'weight', undefined), merge, a, 'density', 0.5);
    const densityFirst = setModelParam(withoutWeight, merge, a, 'weight', 1);
    const node = densityFirst.nodes.find((n) => n.id === merge);
    expect(node?.type === 'merge' && Object.keys(node.data.modelParams[a] ?? {})).toEqual(['density', 'weight']);
    expect(sameDocument(weightFirst, densityFirst)).toBe(true);
    expect(sameDocument(weightFirst, setModelParam(densityFirst, merge, a, 'weight', 0.9))).toBe(false);
  });

  it('a slider drag (edits of one parameter close together) is one undo step', () => {
    const { state, a, merge } = wiredMerge();
    let at = { history: emptyHistory, state };
    for (let i = 1; i <= 20; i++) at = edit(at, (s) => setLayerWeight(s, merge, a, 1, i / 20), i * 16);
    expect(at.history.past).toHaveLength(1);
    expect(undoStep(at.history, at.state)!.state).toBe(state);
  });

  it('a pause longer than the window starts a new step', () => {
    const { state, a, merge } = wiredMerge();
    const first = edit({ history: emptyHistory, state }, (s) => setModelParam(s, merge, a, 'weight', 0.4), 0);
    const second = edit(first, (s) => setModelParam(s, merge, a, 'weight', 0.6), COALESCE_WINDOW_MS + 1);
    expect(second.history.past).toHaveLength(2);
    expect(second.history.past[1]).toBe(first.state);
  });

  it('a sealed step (a new pointer press) is not joined, even on the same slider', () => {
    const { state, a, merge } = wiredMerge();
    const first = edit({ history: emptyHistory, state }, (s) => setModelParam(s, merge, a, 'weight', 0.4), 0);
    const second = edit({ ...first, history: sealStep(first.history) }, (s) => setModelParam(s, merge, a, 'weight', 0.6), 10);
    expect(second.history.past).toHaveLength(2);
  });

  it('edits of different things never join, however close together', () => {
    const { state, a, b, merge } = wiredMerge();
    const first = edit({ history: emptyHistory, state }, (s) => setModelParam(s, merge, a, 'weight', 0.4), 0);
    const second = edit(first, (s) => setModelParam(s, merge, b, 'weight', 0.6), 1);
    const third = edit(second, (s) => setMethod(s, merge, 'ties'), 2);
    expect(third.history.past).toEqual([state, first.state, second.state]);
  });

  it('a node drag is one step; structural edits are steps of their own', () => {
    const { state, a } = wiredMerge();
    const move = (x: number) => (s: CanvasState) => ({ ...s, nodes: s.nodes.map((n) => (n.id === a ? { ...n, position: { x, y: 0 } } : n)) });
    let at = { history: emptyHistory, state };
    for (let x = 1; x <= 30; x++) at = edit(at, move(x * 3), x * 16);
    expect(at.history.past).toHaveLength(1);
    expect(changeKey(state, at.state)).toBe(`move:${a}`);
    const added = edit(at, (s) => addModelNode(s, 'zoo-sort').state, 500);
    const addedAgain = edit(added, (s) => addModelNode(s, 'zoo-count').state, 501);
    expect(addedAgain.history.past).toHaveLength(3);
    expect(changeKey(at.state, added.state)).toBeNull();
  });

  it('undo and redo end the open step', () => {
    const { state, a, merge } = wiredMerge();
    const first = edit({ history: emptyHistory, state }, (s) => setModelParam(s, merge, a, 'weight', 0.4), 0);
    const undone = undoStep(first.history, first.state)!;
    const redone = redoStep(undone.history, undone.state)!;
    const next = edit(redone, (s) => setModelParam(s, merge, a, 'weight', 0.6), 5);
    expect(next.history.past).toHaveLength(2);
  });

  it(`keeps at most ${HISTORY_LIMIT} steps, dropping the oldest`, () => {
    const { state, merge } = wiredMerge();
    let at = { history: emptyHistory, state };
    const methods = ['task_arithmetic', 'linear'];
    for (let i = 0; i < HISTORY_LIMIT + 25; i++) at = edit(at, (s) => setMethod(s, merge, methods[i % 2]!), i * 10_000);
    expect(at.history.past).toHaveLength(HISTORY_LIMIT);
    let undone = 0;
    for (let step = undoStep(at.history, at.state); step; step = undoStep(step.history, step.state)) undone++;
    expect(undone).toBe(HISTORY_LIMIT);
  });
});
