import { evaluateExpression } from '../../server/task';
import type { SolveResult } from '../../server/decoding';
import type { Solver } from '../../server/queue';
import type { Usage } from '../../server/vocabulary';

const usage = (strategy: string): Usage => {
  const draft = strategy === 'specs' || strategy.endsWith('-draft');
  const target = strategy !== 'beam-draft' && strategy !== 'greedy-draft';
  const m = (on: boolean, tokens: number) => ({ promptTokens: on ? 20 : 0, generatedTokens: on ? tokens : 0, tokens: on ? 20 + tokens : 0, computeMs: 0, calls: on ? 4 : 0 });
  return { draft: m(draft, 120), target: m(target, strategy === 'specs' ? 40 : 160), prm: m(true, 60) };
};

const answerOf = (question: string): number | null => {
  try {
    return Number(evaluateExpression(question));
  } catch {
    return null;
  }
};

/**
 * A decoder that answers correctly with fixed token counts and a fixed
 * `decodeMs` (0: immediately). For fast HTTP tests; never for real traffic.
 */
export function createFakeDecoder(options: { decodeMs?: number; fail?: (question: string) => boolean } = {}): Solver {
  const decodeMs = options.decodeMs ?? 0;
  return {
    async solve(question, opts): Promise<SolveResult> {
      if (decodeMs > 0) await new Promise((r) => setTimeout(r, decodeMs));
      if (options.fail?.(question)) throw new Error('fake decoder failure');
      const answer = answerOf(question);
      const strategy = opts.strategy;
      return {
        strategy,
        answer,
        text: `Q: ${question}\nA: ${answer}\n`,
        steps: [{ text: `A: ${answer}`, model: 'target', prmScore: 0.9 }],
        finished: true,
        prmScore: 0.9,
        latencyMs: decodeMs,
        usage: usage(strategy),
        draftAcceptance: strategy === 'specs' ? 0.75 : null,
        fallbacks: strategy === 'specs' ? 1 : 0,
      };
    },
  };
}

/**
 * Constant-cost decoding stand-in for the serving benchmark (`--decoder sleep:5`):
 * waits `sleepMs` and answers, so total − decode isolates the platform's own overhead.
 */
export function createSleepDecoder(sleepMs: number): Solver {
  return createFakeDecoder({ decodeMs: sleepMs });
}

/** `sleep:N` → a sleep stand-in; `real` → null (use the ONNX decoder). */
export function parseDecoderSpec(spec: string): { kind: 'real' } | { kind: 'sleep'; ms: number } {
  if (spec === 'real') return { kind: 'real' };
  const m = /^sleep:(\d+(?:\.\d+)?)$/.exec(spec);
  if (!m) throw new Error(`--decoder must be "real" or "sleep:<ms>", got ${spec}`);
  return { kind: 'sleep', ms: Number(m[1]) };
}
