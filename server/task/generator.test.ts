import { canonicalSolution } from './canonical-solution';
import { generateProblems, MAX_VALUE } from './generator';
import { countOperations, parseQuestion } from './parse-expression';
import { createRng } from './rng';
import { formatSolutionText } from './format';

describe('generator', () => {
  const problems = generateProblems(42, 500);

  it('is deterministic for a seed', () => {
    expect(generateProblems(42, 20)).toEqual(problems.slice(0, 20));
    expect(generateProblems(43, 20)).not.toEqual(problems.slice(0, 20));
  });

  it.each(problems.slice(0, 50).map((p) => [p.question, p] as const))('%s follows the spec', (_q, p) => {
    const tokens = parseQuestion(p.question);
    const ops = countOperations(tokens);
    expect(ops).toBeGreaterThanOrEqual(2);
    expect(ops).toBeLessThanOrEqual(6);
    const s = canonicalSolution(p.question);
    expect(s.answer).toBe(p.answer);
    expect(s.steps).toEqual(p.steps);
    // A split product adds one step (the partial sum) and two intermediates (the partial products).
    const splitProducts = (s.intermediates.length - ops) / 2;
    expect(s.steps).toHaveLength(ops + splitProducts);
    expect(p.text).toBe(formatSolutionText(p.question, p.steps, p.answer));
  });

  it('keeps every intermediate in [0, 9999] and covers 2..6 ops and parentheses', () => {
    const opCounts = new Set<number>();
    let withParens = 0;
    for (const p of problems) {
      const s = canonicalSolution(p.question);
      for (const v of s.intermediates) expect(v >= 0 && v <= MAX_VALUE).toBe(true);
      opCounts.add(countOperations(parseQuestion(p.question)));
      if (p.question.includes('(')) withParens++;
    }
    expect([...opCounts].sort()).toEqual([2, 3, 4, 5, 6]);
    expect(withParens).toBeGreaterThan(50);
  });
});

describe('rng', () => {
  it.each([[1], [2], [123456789]])('seed %d is reproducible and in range', (seed) => {
    const a = createRng(seed);
    const b = createRng(seed);
    for (let i = 0; i < 100; i++) {
      const x = a.next();
      expect(x).toBe(b.next());
      expect(x >= 0 && x < 1).toBe(true);
    }
    for (let i = 0; i < 100; i++) {
      const n = a.int(3, 5);
      expect(n >= 3 && n <= 5).toBe(true);
    }
  });
});
