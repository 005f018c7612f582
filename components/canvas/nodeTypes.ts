import type { NodeTypes } from '@xyflow/react';
import { MergeNodeView } from './MergeNodeView';
import { ModelNodeView } from './ModelNodeView';

/** Defined once at module level so React Flow never sees a new object and remounts nodes. */
export const nodeTypes: NodeTypes = { model: ModelNodeView, merge: MergeNodeView };

/** The drag payload type a library card carries onto the canvas. */
export const MODEL_DRAG_TYPE = 'application/x-merge-studio-model';
