import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { duplicateSelection } from './canvasEditing';
import { isMergeNode } from './canvasTypes';
import { connect, emptyCanvas, setMethod, setModelParam, useStudioStore } from './studioStore';

const store = () => useStudioStore.getState();

function methodOf(id: string): string | undefined {
  const node = store().nodes.find((n) => n.id === id);
  return node && isMergeNode(node) ? node.data.method : undefined;
}

/** Two experts into a merge, built through the store's actions; returns the ids. */
function build(): { a: string; b: string; merge: string } {
  const a = store().addModel('zoo-add');
  const b = store().addModel('zoo-upper');
  const merge = store().addMerge();
  store().apply((s) => connect(s, a, merge));
  store().apply((s) => connect(s, b, merge));
  return { a, b, merge };
}

describe('the studio store records every canvas edit', () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000_000;
    vi.setSystemTime(now);
    store().load(emptyCanvas);
  });
  afterEach(() => vi.useRealTimers());

  /** Moves the clock past the coalescing window, as a person pausing between edits. */
  const pause = () => {
    now += 5_000;
    vi.setSystemTime(now);
  };

  it('undoes and redoes adds, connections and a method change, one at a time', () => {
    const { merge } = build();
    pause();
    store().apply((s) => setMethod(s, merge, 'task_arithmetic'));
    expect(store().history.past).toHaveLength(6);

    store().undo();
    expect(methodOf(merge)).toBe('linear');
    store().redo();
    expect(methodOf(merge)).toBe('task_arithmetic');

    for (let i = 0; i < 6; i++) store().undo();
    expect(store().nodes).toEqual([]);
    expect(store().history.past).toHaveLength(0);
    store().undo();
    expect(store().nodes).toEqual([]);
    for (let i = 0; i < 6; i++) store().redo();
    expect(methodOf(merge)).toBe('task_arithmetic');
    expect(store().edges).toHaveLength(2);
  });

  it('selection alone is not an undo step', () => {
    const { a, merge } = build();
    const steps = store().history.past.length;
    store().select(a);
    store().onNodesChange([
      { type: 'select', id: merge, selected: false },
      { type: 'select', id: a, selected: true },
    ]);
    store().onNodesChange([{ type: 'dimensions', id: a, dimensions: { width: 180, height: 70 } }]);
    expect(store().history.past).toHaveLength(steps);
  });

  it('a node drag through React Flow is one step; the next drag is another', () => {
    const { a } = build();
    const start = store().nodes.find((n) => n.id === a)!.position;
    const steps = store().history.past.length;
    const drag = (dx: number) => {
      store().sealHistory(); // the pointer press that starts a drag
      for (let i = 1; i <= 10; i++) store().onNodesChange([{ type: 'position', id: a, position: { x: start.x + dx * i, y: start.y }, dragging: true }]);
      store().onNodesChange([{ type: 'position', id: a, position: { x: start.x + dx * 10, y: start.y }, dragging: false }]);
    };
    drag(5);
    expect(store().history.past).toHaveLength(steps + 1);
    drag(7);
    expect(store().history.past).toHaveLength(steps + 2);
    store().undo();
    expect(store().nodes.find((n) => n.id === a)!.position).toEqual({ x: start.x + 50, y: start.y });
    store().undo();
    expect(store().nodes.find((n) => n.id === a)!.position).toEqual(start);
  });

  it('a slider drag is one step', () => {
    const { a, merge } = build();
    pause();
    const steps = store().history.past.length;
    for (let i = 0; i <= 20; i++) {
      now += 16;
      vi.setSystemTime(now);
      store().apply((s) => setModelParam(s, merge, a, 'weight', i / 20));
    }
    expect(store().history.past).toHaveLength(steps + 1);
    store().undo();
    const node = store().nodes.find((n) => n.id === merge);
    expect(node && isMergeNode(node) ? node.data.modelParams[a] : null).toEqual({ weight: 1 });
  });

  it('duplicate and delete undo as one step each', () => {
    const { a, merge } = build();
    store().select(merge);
    store().apply(duplicateSelection);
    expect(store().nodes.filter(isMergeNode)).toHaveLength(2);
    store().undo();
    expect(store().nodes.filter(isMergeNode)).toHaveLength(1);
    store().redo();
    expect(store().nodes.filter(isMergeNode)).toHaveLength(2);

    const edges = store().edges.length;
    store().onNodesChange([{ type: 'remove', id: a }]);
    expect(store().edges.length).toBe(edges - 2);
    store().undo();
    expect(store().nodes.some((n) => n.id === a)).toBe(true);
    expect(store().edges).toHaveLength(edges);
  });

  it('replace (a restore) is undoable; load (a share link) starts a fresh history', () => {
    const { merge } = build();
    const before = store().nodes;
    store().replace(emptyCanvas);
    expect(store().nodes).toEqual([]);
    store().undo();
    expect(store().nodes).toBe(before);
    expect(store().nodes.some((n) => n.id === merge)).toBe(true);

    store().load(emptyCanvas);
    expect(store().history.past).toHaveLength(0);
    expect(store().history.future).toHaveLength(0);
  });
});
