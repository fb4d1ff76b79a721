import { canonicalSolution, type CanonicalSolution } from './canonical-solution';
import { formatSolutionText } from './format';
import { createRng, type Rng } from './rng';

export const MIN_OPERATIONS = 2;
export const MAX_OPERATIONS = 6;
export const MAX_VALUE = 9999;

export interface Problem {
  id: string;
  question: string;
  answer: number;
}

export interface ProblemWithSolution extends Problem {
  steps: string[];
  text: string;
}

type Node = { kind: 'num'; value: number } | { kind: 'op'; op: '+' | '-' | '*'; left: Node; right: Node; paren: boolean };

const precedence = (n: Node): number => (n.kind === 'num' ? 3 : n.op === '*' ? 2 : 1);

function randomTree(rng: Rng, operations: number): Node {
  if (operations === 0) return { kind: 'num', value: rng.int(0, 99) };
  const leftOps = rng.int(0, operations - 1);
  return {
    kind: 'op',
    op: rng.pick(['+', '-', '*'] as const),
    left: randomTree(rng, leftOps),
    right: randomTree(rng, operations - 1 - leftOps),
    // Occasional redundant parentheses so groups around products also occur.
    paren: rng.next() < 0.15,
  };
}

function render(n: Node, isRoot = true): string {
  if (n.kind === 'num') return String(n.value);
  const wrap = (child: Node, needed: boolean): string => {
    const s = render(child, false);
    return needed || (child.kind === 'op' && child.paren) ? `(${s})` : s;
  };
  const p = precedence(n);
  const left = wrap(n.left, precedence(n.left) < p);
  const right = wrap(n.right, precedence(n.right) < p || (n.op === '-' && precedence(n.right) === p));
  void isRoot;
  return `${left}${n.op}${right}`;
}

function inRange(solution: CanonicalSolution): boolean {
  return solution.intermediates.every((v) => v >= 0 && v <= MAX_VALUE);
}

/** One problem with 2–6 operations whose every intermediate value lies in [0, 9999]. */
export function generateOne(rng: Rng): { question: string; solution: CanonicalSolution } {
  for (;;) {
    const question = render(randomTree(rng, rng.int(MIN_OPERATIONS, MAX_OPERATIONS)));
    const solution = canonicalSolution(question);
    if (inRange(solution)) return { question, solution };
  }
}

/** Deterministic problem set: the same seed and count always give the same problems. */
export function generateProblems(seed: number, count: number): ProblemWithSolution[] {
  const rng = createRng(seed);
  const out: ProblemWithSolution[] = [];
  for (let i = 0; i < count; i++) {
    const { question, solution } = generateOne(rng);
    out.push({
      id: `s${seed}-${String(i).padStart(5, '0')}`,
      question,
      answer: solution.answer,
      steps: solution.steps,
      text: formatSolutionText(question, solution.steps, solution.answer),
    });
  }
  return out;
}

/**
 * One-operation drills for training ("Q: 1927-20" = 1907), drawn like the operations
 * inside canonical solutions: sums and differences of numbers up to four digits,
 * products of two-digit numbers, of a larger number and a digit, all in [0, 9999].
 * Solved by the canonical solver, so a two-digit product drill shows its split.
 */
export function generateDrills(seed: number, count: number): ProblemWithSolution[] {
  const rng = createRng(seed);
  const magnitude = (): number => (rng.next() < 0.5 ? rng.int(0, 99) : rng.int(100, MAX_VALUE));
  const out: ProblemWithSolution[] = [];
  while (out.length < count) {
    const op = rng.pick(['+', '-', '*'] as const);
    let a: number;
    let b: number;
    if (op === '*') {
      const shape = rng.next();
      if (shape < 0.6) [a, b] = [rng.int(0, 99), rng.int(0, 99)];
      else if (shape < 0.8) [a, b] = [rng.int(100, 999), rng.int(0, 99)];
      else [a, b] = [rng.int(1000, MAX_VALUE), rng.int(0, 9)];
      if (rng.next() < 0.5) [a, b] = [b, a];
    } else {
      [a, b] = [magnitude(), rng.next() < 0.6 ? rng.int(0, 99) : magnitude()];
    }
    const question = `${a}${op}${b}`;
    const solution = canonicalSolution(question, { questionRules: false });
    if (!inRange(solution)) continue;
    out.push({
      id: `d${seed}-${String(out.length).padStart(6, '0')}`,
      question,
      answer: solution.answer,
      steps: solution.steps,
      text: formatSolutionText(question, solution.steps, solution.answer),
    });
  }
  return out;
}
