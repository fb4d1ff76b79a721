import { createRng } from '../../task/rng';
import { createFakeLm, createFakePrm, type StepTable } from '../../../test/support/fake-models';
import { aggregatePrm, beamSearch, pathScore, selectAnswer, withinThreshold, type AnswerSelection, type BeamSearchOptions } from './beam-search';
import { greedy } from './greedy';

const PROMPT = 'Q: x\n';
const lines = (prefix: string) => prefix.slice(PROMPT.length).split('\n').filter(Boolean);

/** Level 0: four first steps; level 1: a further step or an answer; level 2: the answer. */
const table: StepTable = (prefix) => {
  const done = lines(prefix);
  const last = (done[done.length - 1] ?? '').replace('= ', '');
  if (done.length === 0) return { '= 1\n': 1, '= 2\n': 1, '= 3\n': 1, '= 4\n': 1 };
  if (done.length === 1) return { [`= ${last}a\n`]: 1, [`A: ${last}\n`]: 1 };
  return { [`A: ${last}\n`]: 1 };
};
const SCORES: Record<string, number> = { '= 1': 0.2, '= 2': 0.1, '= 3': 0.9, '= 4': 0.8, 'A: 4': 0.95, 'A: 3a': 0.7 };
const prmScore = (text: string) => SCORES[lines(text).pop() ?? ''] ?? 0.5;

const options = (o: Partial<BeamSearchOptions> = {}): BeamSearchOptions => ({
  n: 4,
  beamWidth: 2,
  maxSteps: 10,
  sample: { temperature: 0.8, topP: 1, maxTokens: 40 },
  ...o,
});

