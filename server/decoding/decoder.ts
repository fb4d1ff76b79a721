import { createHash } from 'node:crypto';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { createRng } from '../task/rng';
import { extractAnswer } from '../task/grader';
import { formatPrompt } from '../task/format';
import { parseQuestion } from '../task/parse-expression';
import { solutionLength } from '../task/canonical-solution';
import { isAppError } from '../errors/index';
import { emptyModelUsage, emptyUsage, MODEL_ROLES, type ModelRole, type Strategy, type Usage } from '../vocabulary';
import { forward, gatherRows, outputAt } from './kv-cache';
import { DecodeAttemptError, ModelLoadError, QuestionValidationError } from './errors';
import { loadManifest, loadModelSession, type Manifest, type ModelSession } from './model-session';
import { onnxLanguageModel, onnxRewardModel } from './onnx-models';
import { parseSolveOptions, type SolveOptions, type SolveOptionsInput } from './options';
import type { ModelContext, SeqState } from './seq-state';
import { beamSearch } from './strategies/beam-search';
import { greedy } from './strategies/greedy';
import { specsSearch } from './strategies/specs';
import { createTokenizer, type Tokenizer } from './tokenizer';
import type { RewardModel, SearchResult, StepRecord } from './types';

export interface DecoderConfig {
  readonly modelsDir: string;
  /** onnxruntime intra-op threads per session (default 1). */
  readonly intraOpThreads?: number;
  /**
   * What the searches see as the PRM, given the shipped one (default: the shipped one). Analysis
   * puts a reference verifier here to measure how far a better PRM would take the same searches.
   */
  readonly verifier?: (prm: RewardModel<SeqState>) => RewardModel;
}

export interface SolveResult {
  readonly strategy: Strategy;
  readonly answer: number | null;
  /** Prompt and generated steps. */
  readonly text: string;
  readonly steps: readonly StepRecord[];
  readonly finished: boolean;
  readonly prmScore: number | null;
  readonly latencyMs: number;
  readonly usage: Usage;
  /** SPECS: accepted draft steps / draft attempts; null for other strategies or no attempt. */
  readonly draftAcceptance: number | null;
  readonly fallbacks: number;
}

export interface DecoderInfo {
  readonly modelsDir: string;
  readonly provisional: boolean;
  readonly intraOpThreads: number;
  readonly models: Record<ModelRole, { file: string; layers: number; heads: number; headDim: number; sha256: string }>;
}

export interface Decoder {
  readonly info: DecoderInfo;
  solve(question: string, options: SolveOptionsInput): Promise<SolveResult>;
  /** Runs one token through each model (readiness: the sessions answer, not just exist). */
  check(): Promise<void>;
  close(): Promise<void>;
}


/** Loads the three models once; solve() may be called concurrently. */
export async function createDecoder(config: DecoderConfig): Promise<Decoder> {
  const intraOpThreads = config.intraOpThreads ?? 1;
  const manifest = await loadManifest(config.modelsDir);
  const tokenizer = await loadVocab(config.modelsDir, manifest);
  const settled = await Promise.allSettled(MODEL_ROLES.map((role) => loadModelSession(config.modelsDir, manifest, role, { intraOpThreads })));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.release() : undefined)));
    throw failed.reason;
  }
  const [draft, target, prm] = settled.map((s) => (s as PromiseFulfilledResult<ModelSession>).value) as [ModelSession, ModelSession, ModelSession];
  const sessions: Record<ModelRole, ModelSession> = { draft, target, prm };
  const contextTokens = Math.min(draft.maxPositions, target.maxPositions, prm.maxPositions);
  try {
    await checkVocabulary(sessions, tokenizer, path.join(config.modelsDir, manifest.vocab));
  } catch (err) {
    await Promise.all(MODEL_ROLES.map((r) => sessions[r].release()));
    throw err;
  }
  const info: DecoderInfo = {
    modelsDir: config.modelsDir,
    provisional: manifest.provisional ?? false,
    intraOpThreads,
    models: Object.fromEntries(
      MODEL_ROLES.map((r) => [r, { file: sessions[r].file, ...sessions[r].layout, sha256: manifest.models[r].sha256 }]),
    ) as DecoderInfo['models'],
  };
  let closed = false;

  return {
    info,
    async solve(question, rawOptions) {
      if (closed) throw new Error('decoder is closed');
      const options = parseSolveOptions(rawOptions);
      validateQuestion(question, contextTokens);
      const started = performance.now();
      const usage = emptyUsage();
      const ctx = (role: ModelRole): ModelContext => ({ session: sessions[role], tokenizer, usage: usage[role] });
      const prompt = formatPrompt(question);
      let search: SearchResult;
      try {
        search = await runStrategy(options, prompt, ctx, config.verifier ?? ((prm) => prm));
      } catch (err) {
        throw new DecodeAttemptError(err, usage);
      }
      const solution = search.steps.map((s) => s.text).join('');
      return {
        strategy: options.strategy,
        answer: extractAnswer(solution),
        text: prompt + solution,
        steps: search.steps,
        finished: search.finished,
        prmScore: search.prmScore,
        latencyMs: performance.now() - started,
        usage,
        draftAcceptance: search.draftAttempts > 0 ? search.draftAccepted / search.draftAttempts : null,
        fallbacks: search.fallbacks,
      };
    },
    async check() {
      if (closed) throw new Error('decoder is closed');
      for (const role of MODEL_ROLES) {
        const session = sessions[role];
        await forward(session, gatherRows(session.layout, [null]), [{ tokens: [tokenizer.bos], pos: 0, promptTokens: 0 }], tokenizer.pad, emptyModelUsage());
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(MODEL_ROLES.map((r) => sessions[r].release()));
    },
  };
}

