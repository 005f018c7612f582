import { outputStageName, stageInputs } from '@/lib/recipe/recipeGraph';
import type { Recipe, RecipeStage } from '@/lib/recipe/schema';
import type { CanvasLayout } from './canvasLayout';
import type { MergeNode, StudioEdge, StudioNode } from './canvasTypes';
import { isMergeNode } from './canvasTypes';

export interface CanvasProblem {
  nodeId: string;
  message: string;
}

/** The name a node has in a recipe: a zoo id for a model node, the stage name for a merge node. */
export function referenceOf(node: StudioNode): string {
  return isMergeNode(node) ? node.data.stage : node.data.modelId;
}

export function inputsOf(nodeId: string, nodes: readonly StudioNode[], edges: readonly StudioEdge[]): StudioNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return edges
    .filter((e) => e.target === nodeId)
    .map((e) => byId.get(e.source))
    .filter((n): n is StudioNode => n !== undefined);
}

/** Merge nodes in dependency order (inputs before the merges that use them); cycles are reported. */
export function mergeOrder(nodes: readonly StudioNode[], edges: readonly StudioEdge[]): { order: MergeNode[]; cyclic: string[] } {
  const merges = nodes.filter(isMergeNode);
  const visiting = new Set<string>();
  const done = new Set<string>();
  const order: MergeNode[] = [];
  const cyclic: string[] = [];
  const visit = (node: MergeNode): void => {
    if (done.has(node.id)) return;
    if (visiting.has(node.id)) {
      cyclic.push(node.id);
      return;
    }
    visiting.add(node.id);
    for (const input of inputsOf(node.id, nodes, edges)) if (isMergeNode(input)) visit(input);
    visiting.delete(node.id);
    done.add(node.id);
    order.push(node);
  };
  merges.forEach(visit);
  return { order, cyclic };
}

function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

/**
 * Writes the canvas as a recipe: one stage per merge node that has inputs, in dependency
 * order. Merges that cannot run yet (no inputs, an input merge that cannot run) are left
 * out and reported, so a half-built canvas still previews what is complete.
 */
export function canvasToRecipe(
  nodes: readonly StudioNode[],
  edges: readonly StudioEdge[],
  activeNodeId: string | null,
): { recipe: Recipe | null; problems: CanvasProblem[]; stageOf: Map<string, string> } {
  const { order, cyclic } = mergeOrder(nodes, edges);
  const problems: CanvasProblem[] = cyclic.map((nodeId) => ({ nodeId, message: 'This merge feeds itself through a cycle.' }));
  const runnable = new Set<string>();
  const stages: RecipeStage[] = [];
  const stageOf = new Map<string, string>();
  for (const node of order) {
    const inputs = inputsOf(node.id, nodes, edges);
    if (inputs.length === 0) {
      problems.push({ nodeId: node.id, message: 'Connect at least one model to this merge.' });
      continue;
    }
    const blocked = inputs.find((i) => isMergeNode(i) && !runnable.has(i.id));
    if (blocked) {
      problems.push({ nodeId: node.id, message: `Its input "${referenceOf(blocked)}" cannot run yet.` });
      continue;
    }
    const { stage, method, baseModel, params, modelParams, slices } = node.data;
    if (slices && slices.length > 0) {
      const refs = new Set(inputs.map(referenceOf));
      const stray = slices.flatMap((s) => s.sources).find((s) => !refs.has(s.model));
      if (stray) {
        problems.push({ nodeId: node.id, message: `A layer slice reads "${stray.model}", which is not connected to this merge.` });
        continue;
      }
    }
    stages.push({
      name: stage,
      merge_method: method,
      ...(baseModel ? { base_model: baseModel } : {}),
      ...(slices && slices.length > 0
        ? { slices }
        : {
            models: inputs.map((input) => {
              const parameters = nonEmpty(modelParams[input.id] ?? {});
              return { model: referenceOf(input), ...(parameters ? { parameters } : {}) };
            }),
          }),
      ...(nonEmpty(params) ? { parameters: params } : {}),
    });
    runnable.add(node.id);
    stageOf.set(node.id, stage);
  }
  if (stages.length === 0) return { recipe: null, problems, stageOf };
  const active = activeNodeId ? stageOf.get(activeNodeId) : undefined;
  return { recipe: { version: 1, stages, ...(active ? { output: active } : {}) }, problems, stageOf };
}

