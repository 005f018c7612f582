/**
 * What the task-vector diagnostics of a merge stage compare: its inputs outside the recipe
 * as experts, against its base model (a zoo model or an earlier stage). Without a base, the
 * experts' own base from the zoo index stands in, and the note says so.
 */
import { externalModelsOfStage, stageNames } from '@/lib/recipe/recipeGraph';
import type { Recipe } from '@/lib/recipe/schema';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';

/** What the task vectors are taken against: a zoo model, or a stage of the recipe merged first (the engine's `ModelTarget`). */
export type DiagnosticsBase = { kind: 'zoo'; id: string } | { kind: 'merge'; recipe: Recipe; stage: string };

export type DiagnosticsPlan =
  | {
      ok: true;
      base: DiagnosticsBase;
      baseLabel: string;
      /** Zoo models, each compared with the base. */
      experts: string[];
      note: string | null;
    }
  | { ok: false; reason: string };

export function diagnosticsPlan(recipe: Recipe | null, stageName: string | null, zoo: readonly ZooIndexEntry[]): DiagnosticsPlan {
  const stage = recipe?.stages.find((s) => s.name === stageName);
  if (!recipe || !stage) return { ok: false, reason: 'Diagnostics appear once a merge node has inputs.' };
  const experts = externalModelsOfStage(recipe, stage).filter((ref) => ref !== stage.base_model);
  if (experts.length === 0) return { ok: false, reason: `${stage.name} has no zoo models among its inputs besides its base: nothing to compare.` };
  if (stage.base_model) {
    const base: DiagnosticsBase = stageNames(recipe).has(stage.base_model) ? { kind: 'merge', recipe, stage: stage.base_model } : { kind: 'zoo', id: stage.base_model };
    return { ok: true, base, baseLabel: stage.base_model, experts, note: null };
  }
  const declared = zoo.find((m) => m.id === experts[0])?.base ?? null;
  if (!declared) return { ok: false, reason: `${stage.name} has no base model, and ${experts[0]} names none: choose a base model in the inspector.` };
  return {
    ok: true,
    base: { kind: 'zoo', id: declared },
    baseLabel: declared,
    experts: experts.filter((e) => e !== declared),
    note: `${stage.name} has no base model: task vectors are taken against ${declared}, the base its experts were fine-tuned from.`,
  };
}
