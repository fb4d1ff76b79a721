/**
 * Hard negatives for the PRM: canonical solutions cut at a random step, with that
 * step replaced by a near miss of one of five kinds (a digit of the computed number
 * changed, the wrong operation applied, a copy error, an operation skipped, the
 * operations done in the wrong order). Corruptions that happen to keep the value
 * are dropped, so every record's last step is wrong by the step checker.
 *   npx tsx scripts/train/hard-negatives.ts --seed S --count N --out FILE
 * Each line: {id, question, answer, kind, text} where text is the solution text
 * after the prompt, ending with the corrupted step's newline.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  canonicalStep,
  checkStep,
  createRng,
  formatStep,
  generateOne,
  parseExpression,
  renderTokens,
  type Rng,
  type Token,
} from '../../server/task/index';

export const CORRUPTIONS = ['digit', 'operation', 'copy', 'skip', 'order'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

const numberIndexes = (tokens: readonly Token[]): number[] =>
  tokens.flatMap((t, i) => (t.kind === 'num' ? [i] : []));

function changeDigit(text: string, rng: Rng): string {
  const i = rng.int(0, text.length - 1);
  const digits = '0123456789'.replace(text[i] as string, '').split('');
  const pool = i === 0 && text.length > 1 ? digits.filter((d) => d !== '0') : digits;
  return text.slice(0, i) + rng.pick(pool) + text.slice(i + 1);
}

function withNumber(tokens: readonly Token[], index: number, text: string): Token[] {
  const out = [...tokens];
  out[index] = { kind: 'num', value: BigInt(text), text };
  return out;
}

/** Indexes of numbers in `next` that the step computed (not copied from `prev`). */
function computedNumbers(prev: readonly Token[], next: readonly Token[]): number[] {
  const prevTexts = renderTokens(prev);
  return numberIndexes(next).filter((i) => !prevTexts.includes((next[i] as { text: string }).text));
}

/** Applies an operator at opIdx of `tokens` (operands must be adjacent numbers). */
function applyAt(tokens: readonly Token[], opIdx: number, op: '+' | '-' | '*'): Token[] | null {
  const a = tokens[opIdx - 1];
  const b = tokens[opIdx + 1];
  if (a?.kind !== 'num' || b?.kind !== 'num') return null;
  const value = op === '*' ? a.value * b.value : op === '+' ? a.value + b.value : a.value - b.value;
  if (value < 0n) return null;
  const out = [...tokens];
  out.splice(opIdx - 1, 3, { kind: 'num', value, text: value.toString() });
  return out;
}

function corrupt(kind: Corruption, prev: readonly Token[], next: readonly Token[], rng: Rng): Token[] | null {
  switch (kind) {
    case 'digit': {
      const computed = computedNumbers(prev, next);
      if (computed.length === 0) return null;
      const i = rng.pick(computed);
      return withNumber(next, i, changeDigit((next[i] as { text: string }).text, rng));
    }
    case 'copy': {
      const copied = numberIndexes(next).filter((i) => !computedNumbers(prev, next).includes(i));
      if (copied.length === 0) return null;
      const i = rng.pick(copied);
      return withNumber(next, i, changeDigit((next[i] as { text: string }).text, rng));
    }
    case 'operation': {
      // The operation the step performs, with another operator (the step's own when it can be found).
      const applicable = prev.flatMap((t, i) => (t.kind === 'op' && prev[i - 1]?.kind === 'num' && prev[i + 1]?.kind === 'num' ? [i] : []));
      if (applicable.length === 0) return null;
      const own = applicable.find((i) => renderTokens(applyAt(prev, i, (prev[i] as { op: '+' | '-' | '*' }).op) ?? []) === renderTokens(next));
      const at = own ?? rng.pick(applicable);
      const actual = (prev[at] as { op: string }).op;
      return applyAt(prev, at, rng.pick((['+', '-', '*'] as const).filter((o) => o !== actual)));
    }
    case 'skip': {
      // Drops one "op number" pair of the step's result.
      const pairs = next.flatMap((t, i) => (t.kind === 'op' && next[i + 1]?.kind === 'num' && i > 0 ? [i] : []));
      if (pairs.length === 0) return null;
      const i = rng.pick(pairs);
      const out = [...next];
      out.splice(i, 2);
      return out;
    }
    case 'order': {
      // Applies an operation the canonical order would not take next (precedence or left-to-right broken).
      const ops = prev.flatMap((t, i) => (t.kind === 'op' && prev[i - 1]?.kind === 'num' && prev[i + 1]?.kind === 'num' ? [i] : []));
      const candidates = ops.map((i) => applyAt(prev, i, (prev[i] as { op: '+' | '-' | '*' }).op)).filter((t): t is Token[] => t !== null);
      const wrong = candidates.filter((t) => renderTokens(t) !== renderTokens(next));
      return wrong.length > 0 ? rng.pick(wrong) : null;
    }
  }
}

export interface HardNegative {
  id: string;
  question: string;
  answer: number;
  kind: Corruption;
  text: string;
}

export function hardNegatives(seed: number, count: number): HardNegative[] {
  const rng = createRng(seed);
  const out: HardNegative[] = [];
  while (out.length < count) {
    const { question, solution } = generateOne(rng);
    const k = rng.int(0, solution.steps.length - 1);
    const before = k === 0 ? question : (solution.steps[k - 1] as string);
    const prev = parseExpression(before);
    const step = canonicalStep(prev);
    if (step === null) continue;
    const kind = rng.pick(CORRUPTIONS);
    const bad = corrupt(kind, prev, step.tokens, rng);
    if (bad === null || bad.length === 0) continue;
    const line = formatStep(renderTokens(bad));
    const check = checkStep(before, line);
    // Only well-formed near misses: a step that does not parse is an easy negative.
    if (check.ok || check.value === null) continue;
    out.push({
      id: `h${seed}-${String(out.length).padStart(6, '0')}`,
      question,
      answer: solution.answer,
      kind,
      text: solution.steps.slice(0, k).map(formatStep).join('') + line,
    });
  }
  return out;
}

function main(): void {
  const { values } = parseArgs({
    options: { seed: { type: 'string' }, count: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const seed = Number(values.seed);
  const count = Number(values.count);
  if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1 || !values.out) {
    process.stderr.write('usage: npx tsx scripts/train/hard-negatives.ts --seed S --count N --out FILE\n');
    process.exit(2);
  }
  const records = hardNegatives(seed, count);
  writeFileSync(values.out, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const byKind = Object.fromEntries(CORRUPTIONS.map((k) => [k, records.filter((r) => r.kind === k).length]));
  process.stderr.write(`wrote ${records.length} hard negatives (seed ${seed}) to ${values.out}: ${JSON.stringify(byKind)}\n`);
}

if (require.main === module) main();
