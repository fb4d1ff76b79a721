/** Text format shared by training data, decoding and grading. */
export const formatPrompt = (question: string): string => `Q: ${question}\n`;
export const formatStep = (expression: string): string => `= ${expression}\n`;
export const formatAnswer = (answer: number | bigint): string => `A: ${answer}\n`;

/** Full training text: prompt, one line per step, answer line. */
export function formatSolutionText(question: string, steps: readonly string[], answer: number): string {
  return formatPrompt(question) + steps.map(formatStep).join('') + formatAnswer(answer);
}

export type ParsedLine =
  | { kind: 'step'; expression: string }
  | { kind: 'answer'; text: string }
  | { kind: 'invalid'; reason: string };

/** Classifies one generated line ("= <expr>" or "A: <n>"), trailing newline optional. */
export function parseLine(line: string): ParsedLine {
  const l = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (l.startsWith('= ')) return { kind: 'step', expression: l.slice(2) };
  if (l.startsWith('A: ')) return { kind: 'answer', text: l.slice(3) };
  return { kind: 'invalid', reason: `line must start with "= " or "A: ", got ${JSON.stringify(l.slice(0, 20))}` };
}
