'use client';

import { useQueries } from '@tanstack/react-query';
import { evalFileName, parseEvalJsonl, type EvalItem } from '@/lib/eval/evalSet';
import { preparedPrompts, type PreparedPrompt } from '@/lib/demo/demoRecipe';

async function devItems(skill: string): Promise<EvalItem[]> {
  const file = evalFileName(skill, 'dev');
  const response = await fetch(`/evals/${file}`);
  if (!response.ok) throw new Error(`/evals/${file}: ${response.status} ${response.statusText}`);
  return parseEvalJsonl(await response.text(), file);
}

/** Prompts per skill that demo mode prepares. */
const PROMPTS_PER_SKILL = 3;

/** The dev examples (prompt and expected answer) of the skills the merge covers, interleaved by skill. */
export function usePreparedPrompts(skills: readonly string[]): { prompts: PreparedPrompt[]; error: Error | null; loading: boolean } {
  const sets = useQueries({
    queries: skills.map((skill) => ({ queryKey: ['eval-items', skill, 'dev'], queryFn: () => devItems(skill) })),
  });
  const items = new Map<string, EvalItem[]>();
  sets.forEach((set, i) => {
    const skill = skills[i];
    if (skill && set.data) items.set(skill, set.data);
  });
  return {
    prompts: preparedPrompts(skills, items, PROMPTS_PER_SKILL),
    error: sets.find((s) => s.error)?.error ?? null,
    loading: sets.some((s) => s.isPending),
  };
}
