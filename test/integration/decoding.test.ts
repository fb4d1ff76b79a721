/**
 * The decoding runtime on the real ONNX models in models/ (random-init or
 * trained: every check here holds for both). No timing assertions.
 */
import '../support/register-host-typed-arrays';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDecoder, ModelLoadError, QuestionValidationError, type Decoder } from '../../server/decoding/index';
import { emptyModelUsage, STRATEGIES } from '../../server/vocabulary';
import type { RewardModel } from '../../server/decoding/types';
import { forward, gatherRows, KvBatch, outputAt } from '../../server/decoding/kv-cache';
import { loadManifest, loadModelSession, type ModelSession } from '../../server/decoding/model-session';
import { scorePath, scoreSteps } from '../../server/decoding/prm-scoring';
import { scoreContinuations } from '../../server/decoding/score-continuations';
import { startState, type ModelContext, type SeqState } from '../../server/decoding/seq-state';
import { generateSteps } from '../../server/decoding/generate-step';
import { loadTokenizer, type Tokenizer } from '../../server/decoding/tokenizer';
import { createRng } from '../../server/task/rng';

const MODELS = path.resolve(__dirname, '../../models');
const QUESTIONS = ['47*41-(71-51)+95', '12+34', '(8-3)*7'];

let decoder: Decoder;
let target: ModelSession;
let prm: ModelSession;
let tok: Tokenizer;

beforeAll(async () => {
  decoder = await createDecoder({ modelsDir: MODELS, intraOpThreads: 1 });
  const manifest = await loadManifest(MODELS);
  target = await loadModelSession(MODELS, manifest, 'target', { intraOpThreads: 1 });
  prm = await loadModelSession(MODELS, manifest, 'prm', { intraOpThreads: 1 });
  tok = loadTokenizer(path.join(MODELS, 'vocab.json'));
});
afterAll(async () => {
  await decoder?.close();
  await target?.release();
  await prm?.release();
});

const ctx = (session: ModelSession): ModelContext => ({ session, tokenizer: tok, usage: emptyModelUsage() });
const ids = (text: string) => [tok.bos, ...tok.encode(text)];

/** Output at the last token of a one-pass encode of `tokens`. */
async function fullEncode(session: ModelSession, tokens: number[]): Promise<Float32Array> {
  const r = await forward(session, KvBatch.empty(session.layout, 1), [{ tokens, pos: 0, promptTokens: 0 }], tok.pad, emptyModelUsage());
  return outputAt(r, 0, tokens.length - 1).slice();
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 2e-4): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  expect(worst).toBeLessThan(tol);
}

