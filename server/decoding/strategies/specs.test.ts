import { createRng } from '../../task/rng';
import { createFakeLm, createFakePrm, type StepTable } from '../../../test/support/fake-models';
import { specsSearch, type SpecsOptions } from './specs';

const PROMPT = 'Q: 1+2*3\n';
const S1 = '= 1+6\n';
const S2 = '= 7\n';
const ANSWER = 'A: 7\n';
const BAD = '= 9\n';

/** Number of lines written after the prompt. */
const depth = (prefix: string) => prefix.slice(PROMPT.length).split('\n').length - 1;

/** The correct solution, one certain step at a time. */
const correct: StepTable = (prefix) => [{ [S1]: 1 }, { [S2]: 1 }, { [ANSWER]: 1 }][depth(prefix)] ?? { [ANSWER]: 1 };

const options = (overrides: Partial<SpecsOptions> = {}): SpecsOptions => ({
  n: 4,
  firstStep: 'target',
  lambda: 1,
  theta: 0.5,
  tau: 0.5,
  selectionTemperature: 0.1,
  maxSteps: 10,
  sample: { temperature: 0.8, topP: 1, maxTokens: 40 },
  ...overrides,
});

describe('specsSearch', () => {
  it('lets the target write the first step and accepts drafts the target agrees with', async () => {
    const draft = createFakeLm(correct);
    const target = createFakeLm(correct);
    const prm = createFakePrm(() => 0.9);
    const result = await specsSearch(draft, target, prm, PROMPT, options(), createRng(1));
    expect(result.steps.map((s) => [s.text, s.model, s.accepted])).toEqual([
      [S1, 'target', false],
      [S2, 'draft', true],
      [ANSWER, 'draft', true],
    ]);
    expect(result).toMatchObject({ finished: true, draftAttempts: 2, draftAccepted: 2, fallbacks: 0, prmScore: 0.9 });
    // s = mean log-ratio (0: same model) + λ·r
    expect(result.steps[1]!.score).toBeCloseTo(0.9, 12);
    // Each draft step: one batched scoring pass under the target; the 4 identical drafts are verified once.
    const scoring = target.calls.filter((c) => c.kind === 'score');
    expect(scoring).toHaveLength(2);
    expect(scoring[0]!.steps).toEqual([S2]);
  });

  it.each([
    ['target', ['target', 'draft', 'draft'], 2],
    ['draft', ['draft', 'draft', 'draft'], 3],
  ] as const)('firstStep %p: the steps are written by %j', async (firstStep, models, attempts) => {
    const result = await specsSearch(createFakeLm(correct), createFakeLm(correct), createFakePrm(() => 0.9), PROMPT, options({ firstStep }), createRng(2));
    expect(result.steps.map((s) => s.model)).toEqual(models);
    expect(result.steps.map((s) => s.text)).toEqual([S1, S2, ANSWER]);
    expect(result).toMatchObject({ draftAttempts: attempts, draftAccepted: attempts, fallbacks: 0, finished: true });
  });

  it('falls back to the target when a drafted first step is rejected', async () => {
    const draft = createFakeLm((p) => (depth(p) === 0 ? { [BAD]: 1 } : correct(p)));
    const target = createFakeLm((p) => (depth(p) === 0 ? { [S1]: 1, [BAD]: 1e-9 } : correct(p)));
    const result = await specsSearch(draft, target, createFakePrm(() => 0.9), PROMPT, options({ firstStep: 'draft' }), createRng(4));
    expect(result.steps.map((s) => [s.text, s.model])).toEqual([[S1, 'target'], [S2, 'draft'], [ANSWER, 'draft']]);
    expect(result).toMatchObject({ draftAttempts: 3, draftAccepted: 2, fallbacks: 1 });
  });

  it.each([
    [0, 0.5, 0],
    [1, 0.5, 2],
    [1, 0.95, 0],
    [2, 1.7, 2],
  ])('λ=%p θ=%p accepts %p draft steps when the models agree (r = 0.9)', async (lambda, theta, acceptedSteps) => {
    const result = await specsSearch(createFakeLm(correct), createFakeLm(correct), createFakePrm(() => 0.9), PROMPT, options({ lambda, theta }), createRng(3));
    expect(result.draftAccepted).toBe(acceptedSteps);
    expect(result.finished).toBe(true);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('never accepts a draft the target gives a very low probability (seed %i)', async (seed) => {
    const draft = createFakeLm((p) => (depth(p) === 1 ? { [BAD]: 0.5, [S2]: 0.5 } : correct(p)));
    const target = createFakeLm((p) => (depth(p) === 1 ? { [S2]: 1, [BAD]: 1e-9 } : correct(p)));
    const result = await specsSearch(draft, target, createFakePrm(() => 0.9), PROMPT, options({ n: 2 }), createRng(seed));
    expect(result.steps.map((s) => s.text)).toEqual([S1, S2, ANSWER]);
    expect(result.steps.every((s) => s.text !== BAD)).toBe(true);
  });

  // r ∈ [0, 1], so a draft whose log-ratio + λ ≤ θ can't be accepted: the PRM never sees it,
  // and a truncated draft (not a step) isn't verified at all. BAD's mean log-ratio is ≈ −5.
  it.each([
    ['a rejectable draft next to a good one', { [BAD]: 0.5, [S2]: 0.5 }, [BAD, S2], [S2], 0],
    ['only rejectable drafts: no PRM call, a fallback', { [BAD]: 1 }, [BAD], [], 1],
    ['a truncated draft', { '= 7': 0.5, [S2]: 0.5 }, [S2], [S2], 0],
  ])('%s: the target verifies %j, the PRM scores %j', async (_, drafts, verified, rewarded, fallbacks) => {
    const draft = createFakeLm((p) => (depth(p) === 1 ? drafts : correct(p)), 'cycle');
    const target = createFakeLm((p) => (depth(p) === 1 ? { [S2]: 1, [BAD]: 1e-9 } : correct(p)));
    const prm = createFakePrm(() => 0.9);
    const result = await specsSearch(draft, target, prm, PROMPT, options(), createRng(6));
    expect(result.steps.map((s) => s.text)).toEqual([S1, S2, ANSWER]);
    expect(result.fallbacks).toBe(fallbacks);
    const atDepth1 = (calls: typeof prm.calls) => calls.filter((c) => c.prefixes[0] === PROMPT + S1);
    expect(atDepth1(target.calls.filter((c) => c.kind === 'score')).map((c) => c.steps)).toEqual([verified]);
    // The PRM's calls at depth 1: the drafts' (if any could pass), then the fallback's target samples.
    expect(atDepth1(prm.calls).map((c) => c.steps)).toEqual([...(rewarded.length > 0 ? [rewarded] : []), ...(fallbacks > 0 ? [[S2]] : [])]);
  });

  it.each([
    [0.3, ['target', 'target', 'target'], 1, 0],
    [0.8, ['target', 'target', 'draft'], 2, 1],
  ])('after a fallback with r=%p the next step is written by %j', async (rAfterFallback, models, attempts, accepted) => {
    const draft = createFakeLm((p) => (depth(p) === 1 ? { [BAD]: 1 } : correct(p)));
    const target = createFakeLm((p) => (depth(p) === 1 ? { [S2]: 1, [BAD]: 1e-9 } : correct(p)));
    const prm = createFakePrm((text) => (text.endsWith(S2) ? rAfterFallback : 0.9));
    const result = await specsSearch(draft, target, prm, PROMPT, options(), createRng(5));
    expect(result.steps.map((s) => s.model)).toEqual(models);
    expect(result.steps.map((s) => s.text)).toEqual([S1, S2, ANSWER]);
    expect(result).toMatchObject({ draftAttempts: attempts, draftAccepted: accepted, fallbacks: 1, finished: true });
    const draftSamples = draft.calls.filter((c) => c.kind === 'sample');
    expect(draftSamples).toHaveLength(attempts);
    // The draft resumes from the target's step, not from its rejected drafts.
    if (attempts === 2) expect(draftSamples[1]!.prefixes[0]).toBe(PROMPT + S1 + S2);
  });

  it('keeps the target candidate with the highest PRM score on a target step', async () => {
    const target = createFakeLm((p) => (depth(p) === 0 ? { '= 1+5\n': 0.5, [S1]: 0.5 } : correct(p)), 'cycle');
    const prm = createFakePrm((text) => (text.endsWith('= 1+5\n') ? 0.2 : 0.9));
    const result = await specsSearch(createFakeLm(correct), target, prm, PROMPT, options({ n: 2 }), createRng(1));
    expect(result.steps[0]).toEqual({ text: S1, model: 'target', prmScore: 0.9, accepted: false });
  });

  it('is deterministic under a seed', async () => {
    const noisy: StepTable = (p) => (depth(p) < 2 ? { [S1]: 0.4, '= 1+5\n': 0.3, [S2]: 0.3 } : { [ANSWER]: 0.6, 'A: 8\n': 0.4 });
    const prm = () => createFakePrm((t) => (t.length % 7) / 7);
    const run = (seed: number) => specsSearch(createFakeLm(noisy), createFakeLm(correct), prm(), PROMPT, options({ theta: 0 }), createRng(seed));
    expect(await run(9)).toEqual(await run(9));
  });

  it('stops at the step limit without an answer', async () => {
    const loop = createFakeLm(() => ({ [S1]: 1 }));
    const result = await specsSearch(loop, createFakeLm(() => ({ [S1]: 1 })), createFakePrm(() => 0.9), PROMPT, options({ maxSteps: 3 }), createRng(1));
    expect(result.steps).toHaveLength(3);
    expect(result.finished).toBe(false);
  });
});
