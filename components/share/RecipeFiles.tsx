'use client';

import { useRef, useState, type ChangeEvent } from 'react';
import { isPlainObject } from '@/lib/json/isPlainObject';
import { defaultRegistry, mergeMethodNames } from '@/lib/merge/registry';
import { formatIssues, parseRecipe, type Recipe } from '@/lib/recipe/schema';
import { formatMergekitYamlIssues, mergekitYamlFromRecipe, recipeFromMergekitYaml } from '@/lib/recipe/yaml';
import { canvasLayoutSchema, type CanvasLayout } from '@/lib/store/canvasLayout';
import { canvasFromRecipe, canvasToLayout, canvasToRecipe } from '@/lib/store/canvasRecipe';
import { useStudioStore } from '@/lib/store/studioStore';
import type { ExportProgress } from '@/lib/workers/exportApi';
import { ExportCancelled, exportMergedModel } from '@/lib/workers/exportClient';

type Notice = { kind: 'error' | 'info'; text: string } | null;

interface ModelExport {
  progress: ExportProgress | null;
  cancel: () => void;
}

function progressText(progress: ExportProgress | null): string {
  if (!progress) return 'Starting the export…';
  return progress.phase === 'loading'
    ? `Loading models: ${progress.done} of ${progress.total}`
    : `Merging and zipping: ${progress.done} of ${progress.total} tensors`;
}