describe('beamSearch', () => {
  it('duplicates kept beams round-robin up to n, prunes to n/M by PRM score and answers with the best finished beam', async () => {
    const lm = createFakeLm(table, 'cycle');
    const prm = createFakePrm(prmScore);
    const result = await beamSearch(lm, prm, 'target', PROMPT, options(), createRng(1));
    const p3 = `${PROMPT}= 3\n`;
    const p4 = `${PROMPT}= 4\n`;
    const p3a = `${p3}= 3a\n`;
    expect(lm.calls.map((c) => c.prefixes)).toEqual([
      [PROMPT, PROMPT, PROMPT, PROMPT],
      [p3, p4, p3, p4],
      [p3a, p3a, p3a, p3a],
    ]);
    // PRM scores each distinct (beam, step) once, from the beam's own prefix, in one batch per iteration
    // (the last iteration has one distinct beam left: the duplicate "= 3a" path was filtered out).
    expect(prm.calls.map((c) => c.prefixes.length)).toEqual([4, 2, 1]);
    expect(prm.calls[1]).toMatchObject({ prefixes: [p3, p4], steps: ['= 3a\n', 'A: 4\n'] });
    expect(result.steps).toEqual([
      { text: '= 4\n', model: 'target', prmScore: 0.8 },
      { text: 'A: 4\n', model: 'target', prmScore: 0.95 },
    ]);
    expect(result).toMatchObject({ finished: true, prmScore: 0.95, fallbacks: 0 });
  });

  it.each([
    [4, 4, ['3']],
    // Eight samples of four steps: duplicates are filtered before the top-k, so two distinct beams survive.
    [8, 4, ['3', '4']],
    [4, 2, ['3', '4']],
    [4, 1, ['3', '4', '1', '2']],
    [6, 2, ['3', '4', '1']],
  ])('n=%i, M=%i keeps beams %j and copies them round-robin', async (n, beamWidth, kept) => {
    const lm = createFakeLm(table, 'cycle');
    await beamSearch(lm, createFakePrm(prmScore), 'draft', PROMPT, options({ n, beamWidth, maxSteps: 2 }), createRng(1));
    expect(lm.calls[0]!.prefixes).toHaveLength(n);
    const second = lm.calls[1]!.prefixes;
    expect(second).toEqual(Array.from({ length: n }, (_, k) => `${PROMPT}= ${kept[k % kept.length]}\n`));
  });

  it.each([
    // [ratio, beams kept]: the first steps score 0.9, 0.8, 0.2 and 0.1 (M = 1 keeps all four without a threshold).
    [0, ['3', '4', '1', '2']],
    [0.2, ['3', '4', '1']],
    [0.5, ['3', '4']],
    [0.95, ['3']],
  ])('beam threshold %p keeps beams %j and gives them the samples', async (pruneRatio, kept) => {
    const lm = createFakeLm(table, 'cycle');
    await beamSearch(lm, createFakePrm(prmScore), 'target', PROMPT, options({ n: 4, beamWidth: 1, maxSteps: 2, pruneRatio }), createRng(1));
    expect(lm.calls[1]!.prefixes).toEqual(Array.from({ length: 4 }, (_, k) => `${PROMPT}= ${kept[k % kept.length]}\n`));
  });

  it.each<[number, (number | null)[], (number | null)[]]>([
    [0, [0.1, null, 0.9], [0.1, null, 0.9]],
    [0.5, [0.1, 0.45, 0.9, 0.5], [0.45, 0.9, 0.5]],
    [0.5, [0.2, null], [0.2]],
    [0.99, [0.5, 0.5], [0.5, 0.5]],
    [0.5, [], []],
  ])('withinThreshold(ratio %p) of scores %j keeps %j', (ratio, scores, expected) => {
    expect(withinThreshold(scores.map((score) => ({ score })), ratio).map((b) => b.score)).toEqual(expected);
  });

  it.each([
    // [PRM score, log P(path), β, path score]
    [0.9, Math.log(0.5), 0, 0.9],
    [0.9, Math.log(0.5), 1, 0.45],
    [0.9, Math.log(0.25), 0.5, 0.45],
    [0.8, 0, 2, 0.8],
    [0, Math.log(0.5), 1, 0],
  ])('pathScore(prm %p, log P %p, β %p) = %p', (prm, logLikelihood, beta, expected) => {
    expect(pathScore(prm, logLikelihood, beta)).toBeCloseTo(expected, 12);
  });

  it.each([
    // The PRM prefers "= 3" (0.9 vs 0.8), the model "= 4" (0.7 vs 0.1): β decides which path survives.
    [0, '3'],
    [0.5, '4'],
    [2, '4'],
  ])('with likelihood weight β = %p keeps the path "= %s"', async (likelihoodWeight, kept) => {
    const weighted: StepTable = (prefix) => (lines(prefix).length === 0 ? { '= 3\n': 0.1, '= 4\n': 0.7, '= 1\n': 0.1, '= 2\n': 0.1 } : table(prefix));
    const lm = createFakeLm(weighted, 'cycle');
    const result = await beamSearch(lm, createFakePrm(prmScore), 'target', PROMPT, options({ n: 4, beamWidth: 4, maxSteps: 3, likelihoodWeight }), createRng(1));
    expect(lm.calls[1]!.prefixes).toEqual(Array(4).fill(`${PROMPT}= ${kept}\n`));
    // The reported score is the PRM's ('last' aggregation here), not the likelihood-weighted one that ranked the paths.
    expect(result.prmScore).toBe(result.steps[result.steps.length - 1]!.prmScore);
  });

  it('returns the best unfinished candidate at the step limit', async () => {
    const result = await beamSearch(createFakeLm(table, 'cycle'), createFakePrm(prmScore), 'target', PROMPT, options({ maxSteps: 1 }), createRng(1));
    expect(result).toMatchObject({ finished: false, prmScore: 0.9, steps: [{ text: '= 3\n', model: 'target', prmScore: 0.9 }] });
  });

  it('stops when no beam is left alive (all truncated)', async () => {
    const lm = createFakeLm(() => ({ '= 123': 1 }), 'cycle');
    const result = await beamSearch(lm, createFakePrm(() => 0.5), 'target', PROMPT, options(), createRng(1));
    expect(lm.calls).toHaveLength(1);
    expect(result.finished).toBe(false);
  });

  it.each([
    ['last', [0.9, 0.2], 0.2],
    ['min', [0.9, 0.2, 0.5], 0.2],
    ['prod', [0.5, 0.5], 0.25],
  ] as const)('aggregates a path\'s step scores by %s', (how, scores, expected) => {
    expect(aggregatePrm(scores, how)).toBeCloseTo(expected, 12);
  });

  it('never keeps two beams with the same text', async () => {
    const same: StepTable = (p) => (lines(p).length < 3 ? { '= 7\n': 1 } : { 'A: 7\n': 1 });
    const lm = createFakeLm(same, 'cycle');
    await beamSearch(lm, createFakePrm(() => 0.5), 'target', PROMPT, options({ n: 8, beamWidth: 2, maxSteps: 3 }), createRng(1));
    // Every sample is "= 7": one distinct beam survives each iteration and is copied eight times.
    for (const call of lm.calls.slice(1)) expect(new Set(call.prefixes).size).toBe(1);
  });

  it('is deterministic under a seed when sampling', async () => {
    const noisy: StepTable = (p) => (lines(p).length < 2 ? { '= 1\n': 1, '= 2\n': 2, '= 3\n': 3 } : { 'A: 1\n': 1, 'A: 2\n': 1 });
    const run = (seed: number) => beamSearch(createFakeLm(noisy), createFakePrm((t) => (t.length % 5) / 5), 'target', PROMPT, options({ n: 8, beamWidth: 4 }), createRng(seed));
    expect(await run(4)).toEqual(await run(4));
  });
});

