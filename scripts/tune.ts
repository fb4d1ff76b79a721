/**
 * Grid search of a strategy's settings on the VALIDATION set (never the test set), with the
 * same budget for the baseline and for SPECS.
 *   npm run tune -- --strategy beam-target|specs [grid flags; defaults in GRID below]
 * Writes <out>/<strategy>.json and .md (a scratch folder unless --out); copy the chosen values
 * into BEAM_DEFAULTS or SPECS_DEFAULTS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../server/config/index';
import { createDecoder, parseSolveOptions } from '../server/decoding/index';
import { loadProblems } from './bench/decoding/load-problems';
import { formatDuration } from './bench/decoding/stats';
import { grid, tune, tuningMarkdown, type TunedStrategy } from './bench/decoding/tune';
import { CliError, numberArg, outputDir, parseCli, runCli } from './lib/cli';

/** Each strategy's default grid, flag → comma list (24 settings each: the same budget). */
const GRID = {
  'beam-target': { temperature: '0.4,0.6,0.8,1', 'beam-width': '2,4', aggregation: 'last,min,prod' },
  specs: { 'first-step': 'target,draft', lambda: '2,3', theta: '1,1.5,1.8', tau: '0.3', T: '0.1', temperature: '0.4,0.8' },
} as const;
const gridUsage = (grid: Readonly<Record<string, string>>) => Object.entries(grid).map(([flag, list]) => `--${flag} LIST (${list})`).join(' ');

const spec = {
  name: 'tune',
  usage: `--strategy beam-target|specs [grid flags] [--problems FILE] [--limit K] [--n N] [--seed S] [--threads T] [--out DIR]
  beam-target grid: ${gridUsage(GRID['beam-target'])}
  specs grid:       ${gridUsage(GRID.specs)}
  --problems  validation problems (default experiments/validation.jsonl; the test set is refused)
  --limit     first K problems (default 300, the whole validation set)   --n  paths / candidates (default 8)
  --out       results folder (default: a new scratch folder)`,
  options: {
    strategy: { type: 'string' },
    'first-step': { type: 'string' },
    temperature: { type: 'string' },
    'beam-width': { type: 'string' },
    aggregation: { type: 'string' },
    lambda: { type: 'string' },
    theta: { type: 'string' },
    tau: { type: 'string' },
    T: { type: 'string' },
    problems: { type: 'string', default: 'experiments/validation.jsonl' },
    limit: { type: 'string', default: '300' },
    n: { type: 'string', default: '8' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string' },
    out: { type: 'string' },
  },
} as const;

const numbers = (name: string, v: string) => v.split(',').map((x) => numberArg(name, x.trim())!);
const words = (v: string) => v.split(',').map((x) => x.trim());

runCli(spec.name, async () => {
  const { values: v } = parseCli(spec);
  if (v.strategy !== 'beam-target' && v.strategy !== 'specs') throw new CliError('--strategy must be beam-target or specs');
  const strategy: TunedStrategy = v.strategy;
  if (/(^|\/)test\.jsonl$/.test(v.problems)) throw new CliError('--problems: tune on the validation set, not the test set');
  const axes: Record<string, (number | string)[]> =
    strategy === 'beam-target'
      ? {
          temperature: numbers('temperature', v.temperature ?? GRID['beam-target'].temperature),
          beamWidth: numbers('beam-width', v['beam-width'] ?? GRID['beam-target']['beam-width']),
          prmAggregation: words(v.aggregation ?? GRID['beam-target'].aggregation),
        }
      : {
          firstStep: words(v['first-step'] ?? GRID.specs['first-step']),
          lambda: numbers('lambda', v.lambda ?? GRID.specs.lambda),
          theta: numbers('theta', v.theta ?? GRID.specs.theta),
          tau: numbers('tau', v.tau ?? GRID.specs.tau),
          selectionTemperature: numbers('T', v.T ?? GRID.specs.T),
          temperature: numbers('temperature', v.temperature ?? GRID.specs.temperature),
        };
  const settings = grid(axes);
  // Every setting must be valid before hours of decoding.
  for (const s of settings) parseSolveOptions({ strategy, ...s });
  const n = numberArg('n', v.n, { min: 1, max: 64, integer: true })!;
  const limit = numberArg('limit', v.limit, { min: 1, integer: true });
  const threads = numberArg('threads', v.threads, { min: 1, max: 64, integer: true });
  const seed = numberArg('seed', v.seed, { min: 0, integer: true })!;
  const config = loadConfig();
  const problems = await loadProblems(v.problems, limit);
  const out = outputDir('tune', v.out);
  const openDecoder = () => createDecoder({ modelsDir: config.decoding.modelsDir, intraOpThreads: threads ?? config.decoding.intraOpThreads });
  // Fails fast on missing or corrupt models before any decoding.
  await (await openDecoder()).close();
  const started = performance.now();
  process.stderr.write(`[tune] ${problems.length} problems × ${settings.length} ${strategy} settings${strategy === 'specs' ? ', each in its own pass beside the tuned baseline' : ''}\n`);
  const result = await tune({
    openDecoder,
    problems,
    strategy,
    settings,
    reference: strategy === 'specs' ? { strategy: 'beam-target' } : undefined,
    n,
    seed,
    onProgress: (done, total) => {
      if (done % problems.length !== 0 && done % 25 !== 0) return;
      const el = performance.now() - started;
      process.stderr.write(`[tune] ${done}/${total} runs, ${formatDuration(el)} elapsed, ETA ${formatDuration((el / done) * (total - done))}\n`);
    },
  });
  await mkdir(out, { recursive: true });
  const meta = { problems: problems.length, file: v.problems };
  await writeFile(path.join(out, `${strategy}.json`), JSON.stringify({ ...result, meta }, null, 2) + '\n');
  await writeFile(path.join(out, `${strategy}.md`), tuningMarkdown(result, meta));
  process.stdout.write(`${tuningMarkdown(result, meta)}\nchosen: ${JSON.stringify(result.best.setting)}\nresults in ${out}\n`);
});
