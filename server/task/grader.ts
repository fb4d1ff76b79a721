import { parseLine } from './format';

const INTEGER = /^(0|[1-9][0-9]*)$/;

/**
 * Final answer of a generated solution: the first "A: N" line; failing that the
 * last "= N" line whose expression is a single number. null if neither exists.
 */
export function extractAnswer(text: string): number | null {
  const lines = text.split('\n');
  let fallback: number | null = null;
  for (const raw of lines) {
    const line = parseLine(raw);
    if (line.kind === 'answer') {
      const t = line.text.trim();
      return INTEGER.test(t) ? Number(t) : null;
    }
    if (line.kind === 'step' && INTEGER.test(line.expression)) fallback = Number(line.expression);
  }
  return fallback;
}

/** Exact-match grading of a generated solution against the reference answer. */
export function grade(text: string, reference: number): boolean {
  const answer = extractAnswer(text);
  return answer !== null && answer === reference;
}
