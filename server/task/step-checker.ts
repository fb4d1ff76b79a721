import { parseLine } from './format';
import { ExpressionError, evaluateExpression } from './parse-expression';

export interface StepCheck {
  ok: boolean;
  /** Why the step is wrong; null when ok. */
  reason: string | null;
  /** Value of the step's expression (null if it does not parse). */
  value: number | null;
}

/**
 * A step is right when it parses ("= <expr>" or "A: <n>") and keeps the value
 * of the previous expression. Values are compared exactly (BigInt).
 */
export function checkStep(previousExpression: string, stepLine: string): StepCheck {
  let expected: bigint;
  try {
    expected = evaluateExpression(previousExpression);
  } catch (e) {
    return { ok: false, reason: `previous expression is invalid: ${(e as Error).message}`, value: null };
  }
  const line = parseLine(stepLine);
  if (line.kind === 'invalid') return { ok: false, reason: line.reason, value: null };
  const text = line.kind === 'step' ? line.expression : line.text;
  if (line.kind === 'answer' && !/^(0|[1-9][0-9]*)$/.test(text)) {
    return { ok: false, reason: `answer must be a single non-negative integer, got ${JSON.stringify(text)}`, value: null };
  }
  let actual: bigint;
  try {
    actual = evaluateExpression(text);
  } catch (e) {
    if (e instanceof ExpressionError) return { ok: false, reason: `step does not parse: ${e.message}`, value: null };
    throw e;
  }
  const value = Number(actual);
  if (actual !== expected) return { ok: false, reason: `step changes the value from ${expected} to ${actual}`, value };
  return { ok: true, reason: null, value };
}

/** The expression the step after `stepLine` must keep the value of: a "= ..." line's, else the previous one. */
export function expressionAfter(previousExpression: string, stepLine: string): string {
  const line = parseLine(stepLine);
  return line.kind === 'step' ? line.expression : previousExpression;
}
