import { formatSolutionText } from './format';
import { parseExpression, parseQuestion, renderTokens, type Token } from './parse-expression';

export interface CanonicalSolution {
  /** Expressions after each step (without the "= " prefix); the last is the answer. */
  steps: string[];
  answer: number;
  /** Every value a step computes (both partial products of a split product), in step order. */
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

const digits = (v: bigint): number => v.toString().length;

/**
 * How a product is written out. A product with a one-digit factor, or whose
 * shorter factor is a multiple of ten, is computed in one step. Otherwise the
 * shorter factor (the right one on a tie) is split into tens and ones, as
 * written multiplication does: 73*12 becomes (730+146). Small models learn
 * "number times digit" far more reliably than "number times number", so every
 * step stays an operation a model can check and get right.
 */
export function productTerms(a: bigint, b: bigint): [bigint] | [bigint, bigint] {
  const [other, multiplier] = digits(a) < digits(b) ? [b, a] : [a, b];
  if (multiplier < 10n || multiplier % 10n === 0n) return [a * b];
  const ones = multiplier % 10n;
  return [other * (multiplier - ones), other * ones];
}

const sumGroup = (terms: [bigint, bigint], parens: boolean): Token[] => [
  ...(parens ? [{ kind: 'lparen' } as Token] : []),
  num(terms[0]),
  { kind: 'op', op: '+' },
  num(terms[1]),
  ...(parens ? [{ kind: 'rparen' } as Token] : []),
];

/**
 * One canonical step: the scope is the leftmost innermost parenthesised group
 * (the group closed by the first ")"), else the whole expression; within it the
 * leftmost "*" goes first, else the leftmost "+"/"-". A group reduced to a
 * single number loses its parentheses in the same step. A two-digit product is
 * first written out as a parenthesised sum of partial products (productTerms).
 * Returns null when the expression is already a single number.
 */
export function canonicalStep(tokens: readonly Token[]): { tokens: Token[]; values: bigint[] } | null {
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
  const groupIsThisOperation = close >= 0 && end - start === 3;
  const next = [...tokens];
  if (op.op === '*') {
    const terms = productTerms(a.value, b.value);
    if (terms.length === 2) {
      // The group's own parentheses already hold the partial sum.
      next.splice(opIdx - 1, 3, ...sumGroup(terms, !groupIsThisOperation));
      return { tokens: next, values: terms };
    }
  }
  const value = op.op === '*' ? a.value * b.value : op.op === '+' ? a.value + b.value : a.value - b.value;
  if (groupIsThisOperation) next.splice(start - 1, 5, num(value));
  else next.splice(opIdx - 1, 3, num(value));
  return { tokens: next, values: [value] };
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
    intermediates.push(...step.values.map(Number));
  }
  const only = tokens[0];
  if (tokens.length !== 1 || only?.kind !== 'num') throw new Error('canonical solution did not reduce to a number');
  return { steps, answer: Number(only.value), intermediates };
}

/**
 * Characters of the canonical step-by-step text of a question (prompt, steps, answer line):
 * what a model must fit in its context to solve it the way it was trained to.
 */
export function solutionLength(question: string): number {
  const s = canonicalSolution(question);
  return formatSolutionText(question, s.steps, s.answer).length;
}
