import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { searchOptionsFromFlags, SEARCH_FLAGS, SEARCH_FLAGS_USAGE, type SearchFlagValues } from '../../lib/search-flags';
import { createDecoder } from '../../../server/decoding/decoder';
import { STRATEGIES } from '../../../server/vocabulary';
import { benchConfigs, configKey, runBenchmark, type BenchRecord } from './bench-runner';
import { loadProblems } from './load-problems';
import { accuracyLatencyChart, markdownReport, missOriginsMarkdown, pairedComparisons, pairedMarkdown, runningAccuracy, specsMissOrigins, summarize, textTable } from './report';
import { choiceArg, numberArg, outputDir } from '../../lib/cli';
import { formatDuration } from './stats';
import { VERIFIERS, verifierFor } from './reference-verifier';

/** Usage after `npm run bench:decoding --`. */
export const BENCH_USAGE = `[options]
  --problems FILE      JSONL problems (default experiments/test.jsonl)
  --strategies LIST    comma list of ${STRATEGIES.join(',')} (default: all)
  --n LIST             comma list of n (default 4,8,16; greedy runs once)
  --limit K            first K problems only
  --seed S             base seed (problem i uses S+i; default 0)
  --out DIR            output folder (default: a new scratch folder; never over committed results)
  --threads T          onnxruntime intra-op threads (default 1)
  --verifier V         ${VERIFIERS.join('|')}: the searches' step scorer (default prm; oracle: a perfect
                       step checker in its place, the ceiling a better PRM could reach)
${SEARCH_FLAGS_USAGE}
  --models DIR         models folder (default models)`;

export interface BenchIo {
  readonly log: (line: string) => void;
  readonly progress: (line: string) => void;
}

const intList = (name: string, v: string) => v.split(',').map((x) => numberArg(name, x.trim(), { integer: true, min: 1 })!);

/** The flags of `npm run bench:decoding` (scripts/lib/cli.ts parses them; --help is added there). */
export const BENCH_OPTIONS = {
  problems: { type: 'string', default: 'experiments/test.jsonl' },
  strategies: { type: 'string', default: STRATEGIES.join(',') },
  n: { type: 'string', default: '4,8,16' },
  limit: { type: 'string' },
  seed: { type: 'string', default: '0' },
  out: { type: 'string' },
  threads: { type: 'string' },
  verifier: { type: 'string', default: 'prm' },
  ...SEARCH_FLAGS,
  models: { type: 'string' },
} as const;

export type BenchValues = { problems: string; strategies: string; n: string; seed: string; verifier: string; limit?: string; out?: string; threads?: string; models?: string } & SearchFlagValues;

export async function runBenchCommand(values: BenchValues, io: BenchIo, defaults: { modelsDir: string; intraOpThreads: number }): Promise<void> {
  const strategies = values.strategies.split(',').map((s) => choiceArg('strategies', 'strategy', s.trim(), STRATEGIES));
  const ns = intList('n', values.n);
  const limit = values.limit === undefined ? undefined : intList('limit', values.limit)[0];
  const seed = numberArg('seed', values.seed, { integer: true, min: 0 }) ?? 0;
  const threads = numberArg('threads', values.threads, { integer: true, min: 1, max: 64 }) ?? defaults.intraOpThreads;
  const verifier = choiceArg('verifier', 'verifier', values.verifier, VERIFIERS);
  const out = outputDir('bench-decoding', values.out);
  const options = searchOptionsFromFlags(values);
  const problems = await loadProblems(values.problems, limit);
  const configs = benchConfigs(strategies, ns);
  const decoder = await createDecoder({ modelsDir: values.models ?? defaults.modelsDir, intraOpThreads: threads, verifier: verifierFor(verifier) });
  const args = { problems: values.problems, strategies, n: ns, limit: limit ?? null, seed, threads, verifier, options };
  try {
    // Fail fast on bad SPECS / beam options before the long run.
    await decoder.solve(problems[0]!.question, { ...options, strategy: 'greedy-draft', maxSteps: 1 });
    io.progress(`[bench] ${problems.length} problems × ${configs.length} configurations (${configs.map(configKey).join(', ')})`);
    const done: BenchRecord[] = [];
    const records = await runBenchmark({
      decoder,
      problems,
      configs,
      seed,
      options,
      onRecord(record, p) {
        done.push(record);
        if (p.done % configs.length !== 0 && p.done !== p.total) return;
        const eta = (p.elapsedMs / p.done) * (p.total - p.done);
        io.progress(`[bench] problem ${p.problem}/${p.problems}  ${formatDuration(p.elapsedMs)} elapsed, ETA ${formatDuration(eta)}  acc: ${runningAccuracy(done, configs)}`);
      },
    });
    const results = summarize(records, configs);
    const paired = pairedComparisons(records, seed + 1);
    const missOrigins = specsMissOrigins(records);
    const machine = {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      onnxruntime: ortVersion(),
      intraOpThreads: threads,
      provisionalModels: decoder.info.provisional,
      models: Object.fromEntries(Object.entries(decoder.info.models).map(([r, m]) => [r, { layers: m.layers, heads: m.heads, headDim: m.headDim, sha256: m.sha256 }])),
      date: new Date().toISOString(),
    };
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'summary.json'), JSON.stringify({ results, paired, missOrigins, machine, args }, null, 2) + '\n');
    await writeFile(path.join(out, 'summary.md'), `${markdownReport(results, { machine, args })}\n${pairedMarkdown(paired)}\n${missOriginsMarkdown(missOrigins)}`);
    await writeFile(path.join(out, 'accuracy-vs-latency.svg'), accuracyLatencyChart(results, decoder.info.provisional));
    await writeFile(path.join(out, 'records.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    io.log(textTable(results));
    if (paired.length > 0) io.log(`\n${pairedMarkdown(paired)}`);
    if (missOrigins.length > 0) io.log(`\n${missOriginsMarkdown(missOrigins)}`);
    io.log(`\nwrote ${path.join(out, 'summary.json')}, summary.md, accuracy-vs-latency.svg, records.jsonl`);
    if (decoder.info.provisional) io.log('note: provisional (random-init) models: rerun with trained models for real numbers');
  } finally {
    await decoder.close();
  }
}

function ortVersion(): string {
  try {
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
