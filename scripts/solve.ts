/**
 * Solve one question with a decoding strategy and show how it went.
 *   npm run solve -- --strategy specs "47*41-(71-51)+95"
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/index';
import { isAppError, ValidationError } from '../server/errors/index';
import { numberFlag, searchOptionsFromFlags, SEARCH_FLAGS } from '../server/decoding/cli-flags';
import { createDecoder, parseSolveOptions, STRATEGIES, validateQuestion, type SolveOptionsInput } from '../server/decoding/index';

const USAGE = `usage: npm run solve -- [options] "<question>"
  --strategy S        ${STRATEGIES.join(' | ')} (default specs)
  --n N               paths / candidates per step (default 8)
  --beam-width M      beam width (default 4)
  --seed S            sampling seed (default 0)
  --threads T         onnxruntime intra-op threads (default ORT_INTRA_OP_THREADS or 1)
  --lambda L --theta X --tau X --selection-temperature T   SPECS parameters
  --temperature X --top-p P --max-steps K --max-tokens K
  --models DIR        models folder (default MODELS_DIR or models)
  --json              print the full result as JSON`;

class UsageError extends Error {}

/** Bad flag values are usage errors (the usage text is printed with them). */
function num(name: string, value: string | undefined): number | undefined {
  return asUsageError(() => numberFlag(name, value));
}

function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof ValidationError ? new UsageError(e.message) : e;
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        strategy: { type: 'string', default: 'specs' },
        n: { type: 'string' },
        seed: { type: 'string' },
        threads: { type: 'string' },
        ...SEARCH_FLAGS,
        'max-steps': { type: 'string' },
        'max-tokens': { type: 'string' },
        models: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing the question' : 'pass exactly one question (quote it)');
  const question = positionals[0]!;
  const options = {
    strategy: v.strategy,
    n: num('n', v.n),
    seed: num('seed', v.seed),
    ...asUsageError(() => searchOptionsFromFlags(v)),
    maxSteps: num('max-steps', v['max-steps']),
    maxTokensPerStep: num('max-tokens', v['max-tokens']),
  };
  const clean = Object.fromEntries(Object.entries(options).filter(([, x]) => x !== undefined)) as SolveOptionsInput;
  // Reject bad input before the (slower) model load.
  validateQuestion(question);
  parseSolveOptions(clean);
  const config = loadConfig();
  const threads = num('threads', v.threads) ?? config.decoding.intraOpThreads;
  const decoder = await createDecoder({ modelsDir: v.models ?? config.decoding.modelsDir, intraOpThreads: threads });
  try {
    const r = await decoder.solve(question, clean);
    if (v.json) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    if (decoder.info.provisional) console.log('(models/manifest.json says these models are provisional, e.g. random-init)');
    console.log(`Q: ${question}   [${r.strategy}]`);
    r.steps.forEach((s, i) => {
      const extra = s.score !== undefined ? `  s=${s.score.toFixed(3)}` : '';
      console.log(`${String(i + 1).padStart(2)}. ${s.model.padEnd(6)} prm=${s.prmScore.toFixed(3)}${extra}  ${JSON.stringify(s.text)}`);
    });
    console.log(`answer: ${r.answer ?? '(none)'}   finished: ${r.finished}   prm: ${r.prmScore?.toFixed(3) ?? '-'}`);
    if (r.draftAcceptance !== null) console.log(`draft acceptance: ${(r.draftAcceptance * 100).toFixed(0)}%   target fallbacks: ${r.fallbacks}`);
    console.log(`latency: ${r.latencyMs.toFixed(1)} ms`);
    for (const [role, u] of Object.entries(r.usage)) {
      if (u.calls > 0) console.log(`  ${role.padEnd(6)} ${u.calls} calls, ${u.tokens} tokens (${u.promptTokens} prompt), ${u.computeMs.toFixed(1)} ms compute`);
    }
  } finally {
    await decoder.close();
  }
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`solve: ${e.message}\n${USAGE}`);
  } else if (isAppError(e)) {
    console.error(`solve: ${e.message}`);
  } else {
    console.error(`solve: unexpected failure: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.exitCode = 2;
});