function runStrategy(
  options: SolveOptions,
  prompt: string,
  ctx: (role: ModelRole) => ModelContext,
  verifier: NonNullable<DecoderConfig['verifier']>,
): Promise<SearchResult> {
  const rng = createRng(options.seed);
  const sample = { temperature: options.temperature, topP: options.topP, maxTokens: options.maxTokensPerStep };
  const prm = verifier(onnxRewardModel(ctx('prm')));
  switch (options.strategy) {
    case 'beam-target':
    case 'beam-draft': {
      const role = options.strategy === 'beam-target' ? 'target' : 'draft';
      return beamSearch(onnxLanguageModel(ctx(role)), prm, role, prompt, { ...options, sample }, rng);
    }
    case 'greedy-target':
    case 'greedy-draft': {
      const role = options.strategy === 'greedy-target' ? 'target' : 'draft';
      return greedy(onnxLanguageModel(ctx(role)), prm, role, prompt, { maxSteps: options.maxSteps, maxTokens: options.maxTokensPerStep }, rng);
    }
    case 'specs':
      return specsSearch(onnxLanguageModel(ctx('draft')), onnxLanguageModel(ctx('target')), prm, prompt, { ...options, sample }, rng);
  }
}

/**
 * Questions must be workload expressions (digits 0..99, + - * and parentheses, ≤ 200
 * characters) whose step-by-step solution fits the models' context (`contextTokens`,
 * the manifest's maxPositions): a longer one could only come back unanswered.
 */
export function validateQuestion(question: unknown, contextTokens?: number): asserts question is string {
  if (typeof question !== 'string') throw new QuestionValidationError('the question must be a string');
  try {
    parseQuestion(question);
  } catch (e) {
    if (isAppError(e)) throw new QuestionValidationError(e.message);
    throw e;
  }
  if (contextTokens !== undefined) {
    // <bos> + text + <eos>: the tokenizer is character-level.
    const needed = solutionLength(question) + 2;
    if (needed > contextTokens) {
      throw new QuestionValidationError(`its step-by-step solution takes ${needed} tokens and the models' context holds ${contextTokens}; split it into smaller questions`);
    }
  }
}

/** Each LM's logits must be as wide as the vocabulary, or ids would mean other characters. */
async function checkVocabulary(sessions: Record<ModelRole, ModelSession>, tokenizer: Tokenizer, file: string): Promise<void> {
  for (const role of ['draft', 'target'] as const) {
    const session = sessions[role];
    const result = await forward(session, gatherRows(session.layout, [null]), [{ tokens: [tokenizer.bos], pos: 0, promptTokens: 0 }], tokenizer.pad, emptyModelUsage());
    const width = outputAt(result, 0, 0).length;
    if (width !== tokenizer.vocabSize) {
      throw new ModelLoadError(file, `it has ${tokenizer.vocabSize} tokens but ${session.file} predicts ${width}: vocabulary and models come from different runs`);
    }
  }
}

async function loadVocab(modelsDir: string, manifest: Manifest): Promise<Tokenizer> {
  const file = path.join(modelsDir, manifest.vocab);
  try {
    const bytes = await readFile(file);
    if (manifest.vocabSha256) {
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (digest !== manifest.vocabSha256) {
        throw new ModelLoadError(file, `sha256 ${digest.slice(0, 12)}… does not match models/manifest.json (${manifest.vocabSha256.slice(0, 12)}…): the file is corrupt or stale`);
      }
    }
    return createTokenizer(JSON.parse(bytes.toString('utf8')));
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelLoadError(file, code === 'ENOENT' ? 'the file does not exist' : `the vocabulary is unreadable (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
}