/** What a recipe file holds: mergekit YAML, a bare studio recipe, or a studio file with its canvas layout. */
function readRecipeFile(name: string, text: string): { recipe: Recipe; layout: CanvasLayout | null; warnings: string[] } | { error: string } {
  const context = { methods: mergeMethodNames() };
  if (/\.ya?ml$/i.test(name) || !text.trimStart().startsWith('{')) {
    const result = recipeFromMergekitYaml(text, context);
    if (!result.ok) return { error: formatMergekitYamlIssues(result.issues, name) };
    return { recipe: result.recipe, layout: null, warnings: result.warnings.map((w) => w.message) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { error: `${name} is not valid JSON: ${(error as Error).message}` };
  }
  const wrapped = isPlainObject(json) && 'recipe' in json ? json : null;
  const parsed = parseRecipe(wrapped ? wrapped.recipe : json, context);
  if (!parsed.ok) return { error: `${name} is not a valid recipe:\n${formatIssues(parsed.issues)}` };
  const layout = wrapped ? canvasLayoutSchema.safeParse(wrapped.layout) : null;
  return { recipe: parsed.recipe, layout: layout?.success ? layout.data : null, warnings: [] };
}

function download(fileName: string, content: string | Blob, type: string) {
  const url = URL.createObjectURL(typeof content === 'string' ? new Blob([content], { type }) : content);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Export the canvas as mergekit YAML or as a studio JSON file (with its layout); import either. */
export function RecipeFiles() {
  const input = useRef<HTMLInputElement>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const replace = useStudioStore((s) => s.replace);
  const [modelExport, setModelExport] = useState<ModelExport | null>(null);

  const current = () => {
    const s = useStudioStore.getState();
    return { ...canvasToRecipe(s.nodes, s.edges, s.activeNodeId), layout: canvasToLayout(s.nodes, s.edges, s.activeNodeId) };
  };

  const exportYaml = () => {
    const { recipe } = current();
    if (!recipe) return setNotice({ kind: 'error', text: 'Nothing to export yet: connect at least one model to a merge node.' });
    const { yaml, unsupported } = mergekitYamlFromRecipe(recipe, { registry: defaultRegistry });
    download('merge.yml', yaml, 'application/yaml');
    setNotice(
      unsupported.length === 0
        ? { kind: 'info', text: 'Saved merge.yml: mergekit runs it as the studio does.' }
        : { kind: 'info', text: `Saved merge.yml. mergekit cannot run all of it:\n${unsupported.map((u) => `• ${u.stage ?? 'recipe'}: ${u.reason}`).join('\n')}` },
    );
  };

  const exportJson = () => {
    const { recipe, layout } = current();
    if (!recipe) return setNotice({ kind: 'error', text: 'Nothing to export yet: connect at least one model to a merge node.' });
    download('merge.recipe.json', `${JSON.stringify({ recipe, layout }, null, 2)}\n`, 'application/json');
    setNotice({ kind: 'info', text: 'Saved merge.recipe.json (recipe and canvas layout).' });
  };

  const exportModel = async () => {
    const { recipe: draft } = current();
    if (!draft) return setNotice({ kind: 'error', text: 'Nothing to export yet: connect at least one model to a merge node.' });
    const parsed = parseRecipe(draft, { methods: mergeMethodNames() });
    if (!parsed.ok) return setNotice({ kind: 'error', text: `The merge cannot run yet:\n${formatIssues(parsed.issues)}` });
    setNotice(null);
    const running = exportMergedModel(parsed.recipe, (progress) => setModelExport((e) => (e ? { ...e, progress } : e)));
    setModelExport({ progress: null, cancel: running.cancel });
    try {
      const { fileName, zip, files } = await running.result;
      download(fileName, zip, 'application/zip');
      setNotice({ kind: 'info', text: `Saved ${fileName} (${(zip.size / 1e6).toFixed(1)} MB), a Hugging Face folder:\n${files.map((f) => `• ${f}`).join('\n')}` });
    } catch (error) {
      if (error instanceof ExportCancelled) setNotice({ kind: 'info', text: 'Export cancelled.' });
      else setNotice({ kind: 'error', text: `The export failed: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      setModelExport(null);
    }
  };

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    const result = readRecipeFile(file.name, await file.text());
    if ('error' in result) return setNotice({ kind: 'error', text: result.error });
    const canvas = canvasFromRecipe(result.recipe, result.layout);
    replace({ ...canvas, selectedNodeId: canvas.activeNodeId });
    setNotice({ kind: 'info', text: [`Opened ${file.name}.`, ...result.warnings].join('\n') });
  };

  const button = 'whitespace-nowrap rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 disabled:cursor-wait disabled:opacity-50';
  return (
    <div className="relative flex items-center gap-1">
      <button type="button" className={button} onClick={exportYaml}>
        Export YAML
      </button>
      <button type="button" className={button} onClick={exportJson}>
        Export JSON
      </button>
      <button type="button" className={button} onClick={exportModel} disabled={modelExport !== null}>
        Download merged model (.zip)
      </button>
      <button type="button" className={button} onClick={() => input.current?.click()}>
        Import…
      </button>
      <input ref={input} type="file" accept=".yml,.yaml,.json" className="hidden" aria-label="Recipe file to import" onChange={onFile} />
      {modelExport ? (
        <div role="status" aria-label="Model export" className="absolute right-0 top-9 z-20 w-96 rounded border border-slate-200 bg-white p-2 text-xs text-slate-700 shadow-lg">
          <div className="flex items-center justify-between gap-2">
            <span>{progressText(modelExport.progress)}</span>
            <button type="button" className="underline" onClick={modelExport.cancel}>
              Cancel
            </button>
          </div>
          <progress
            className="mt-1 h-2 w-full"
            aria-label="Export progress"
            max={modelExport.progress?.total || 1}
            value={modelExport.progress?.done ?? 0}
          />
        </div>
      ) : notice ? (
        <div
          role={notice.kind === 'error' ? 'alert' : 'status'}
          className={`absolute right-0 top-9 z-20 w-96 whitespace-pre-wrap rounded border p-2 text-xs shadow-lg ${notice.kind === 'error' ? 'border-red-200 bg-red-50 text-red-800' : 'border-slate-200 bg-white text-slate-700'}`}
        >
          {notice.text}
          <button type="button" className="ml-2 underline" onClick={() => setNotice(null)}>
            Close
          </button>
        </div>
      ) : null}
    </div>
  );
}