export function canvasToLayout(nodes: readonly StudioNode[], edges: readonly StudioEdge[], activeNodeId: string | null): CanvasLayout {
  return {
    nodes: Object.fromEntries(
      nodes.map((n) => [
        n.id,
        {
          type: isMergeNode(n) ? ('merge' as const) : ('model' as const),
          x: Math.round(n.position.x),
          y: Math.round(n.position.y),
          ...(isMergeNode(n) ? { stage: n.data.stage } : { model: n.data.modelId }),
        },
      ]),
    ),
    edges: edges.map((e) => ({ source: e.source, target: e.target })),
    active: activeNodeId,
  };
}

export function edgeId(source: string, target: string): string {
  return `${source}->${target}`;
}

/**
 * Rebuilds the canvas from a recipe and its layout. Stages give the merge settings; the
 * layout gives node identity, position and wiring. Without a layout (a recipe from a file
 * or from mergekit), nodes are laid out in columns by dependency depth.
 */
export function canvasFromRecipe(
  recipe: Recipe,
  layout: CanvasLayout | null,
): { nodes: StudioNode[]; edges: StudioEdge[]; activeNodeId: string | null } {
  const stages = new Map(recipe.stages.map((s) => [s.name, s]));
  const effectiveLayout = layout ?? autoLayout(recipe);
  const nodes: StudioNode[] = [];
  for (const [id, entry] of Object.entries(effectiveLayout.nodes)) {
    const position = { x: entry.x, y: entry.y };
    if (entry.type === 'model' && entry.model) {
      nodes.push({ id, type: 'model', position, data: { modelId: entry.model } });
    } else if (entry.type === 'merge' && entry.stage) {
      nodes.push({ id, type: 'merge', position, data: emptyMergeData(entry.stage) });
    }
  }
  const ids = new Set(nodes.map((n) => n.id));
  const edges: StudioEdge[] = effectiveLayout.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => ({ id: edgeId(e.source, e.target), source: e.source, target: e.target }));

  for (const node of nodes) {
    if (!isMergeNode(node)) continue;
    const stage = stages.get(node.data.stage);
    if (!stage) continue;
    const unused = [...(stage.models ?? [])];
    const modelParams: MergeNode['data']['modelParams'] = {};
    for (const input of inputsOf(node.id, nodes, edges)) {
      const at = unused.findIndex((m) => m.model === referenceOf(input));
      if (at < 0) continue;
      const [entry] = unused.splice(at, 1);
      if (entry?.parameters) modelParams[input.id] = { ...entry.parameters };
    }
    node.data = {
      stage: stage.name,
      method: stage.merge_method,
      baseModel: stage.base_model ?? null,
      params: { ...(stage.parameters ?? {}) },
      modelParams,
      ...(stage.slices ? { slices: stage.slices } : {}),
    };
  }
  const activeFromRecipe = recipe.output ? nodes.find((n) => isMergeNode(n) && n.data.stage === recipe.output)?.id : undefined;
  const active = effectiveLayout.active && ids.has(effectiveLayout.active) ? effectiveLayout.active : (activeFromRecipe ?? null);
  return { nodes, edges, activeNodeId: active };
}

export function emptyMergeData(stage: string): MergeNode['data'] {
  return { stage, method: 'linear', baseModel: null, params: {}, modelParams: {} };
}

function autoLayout(recipe: Recipe): CanvasLayout {
  const stageNames = new Set(recipe.stages.map((s) => s.name));
  const depth = new Map<string, number>();
  for (const stage of recipe.stages) {
    const inputDepths = stageInputs(stage).map((m) => (stageNames.has(m) ? (depth.get(m) ?? 0) : 0));
    depth.set(stage.name, 1 + Math.max(0, ...inputDepths));
  }
  const nodes: CanvasLayout['nodes'] = {};
  const edges: CanvasLayout['edges'] = [];
  const rowsInColumn = new Map<number, number>();
  const place = (column: number) => {
    const row = rowsInColumn.get(column) ?? 0;
    rowsInColumn.set(column, row + 1);
    return { x: column * 320, y: row * 140 };
  };
  // One node per model, however many stages read it (a searched recipe's stages share experts).
  const modelNodes = new Map<string, string>();
  recipe.stages.forEach((stage) => {
    const id = `merge-${stage.name}`;
    nodes[id] = { type: 'merge', stage: stage.name, ...place(depth.get(stage.name) ?? 1) };
    stageInputs(stage).forEach((model) => {
      if (stageNames.has(model)) {
        edges.push({ source: `merge-${model}`, target: id });
        return;
      }
      let modelNodeId = modelNodes.get(model);
      if (modelNodeId === undefined) {
        modelNodeId = `model-${modelNodes.size + 1}`;
        modelNodes.set(model, modelNodeId);
        nodes[modelNodeId] = { type: 'model', model, ...place(0) };
      }
      edges.push({ source: modelNodeId, target: id });
    });
  });
  return { nodes, edges, active: `merge-${outputStageName(recipe)}` };
}
