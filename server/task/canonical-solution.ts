import { parseExpression, parseQuestion, renderTokens, type Token } from './parse-expression';

export interface CanonicalSolution {
  /** Expressions after each step (without the "= " prefix); the last is the answer. */
  steps: string[];
  answer: number;
  /** Every value produced by an operation, in step order. */
  intermediates: number[];
}

const num = (value: bigint): Token => ({ kind: 'num', value, text: value.toString() });

/** Removes "(N)" groups; they carry no operation (the generator never emits them). */
function stripTrivialGroups(tokens: Token[]): Token[] {
  const out = [...tokens];
  for (let i = 0; i + 2 < out.length; ) {
    if (out[i]?.kind === 'lparen' && out[i + 1]?.kind === 'num' && out[i + 2]?.kind === 'rparen') {
      out.splice(i, 3, out[i + 1] as Token);
      i = Math.max(0, i - 1);
    } else i++;
  }
  return out;
}

/**
 * One canonical step: the scope is the leftmost innermost parenthesised group
 * (the group closed by the first ")"), else the whole expression; within it the
 * leftmost "*" goes first, else the leftmost "+"/"-". A group reduced to a
 * single number loses its parentheses in the same step.
 * Returns null when the expression is already a single number.
 */
export function canonicalStep(tokens: readonly Token[]): { tokens: Token[]; value: bigint } | null {
  let start = 0;
  let end = tokens.length; // scope is tokens[start, end)
  const close = tokens.findIndex((t) => t.kind === 'rparen');
  if (close >= 0) {
    let open = close - 1;
    while (open >= 0 && tokens[open]?.kind !== 'lparen') open--;
    start = open + 1;
    end = close;
  }
  let opIdx = -1;
  for (let i = start; i < end; i++) {
    const t = tokens[i];
    if (t?.kind === 'op' && t.op === '*') {
      opIdx = i;
      break;
    }
  }
  if (opIdx < 0) opIdx = tokens.findIndex((t, i) => i >= start && i < end && t.kind === 'op');
  if (opIdx < 0) return null;
  const a = tokens[opIdx - 1];
  const op = tokens[opIdx];
  const b = tokens[opIdx + 1];
  if (a?.kind !== 'num' || b?.kind !== 'num' || op?.kind !== 'op') throw new Error('malformed expression in canonicalStep');
  const value = op.op === '*' ? a.value * b.value : op.op === '+' ? a.value + b.value : a.value - b.value;
  const next = [...tokens];
  const groupBecomesNumber = close >= 0 && end - start === 3;
  if (groupBecomesNumber) next.splice(start - 1, 5, num(value));
  else next.splice(opIdx - 1, 3, num(value));
  return { tokens: next, value };
}

/** Canonical step-by-step solution of a question. Throws ExpressionError on malformed input. */
export function canonicalSolution(question: string, options: { questionRules?: boolean } = {}): CanonicalSolution {
  const parsed = options.questionRules === false ? parseExpression(question) : parseQuestion(question);
  let tokens = stripTrivialGroups(parsed);
  const steps: string[] = [];
  const intermediates: number[] = [];
  for (let step = canonicalStep(tokens); step !== null; step = canonicalStep(tokens)) {
    tokens = step.tokens;
    steps.push(renderTokens(tokens));
    intermediates.push(Number(step.value));
  }
  const only = tokens[0];
  if (tokens.length !== 1 || only?.kind !== 'num') throw new Error('canonical solution did not reduce to a number');
  return { steps, answer: Number(only.value), intermediates };
}
