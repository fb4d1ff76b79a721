/**
 * Solve one question with a decoding strategy and show how it went.
 *   npm run solve -- --strategy specs [--reference 2002] "47*41-(71-51)+95"
 */
import { loadConfig } from '../server/config/index';
import { searchOptionsFromFlags, SEARCH_FLAGS, SEARCH_FLAGS_USAGE } from './lib/search-flags';
import { createDecoder, parseSolveOptions, readModelContext, validateQuestion, type SolveOptionsInput } from '../server/decoding/index';
import { STRATEGIES } from '../server/vocabulary';
import { CliError, numberArg, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'solve',
  usage: `[options] "<question>"
  --strategy S        ${STRATEGIES.join(' | ')} (default specs)
  --reference A       the right answer: the output says whether the strategy got it
  --n N               paths / candidates per step (default 8)
  --seed S            sampling seed (default 0)
  --threads T         onnxruntime intra-op threads, a whole number (default ORT_INTRA_OP_THREADS or 1)
${SEARCH_FLAGS_USAGE} --max-steps K --max-tokens K
  --models DIR        models folder (default MODELS_DIR or models)
  --json              print the full result as JSON`,
  options: {
    strategy: { type: 'string', default: 'specs' },
    reference: { type: 'string' },
    n: { type: 'string' },
    seed: { type: 'string' },
    threads: { type: 'string' },
    ...SEARCH_FLAGS,
    'max-steps': { type: 'string' },
    'max-tokens': { type: 'string' },
    models: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  positionals: true,
} as const;

runCli(spec.name, async () => {
  const { values: v, positionals } = parseCli(spec);
  if (positionals.length !== 1) throw new CliError(positionals.length === 0 ? 'missing the question (quote it)' : 'pass exactly one question (quote it)');
  const question = positionals[0]!;
  const options = {
    strategy: v.strategy,
    n: numberArg('n', v.n, { integer: true }),
    seed: numberArg('seed', v.seed, { integer: true }),
    ...searchOptionsFromFlags(v),
    maxSteps: numberArg('max-steps', v['max-steps'], { integer: true }),
    maxTokensPerStep: numberArg('max-tokens', v['max-tokens'], { integer: true }),
  };
  const clean = Object.fromEntries(Object.entries(options).filter(([, x]) => x !== undefined)) as SolveOptionsInput;
  const reference = numberArg('reference', v.reference, { integer: true, min: 0 });
  const threads = numberArg('threads', v.threads, { integer: true, min: 1, max: 64 });
  const config = loadConfig();
  const modelsDir = v.models ?? config.decoding.modelsDir;
  // Bad input is rejected before the (slower) model load.
  validateQuestion(question, readModelContext(modelsDir));
  parseSolveOptions(clean);
  const decoder = await createDecoder({ modelsDir, intraOpThreads: threads ?? config.decoding.intraOpThreads });
  try {
    const r = await decoder.solve(question, clean);
    if (v.json) {
      process.stdout.write(`${JSON.stringify({ ...r, reference: reference ?? null, correct: reference === undefined ? null : r.answer === reference }, null, 2)}\n`);
      return;
    }
    const out = [`Q: ${question}   [${r.strategy}]`];
    r.steps.forEach((s, i) => {
      const extra = s.score !== undefined ? `  s=${s.score.toFixed(3)}` : '';
      out.push(`${String(i + 1).padStart(2)}. ${s.model.padEnd(6)} prm=${s.prmScore.toFixed(3)}${extra}  ${JSON.stringify(s.text)}`);
    });
    const verdict = reference === undefined ? '' : r.answer === reference ? `   RIGHT (reference ${reference})` : `   WRONG (reference ${reference})`;
    out.push(`answer: ${r.answer ?? '(none)'}${verdict}   finished: ${r.finished}   prm: ${r.prmScore?.toFixed(3) ?? '-'}`);
    if (r.draftAcceptance !== null) out.push(`draft acceptance: ${(r.draftAcceptance * 100).toFixed(0)} %   target fallbacks: ${r.fallbacks}`);
    out.push(`latency: ${r.latencyMs.toFixed(1)} ms`);
    for (const [role, u] of Object.entries(r.usage)) {
      if (u.calls > 0) out.push(`  ${role.padEnd(6)} ${u.calls} calls, ${u.tokens} tokens (${u.promptTokens} prompt), ${u.computeMs.toFixed(1)} ms compute`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await decoder.close();
  }
});
