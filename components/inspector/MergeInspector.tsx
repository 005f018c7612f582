'use client';

import { useShallow } from 'zustand/react/shallow';
import { useModelConfig, useZooIndex } from '@/components/hooks/useZoo';
import { referenceOf } from '@/lib/store/canvasRecipe';
import { isMergeNode, type MergeNode, type StudioNode } from '@/lib/store/canvasTypes';
import { connect, mergeInputs, setGlobalParam, setMethod, setModelParam, updateMerge, useStudioStore } from '@/lib/store/studioStore';
import type { MergeMethodDefinition, ParameterDef } from '@/lib/merge/method';
import { getMergeMethod, MERGE_METHODS } from '@/lib/merge/registry';
import { LayerStackEditor } from './LayerStackEditor';
import { ParameterField } from './ParameterField';
import { PerLayerEditor } from './PerLayerEditor';

export function MergeInspector() {
  const selected = useStudioStore((s) => s.nodes.find((n) => n.id === s.selectedNodeId) ?? null);
  if (!selected) {
    return (
      <div className="p-4 text-sm text-slate-500">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Inspector</h2>
        <p className="mt-2">Select a merge node to set its method, base model, weights and per-layer values.</p>
      </div>
    );
  }
  if (!isMergeNode(selected)) return <ModelInspector node={selected} />;
  return <MergeNodeInspector node={selected} />;
}

