import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError } from '../../../server/errors/index';
import type { BenchProblem } from './bench-runner';

const line = z.object({ id: z.string().optional(), question: z.string().min(1), answer: z.number().int() });

/** Reads a JSONL problem file ({"id","question","answer"} per line). */
export async function loadProblems(file: string, limit?: number): Promise<BenchProblem[]> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw new ValidationError(`cannot read problems file ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'problems');
  }
  const problems: BenchProblem[] = [];
  for (const [i, text] of raw.split('\n').entries()) {
    if (text.trim() === '') continue;
    let parsed;
    try {
      parsed = line.parse(JSON.parse(text));
    } catch {
      throw new ValidationError(`${file}:${i + 1}: expected {"question": string, "answer": integer}`, 'problems');
    }
    problems.push({ id: parsed.id ?? `${i + 1}`, question: parsed.question, answer: parsed.answer });
    if (limit !== undefined && problems.length >= limit) break;
  }
  if (problems.length === 0) throw new ValidationError(`${file} has no problems`, 'problems');
  return problems;
}