describe('solve on the real models', () => {
  it.each(STRATEGIES.map((s) => [s]))('%s returns a well-formed, seed-deterministic result', async (strategy) => {
    const a = await decoder.solve(QUESTIONS[0]!, { strategy, n: 4, seed: 7 });
    const b = await decoder.solve(QUESTIONS[0]!, { strategy, n: 4, seed: 7 });
    expect(a.text.startsWith(`Q: ${QUESTIONS[0]}\n`)).toBe(true);
    expect(a.text).toBe(`Q: ${QUESTIONS[0]}\n${a.steps.map((s) => s.text).join('')}`);
    expect(a.steps.length).toBeGreaterThan(0);
    for (const s of a.steps) {
      expect(['draft', 'target']).toContain(s.model);
      expect(s.prmScore).toBeGreaterThanOrEqual(0);
      expect(s.prmScore).toBeLessThanOrEqual(1);
    }
    expect(a.answer === null || Number.isInteger(a.answer)).toBe(true);
    const { latencyMs: _la, usage: ua, ...restA } = a;
    const { latencyMs: _lb, usage: ub, ...restB } = b;
    expect(restA).toEqual(restB);
    for (const role of ['draft', 'target', 'prm'] as const) {
      expect({ ...ua[role], computeMs: 0 }).toEqual({ ...ub[role], computeMs: 0 });
      expect(ua[role].tokens).toBe(ua[role].promptTokens + ua[role].generatedTokens);
    }
    if (strategy === 'specs') expect(a.draftAcceptance === null || (a.draftAcceptance >= 0 && a.draftAcceptance <= 1)).toBe(true);
    else expect(a.draftAcceptance).toBeNull();
  });

  it('counts tokens and calls exactly (greedy-target)', async () => {
    const q = QUESTIONS[1]!;
    const r = await decoder.solve(q, { strategy: 'greedy-target' });
    const promptLen = 1 + `Q: ${q}\n`.length;
    // Every sampled token needs the logits of one call; the last one is never fed back.
    // A step without a trailing newline ended with <eos>, which was sampled too.
    const sampled = r.steps.reduce((n, s) => n + s.text.length + (s.text.endsWith('\n') ? 0 : 1), 0);
    const lastEos = !r.steps[r.steps.length - 1]!.text.endsWith('\n');
    const prmTokens = r.steps.reduce((n, s) => n + s.text.length, 0) + (r.finished ? 1 : 0);
    expect(r.usage.target).toMatchObject({ promptTokens: promptLen, generatedTokens: sampled - 1, calls: sampled });
    expect(r.usage.draft).toMatchObject({ tokens: 0, calls: 0 });
    expect(r.usage.prm).toMatchObject({ promptTokens: promptLen, generatedTokens: prmTokens, calls: 1 });
    expect(lastEos || r.steps[r.steps.length - 1]!.text.endsWith('\n')).toBe(true);
  });

  it.each([['beam-target'], ['beam-draft'], ['specs']] as const)('%s encodes the prompt once per model (forks copy KV)', async (strategy) => {
    const q = QUESTIONS[2]!;
    const r = await decoder.solve(q, { strategy, n: 8, seed: 3 });
    const promptLen = 1 + `Q: ${q}\n`.length;
    for (const role of ['draft', 'target', 'prm'] as const) {
      const u = r.usage[role];
      expect(u.promptTokens).toBe(u.calls > 0 ? promptLen : 0);
    }
  });

  it.each([['abc'], ['1+'], ['1'.repeat(201)], ['100+1'], ['']])('rejects the question %j with a validation error', async (q) => {
    await expect(decoder.solve(q, { strategy: 'specs' })).rejects.toBeInstanceOf(QuestionValidationError);
  });
});

describe('KV cache', () => {
  it('incremental decoding (with holes and reordered rows) matches a full re-encode', async () => {
    const a = ids('Q: 12+34\n= 46\nA: 46\n');
    const b = ids('Q: (8-3)*7\n= 5*7\n');
    const usage = emptyModelUsage();
    // Pass 1: a's first 6 tokens and all of b (right-padded).
    let r = await forward(target, KvBatch.empty(target.layout, 2), [
      { tokens: a.slice(0, 6), pos: 0, promptTokens: 0 },
      { tokens: b, pos: 0, promptTokens: 0 },
    ], tok.pad, usage);
    const early = r.batch;
    let posA = 6;
    // a continues token by token while b feeds masked pads (holes).
    for (; posA < a.length; posA++) {
      r = await forward(target, r.batch, [
        { tokens: [a[posA]!], pos: posA, promptTokens: 0 },
        { tokens: [], pos: b.length, promptTokens: 0 },
      ], tok.pad, usage);
    }
    expectClose(outputAt(r, 0, 0), await fullEncode(target, a));
    // Reorder and duplicate rows, then extend each by one token.
    const swapped = gatherRows(target.layout, [{ batch: r.batch, row: 1 }, { batch: r.batch, row: 0 }, { batch: r.batch, row: 1 }]);
    const extra = tok.encode('=')[0]!;
    const r2 = await forward(target, swapped, [
      { tokens: [extra], pos: b.length, promptTokens: 0 },
      { tokens: [extra], pos: a.length, promptTokens: 0 },
      { tokens: [extra, extra], pos: b.length, promptTokens: 0 },
    ], tok.pad, usage);
    expectClose(outputAt(r2, 0, 0), await fullEncode(target, [...b, extra]));
    expectClose(outputAt(r2, 1, 0), await fullEncode(target, [...a, extra]));
    expectClose(outputAt(r2, 2, 1), await fullEncode(target, [...b, extra, extra]));
    expect(usage.calls).toBe(1 + (a.length - 6) + 1);
    // Rows of batches with different past lengths: the shorter one is padded with holes.
    const mixed = gatherRows(target.layout, [{ batch: early, row: 1 }, { batch: r.batch, row: 0 }]);
    expect(mixed.past).toBe(r.batch.past);
    const r3 = await forward(target, mixed, [
      { tokens: [extra], pos: b.length, promptTokens: 0 },
      { tokens: [extra], pos: a.length, promptTokens: 0 },
    ], tok.pad, usage);
    expectClose(outputAt(r3, 0, 0), await fullEncode(target, [...b, extra]));
    expectClose(outputAt(r3, 1, 0), await fullEncode(target, [...a, extra]));
  });

  it('generated steps continue from the cache exactly as a re-encode would', async () => {
    const c = ctx(target);
    const [first] = await generateSteps(c, [startState(tok, 'Q: 12+34\n')], { temperature: 0, topP: 1, maxTokens: 12 }, createRng(1));
    const [second] = await generateSteps(c, [first!.state], { temperature: 0, topP: 1, maxTokens: 12 }, createRng(1));
    const [again] = await generateSteps(ctx(target), [startState(tok, `Q: 12+34\n${first!.text}`)], { temperature: 0, topP: 1, maxTokens: 12 }, createRng(1));
    expect(second!.text).toBe(again!.text);
    second!.tokenLogprobs.forEach((lp, i) => expect(lp).toBeCloseTo(again!.tokenLogprobs[i]!, 3));
  });
});

