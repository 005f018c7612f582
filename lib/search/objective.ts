/** What a search maximises: one skill, a weighted mean of skills, or several skills at once (Pareto). */
import { z } from 'zod';

export const objectiveSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('skill'), skill: z.string().min(1) }),
  z
    .object({ kind: z.literal('weighted'), weights: z.record(z.string().min(1), z.number().nonnegative()) })
    .refine((o) => Object.values(o.weights).some((w) => w > 0), { message: 'at least one weight must be positive' }),
  z.object({ kind: z.literal('pareto'), skills: z.array(z.string().min(1)).min(2).max(4) }),
]);
export type Objective = z.infer<typeof objectiveSchema>;

/** Skills a trial must be scored on. */
export function objectiveSkills(objective: Objective): string[] {
  switch (objective.kind) {
    case 'skill':
      return [objective.skill];
    case 'weighted':
      return Object.keys(objective.weights).filter((s) => (objective.weights[s] ?? 0) > 0);
    case 'pareto':
      return [...objective.skills];
  }
}

/** The objective's values (one, or one per Pareto objective) from per-skill accuracies. */
export function objectiveValues(objective: Objective, accuracy: Readonly<Record<string, number>>): number[] {
  const acc = (skill: string) => accuracy[skill] ?? 0;
  switch (objective.kind) {
    case 'skill':
      return [acc(objective.skill)];
    case 'weighted': {
      let sum = 0;
      let total = 0;
      for (const [skill, w] of Object.entries(objective.weights)) {
        sum += w * acc(skill);
        total += w;
      }
      return [sum / total];
    }
    case 'pareto':
      return objective.skills.map(acc);
  }
}

export function objectiveLabels(objective: Objective): string[] {
  switch (objective.kind) {
    case 'skill':
      return [objective.skill];
    case 'weighted':
      return [Object.keys(objective.weights).length > 1 ? 'weighted mean' : Object.keys(objective.weights)[0]!];
    case 'pareto':
      return [...objective.skills];
  }
}