function ModelInspector({ node }: { node: StudioNode }) {
  const merges = useStudioStore(useShallow((s) => s.nodes.filter(isMergeNode)));
  const apply = useStudioStore((s) => s.apply);
  const edges = useStudioStore((s) => s.edges);
  const targets = merges.filter((m) => !edges.some((e) => e.source === node.id && e.target === m.id) && m.id !== node.id);
  return (
    <div className="p-4">
      <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Model</h2>
      <p className="mt-1 font-mono text-sm">{referenceOf(node)}</p>
      {targets.length > 0 ? (
        <label className="mt-3 block text-sm">
          Connect to merge
          <select
            className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
            value=""
            onChange={(e) => e.target.value && apply((s) => connect(s, node.id, e.target.value))}
          >
            <option value="">Choose a merge…</option>
            {targets.map((m) => (
              <option key={m.id} value={m.id}>
                {m.data.stage}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <p className="mt-3 text-sm text-slate-500">Add a merge node to connect this model to it.</p>
      )}
    </div>
  );
}

/** The zoo model whose config decides the layer count of a merge (its first zoo input, through chains). */
function useLayerSource(node: MergeNode): string | null {
  const nodes = useStudioStore((s) => s.nodes);
  const edges = useStudioStore((s) => s.edges);
  const seen = new Set<string>();
  let current: StudioNode | undefined = node;
  while (current && isMergeNode(current) && !seen.has(current.id)) {
    seen.add(current.id);
    const id: string = current.id;
    current = nodes.find((n) => n.id === edges.find((e) => e.target === id)?.source);
  }
  return current && !isMergeNode(current) ? current.data.modelId : null;
}

/** Problems a person can fix in the inspector, explained where the setup is made. */
function setupProblems(method: MergeMethodDefinition, inputRefs: readonly string[], baseModel: string | null, sliced: boolean): string[] {
  const problems: string[] = [];
  if (sliced) return problems; // each slice names its own sources; the planner checks them
  if (method.baseModel === 'required' && !baseModel) problems.push(`${method.name} needs a base model: choose one above.`);
  // As in mergekit, a base model that is not among the inputs joins them.
  const counted = inputRefs.length + (baseModel && !inputRefs.includes(baseModel) ? 1 : 0);
  if (counted < method.inputs.min) problems.push(`${method.name} needs at least ${method.inputs.min} models in all (base included); it has ${counted}.`);
  if (method.inputs.max !== undefined && counted > method.inputs.max) {
    problems.push(`${method.name} takes at most ${method.inputs.max} models (base included); it has ${counted}.`);
  }
  return problems;
}

function MergeNodeInspector({ node }: { node: MergeNode }) {
  const apply = useStudioStore((s) => s.apply);
  const activate = useStudioStore((s) => s.activate);
  const isActive = useStudioStore((s) => s.activeNodeId === node.id);
  const inputs = useStudioStore(useShallow((s) => mergeInputs(s, node.id)));
  const allNodes = useStudioStore((s) => s.nodes);
  const zoo = useZooIndex();
  const layerConfig = useModelConfig(useLayerSource(node));
  const method = getMergeMethod(node.data.method);
  const layerCount = layerConfig.data?.num_hidden_layers ?? 0;
  const weight = method?.tensorParameters.find((p) => p.name === 'weight');
  const problems = method ? setupProblems(method, inputs.map(referenceOf), node.data.baseModel, (node.data.slices?.length ?? 0) > 0) : [`Unknown method "${node.data.method}".`];
  const candidates = allNodes.filter((n) => n.id !== node.id && !inputs.some((i) => i.id === n.id));
  const baseOptions = [
    ...(zoo.data?.models.map((m) => m.id) ?? []),
    ...allNodes.filter((n) => isMergeNode(n) && n.id !== node.id).map(referenceOf),
  ];

  return (
    <div className="space-y-4 p-4" aria-label={`Inspector for ${node.data.stage}`}>
      <div className="flex items-center justify-between">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Merge {node.data.stage}</h2>
        {isActive ? (
          <span className="text-xs text-indigo-700">previewed</span>
        ) : (
          <button type="button" className="text-xs text-indigo-700 underline" onClick={() => activate(node.id)}>
            Preview this merge
          </button>
        )}
      </div>

      <label className="block text-sm">
        Method
        <select
          className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
          value={node.data.method}
          onChange={(e) => apply((s) => setMethod(s, node.id, e.target.value))}
        >
          {MERGE_METHODS.map((m) => (
            <option key={m.name} value={m.name}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      {method ? <p className="text-xs text-slate-600">{method.description}</p> : null}

      <label className="block text-sm">
        Base model{method?.baseModel === 'required' ? ' (required)' : ' (optional)'}
        <select
          className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
          value={node.data.baseModel ?? ''}
          onChange={(e) => apply((s) => updateMerge(s, node.id, (d) => ({ ...d, baseModel: e.target.value || null })))}
        >
          <option value="">none</option>
          {baseOptions.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </label>

      {problems.length > 0 ? (
        <ul role="alert" className="rounded border border-amber-200 bg-amber-50 p-2 text-xs text-amber-900">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}

      {method && method.parameters.length > 0 ? (
        <fieldset className="space-y-2">
          <legend className="text-xs font-semibold uppercase text-slate-500">Merge parameters</legend>
          {method.parameters.map((p) => (
            <ParameterField
              key={p.name}
              parameter={p}
              value={node.data.params[p.name]}
              label={p.name}
              onChange={(v) => apply((s) => setGlobalParam(s, node.id, p.name, v))}
            />
          ))}
        </fieldset>
      ) : null}

      {node.data.method === 'passthrough' || node.data.slices ? <LayerStackEditor node={node} inputs={inputs} layerCount={layerCount} /> : null}

      <fieldset className="space-y-3">
        <legend className="text-xs font-semibold uppercase text-slate-500">Inputs</legend>
        {inputs.length === 0 ? <p className="text-xs text-slate-500">No inputs yet: connect models on the canvas or add one below.</p> : null}
        {inputs.map((input) => (
          <div key={input.id} className="rounded border border-slate-200 p-2">
            <div className="font-mono text-xs font-semibold">{referenceOf(input)}</div>
            {method?.tensorParameters.map((p: ParameterDef) => (
              <ParameterField
                key={p.name}
                parameter={p}
                label={`${p.name} of ${referenceOf(input)}`}
                value={node.data.modelParams[input.id]?.[p.name]}
                onChange={(v) => apply((s) => setModelParam(s, node.id, input.id, p.name, v))}
              />
            ))}
            {weight && layerCount > 0 ? (
              <PerLayerEditor
                mergeId={node.id}
                input={input}
                parameter={weight}
                layerCount={layerCount}
                value={node.data.modelParams[input.id]?.weight}
                direction={method?.baseModel === 'required' ? '1.0 = all of this model’s change from the base' : '1.0 = all of this model'}
              />
            ) : null}
          </div>
        ))}
        {candidates.length > 0 ? (
          <label className="block text-sm">
            Add input
            <select
              className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
              value=""
              onChange={(e) => e.target.value && apply((s) => connect(s, e.target.value, node.id))}
            >
              <option value="">Choose a node on the canvas…</option>
              {candidates.map((n) => (
                <option key={n.id} value={n.id}>
                  {referenceOf(n)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </fieldset>
    </div>
  );
}