describe('sampled steps carry the model\'s own likelihood', () => {
  it.each([0.5, 1, 1.5])('at temperature %p: modelLogprobs are the temperature-1 log-probs that scoring the step gives', async (temperature) => {
    const prefix = startState(tok, 'Q: 47*3+12\n');
    const samples = await generateSteps(ctx(target), [prefix, prefix, prefix], { temperature, topP: 1, maxTokens: 20 }, createRng(7));
    let gap = 0;
    for (const step of samples) {
      const [scored] = await scoreContinuations(ctx(target), startState(tok, 'Q: 47*3+12\n'), [step]);
      expectClose(step.modelLogprobs, scored!.tokenLogprobs, 1e-3);
      step.tokenLogprobs.forEach((q, i) => (gap = Math.max(gap, Math.abs(q - step.modelLogprobs[i]!))));
    }
    // The proposal's log q is the tempered one: it equals the model's only at temperature 1.
    if (temperature === 1) expect(gap).toBeLessThan(1e-5);
    else expect(gap).toBeGreaterThan(1e-3);
  });
});

describe('batched scoring', () => {
  const steps = [
    { text: '= 46\n', eos: false },
    { text: 'A: 46\n', eos: false },
    { text: '= 4', eos: true },
    { text: '= 12+34+0\n', eos: false },
  ];

  it('scores continuations in one pass exactly as one by one', async () => {
    const c = ctx(target);
    const prefix = startState(tok, 'Q: 12+34\n');
    const batched = await scoreContinuations(c, prefix, steps);
    expect(c.usage.calls).toBe(2); // prompt once, then all continuations together
    for (const [i, step] of steps.entries()) {
      const [single] = await scoreContinuations(ctx(target), prefix, [step]);
      expect(batched[i]!.tokenLogprobs).toHaveLength(step.text.length + (step.eos ? 1 : 0));
      expectClose(batched[i]!.tokenLogprobs, single!.tokenLogprobs, 1e-3);
      expect(batched[i]!.meanLogprob).toBeCloseTo(single!.meanLogprob, 3);
    }
    // The accepted row extends the prefix without recomputation: its logits are the re-encode's.
    expectClose(batched[0]!.state.lastLogits!, await fullEncode(target, ids(`Q: 12+34\n${steps[0]!.text}`)));
  });

  it('scores PRM steps in one pass exactly as one by one and as a whole path', async () => {
    const c = ctx(prm);
    const root = startState(tok, 'Q: 12+34\n');
    const batched = await scoreSteps(c, steps.map(() => root), steps);
    for (const [i, step] of steps.entries()) {
      const [single] = await scoreSteps(ctx(prm), [root], [step]);
      expect(batched[i]!.score).toBeCloseTo(single!.score, 4);
    }
    const path2 = await scorePath(ctx(prm), root, [steps[0]!, steps[1]!]);
    const [afterFirst] = await scoreSteps(ctx(prm), [root], [steps[0]!]);
    const [afterSecond] = await scoreSteps(ctx(prm), [afterFirst!.state], [steps[1]!]);
    expect(path2[0]).toBeCloseTo(afterFirst!.score, 4);
    expect(path2[1]).toBeCloseTo(afterSecond!.score, 4);
    // A final step is scored at <eos>.
    expect(path2[1]).toBeCloseTo((await fullEncode(prm, [...ids('Q: 12+34\n= 46\nA: 46\n'), tok.eos]))[0]!, 4);
  });
});