describe('selectAnswer', () => {
  const path = (answer: string, score: number | null) => ({ steps: [{ text: '= 1+1\n', model: 'target' as const, prmScore: 0.5 }, { text: `${answer}\n`, model: 'target' as const, prmScore: 0.5 }], score });
  // Paths as [answer line, score]; the expected pick is an index into them.
  it.each<[string, AnswerSelection, [string, number | null][], number]>([
    ['best: the highest score', 'best', [['A: 2', 0.6], ['A: 3', 0.9], ['A: 2', 0.5]], 1],
    ['weighted: two paths outvote one better path', 'weighted', [['A: 2', 0.6], ['A: 3', 0.9], ['A: 2', 0.5]], 0],
    ['weighted: the winner\'s best path', 'weighted', [['A: 2', 0.5], ['A: 3', 0.9], ['A: 2', 0.6]], 2],
    ['weighted: one strong path beats two weak ones', 'weighted', [['A: 2', 0.3], ['A: 3', 0.9], ['A: 2', 0.4]], 1],
    ['weighted: a path without an answer does not vote', 'weighted', [['A: ?', 0.99], ['A: 3', 0.2]], 1],
    ['weighted: no answer anywhere, the best path', 'weighted', [['A: ?', 0.4], ['A: ??', 0.7]], 1],
    ['weighted: a tie goes to the answer seen first', 'weighted', [['A: 3', 0.5], ['A: 2', 0.5]], 0],
  ])('%s', (_, how, paths, expected) => {
    const candidates = paths.map(([answer, score]) => path(answer, score));
    expect(selectAnswer(candidates, how)).toBe(candidates[expected]);
  });

  it('returns nothing for no paths', () => {
    expect(selectAnswer([], 'weighted')).toBeUndefined();
  });
});

describe('greedy', () => {
  it('follows the most likely step and scores the path once at the end', async () => {
    const lm = createFakeLm((p) => (lines(p).length === 0 ? { '= 1\n': 0.2, '= 3\n': 0.8 } : { 'A: 3\n': 0.9, '= 3a\n': 0.1 }));
    const prm = createFakePrm(prmScore);
    const result = await greedy(lm, prm, 'draft', PROMPT, { maxSteps: 5, maxTokens: 40 }, createRng(1));
    expect(result.steps.map((s) => [s.text, s.model, s.prmScore])).toEqual([
      ['= 3\n', 'draft', 0.9],
      ['A: 3\n', 'draft', 0.5],
    ]);
    expect(prm.calls).toEqual([{ kind: 'path', prefixes: [PROMPT], steps: ['= 3\n', 'A: 3\n'] }]);
    expect(result.finished).toBe(true);
  });
});
