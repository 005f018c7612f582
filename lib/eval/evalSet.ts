/**
 * Held-out task sets: `public/evals/<skill>.<split>.jsonl`, one `{"prompt", "answer"}` per line,
 * and `public/evals/index.json` listing the skills.
 */
import { z } from 'zod';

const evalItemSchema = z.object({
  prompt: z.string().min(1, { error: 'must not be empty' }),
  answer: z.string(),
});
export type EvalItem = z.output<typeof evalItemSchema>;

export type EvalSplit = 'dev' | 'test';

const evalIndexSchema = z.object({
  skills: z.array(
    z.looseObject({
      id: z.string().min(1),
      description: z.string().default(''),
      splits: z.record(z.string(), z.number().int().nonnegative()).default({}),
      examples: z.array(z.string()).default([]),
    }),
  ),
});
export type EvalIndex = z.output<typeof evalIndexSchema>;

/** Parses JSONL (blank lines allowed); errors name the source and the 1-based line. */
export function parseEvalJsonl(text: string, source = 'eval set'): EvalItem[] {
  const items: EvalItem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${source}, line ${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new Error(`${where}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const result = evalItemSchema.safeParse(json);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => {
        const field = issue.path.length > 0 ? `"${issue.path.map(String).join('.')}"` : 'the line';
        return `${field} ${issue.message}`;
      });
      throw new Error(`${where}: expected {"prompt": string, "answer": string}: ${problems.join('; ')}`);
    }
    items.push(result.data);
  });
  return items;
}

export function parseEvalIndex(json: unknown): EvalIndex {
  const result = evalIndexSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.map(String).join('.') || 'index'}: ${issue.message}`);
  throw new Error(`evals index.json is not valid:\n${problems.join('\n')}`);
}

/** The file name of a split: `add.test.jsonl`. */
export function evalFileName(skill: string, split: EvalSplit): string {
  return `${skill}.${split}.jsonl`;
}
