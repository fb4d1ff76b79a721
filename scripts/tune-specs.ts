/**
 * Grid search of the SPECS knobs on the VALIDATION set (never the test set).
 *   npm run tune:specs -- --limit 40 [--lambda 0.5,1,2 --theta 0,0.3,0.6 --tau 0.3,0.6 --T 0.1,0.5 --n 8]
 * Writes experiments/results/specs-tuning.json and .md; copy the chosen values into SPECS_DEFAULTS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/index';
import { isAppError, ValidationError } from '../server/errors/index';
import { createDecoder } from '../server/decoding/index';
import { loadProblems } from '../server/decoding/bench/load-problems';
import { formatDuration } from '../server/decoding/bench/stats';
import { grid, tuneSpecs, tuningMarkdown } from '../server/decoding/bench/tune-specs';

const list = (name: string, v: string) =>
  v.split(',').map((x) => {
    const n = Number(x);
    if (x.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`--${name}: ${JSON.stringify(x)} is not a number`, name);
    return n;
  });

async function main() {
  const { values: v } = parseArgs({
    options: {
      problems: { type: 'string', default: 'experiments/validation.jsonl' },
      limit: { type: 'string', default: '40' },
      lambda: { type: 'string', default: '0.5,1,2' },
      theta: { type: 'string', default: '-0.5,0,0.3,0.6' },
      tau: { type: 'string', default: '0.3,0.6' },
      T: { type: 'string', default: '0.1,1' },
      n: { type: 'string', default: '8' },
      seed: { type: 'string', default: '0' },
      threads: { type: 'string' },
      out: { type: 'string', default: 'experiments/results' },
    },
  });
  if (/(^|\/)test\.jsonl$/.test(v.problems)) throw new ValidationError('tune on the validation set, not the test set', 'problems');
  const config = loadConfig();
  const problems = await loadProblems(v.problems, list('limit', v.limit)[0]);
  const params = grid({ lambda: list('lambda', v.lambda), theta: list('theta', v.theta), tau: list('tau', v.tau), selectionTemperature: list('T', v.T) });
  const decoder = await createDecoder({ modelsDir: config.decoding.modelsDir, intraOpThreads: v.threads ? list('threads', v.threads)[0]! : config.decoding.intraOpThreads });
  const started = performance.now();
  try {
    console.error(`[tune] ${problems.length} problems × (${params.length} SPECS settings + beam-target)`);
    const result = await tuneSpecs({
      decoder,
      problems,
      params,
      n: list('n', v.n)[0]!,
      seed: list('seed', v.seed)[0]!,
      onProblem: (done, total) => {
        const el = performance.now() - started;
        console.error(`[tune] problem ${done}/${total}, ETA ${formatDuration((el / done) * (total - done))}`);
      },
    });
    await mkdir(v.out, { recursive: true });
    const meta = { problems: problems.length, file: v.problems, provisional: decoder.info.provisional };
    await writeFile(path.join(v.out, 'specs-tuning.json'), JSON.stringify({ ...result, meta }, null, 2) + '\n');
    await writeFile(path.join(v.out, 'specs-tuning.md'), tuningMarkdown(result, meta));
    const b = result.best;
    console.log(tuningMarkdown(result, meta));
    console.log(`chosen: { lambda: ${b.lambda}, theta: ${b.theta}, tau: ${b.tau}, selectionTemperature: ${b.selectionTemperature} }`);
  } finally {
    await decoder.close();
  }
}

main().catch((e: unknown) => {
  console.error(`tune:specs: ${isAppError(e) ? e.message : e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
});