describe('model loading errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'decoding-models-'));
    for (const f of ['draft.onnx', 'target.onnx', 'prm.onnx', 'vocab.json', 'manifest.json']) copyFileSync(path.join(MODELS, f), path.join(dir, f));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const expectLoadError = async (file: string, reason: RegExp) => {
    const err = await createDecoder({ modelsDir: dir }).then(
      (d) => (void d.close(), null),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelLoadError);
    const e = err as ModelLoadError;
    expect(e.code).toBe('MODEL_LOAD_FAILED');
    expect(e.message).toContain(path.join(dir, file));
    expect(e.message).toContain('npm run models:train');
    expect(e.message).toMatch(reason);
  };

  it('names a missing model file', async () => {
    unlinkSync(path.join(dir, 'draft.onnx'));
    await expectLoadError('draft.onnx', /does not exist/);
  });

  it('names a corrupt model file (sha256 mismatch)', async () => {
    writeFileSync(path.join(dir, 'target.onnx'), 'not a model');
    await expectLoadError('target.onnx', /sha256/);
  });

  it('names a model onnxruntime cannot parse even when the manifest matches', async () => {
    writeFileSync(path.join(dir, 'prm.onnx'), 'not a model');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    manifest.models.prm.sha256 = createHash('sha256').update('not a model').digest('hex');
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expectLoadError('prm.onnx', /onnxruntime/);
  });

  it('names a vocabulary that is not the one the manifest records (sha256)', async () => {
    writeFileSync(path.join(dir, 'vocab.json'), readFileSync(path.join(dir, 'vocab.json'), 'utf8') + ' ');
    await expectLoadError('vocab.json', /sha256 .* does not match models\/manifest\.json/);
  });

  it('names a vocabulary whose size is not the width of the models\' logits', async () => {
    const vocab = JSON.parse(readFileSync(path.join(dir, 'vocab.json'), 'utf8'));
    const bytes = JSON.stringify({ ...vocab, tokens: [...vocab.tokens, '@'] });
    writeFileSync(path.join(dir, 'vocab.json'), bytes);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    manifest.vocabSha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expectLoadError('vocab.json', new RegExp(`it has ${vocab.tokens.length + 1} tokens but \\S*draft\\.onnx predicts ${vocab.tokens.length}`));
  });

  it('names a missing manifest', async () => {
    unlinkSync(path.join(dir, 'manifest.json'));
    await expectLoadError('manifest.json', /cannot be read/);
  });
});

describe('the verifier dependency', () => {
  it.each([['beam-target'], ['specs']] as const)('%s scores its steps with the verifier it is given, wrapping the shipped PRM', async (strategy) => {
    let calls = 0;
    const withVerifier = await createDecoder({
      modelsDir: MODELS,
      verifier: (prm): RewardModel<SeqState> => ({
        start: (prompt) => prm.start(prompt),
        async scoreSteps(states, steps) {
          calls++;
          return (await prm.scoreSteps(states, steps)).map((r) => ({ ...r, score: 0.25 }));
        },
        scorePath: async (state, steps) => (await prm.scorePath(state, steps)).map(() => 0.25),
      }),
    });
    try {
      const r = await withVerifier.solve('12+34', { strategy, n: 4, seed: 1, firstStep: 'target' });
      expect(calls).toBeGreaterThan(0);
      expect(r.steps.map((s) => s.prmScore)).toEqual(r.steps.map(() => 0.25));
    } finally {
      await withVerifier.close();
    }
  });
});
