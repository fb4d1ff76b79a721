/**
 * npm run traffic -- [--rps R] [--duration S] [--problems FILE] [--url URL] [--key KEY] [--experiment KEY] [--max N] [--max-in-flight N] [--out DIR]
 * Real /v1/solve requests with references, open loop, bounded in count and time; per-variant
 * summary, and DIR/traffic.json (DIR: a scratch folder unless --out is given).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config';
import { CliError, numberArg, outputDir, parseCli, runCli } from './lib/cli';
import { formatSummary, loadProblems, runTraffic } from './traffic-runner';

const spec = {
  name: 'traffic',
  usage: `[--rps R] [--duration S] [--problems FILE] [--url URL] [--key KEY] [--experiment KEY] [--max N] [--max-in-flight N] [--out DIR]
  --rps            requests per second (default 2)
  --duration       seconds (default 30)
  --problems       questions with reference answers (default experiments/test.jsonl)
  --url            the API (default http://HOST:PORT, 127.0.0.1:3000)
  --key            service API key (default SERVICE_API_KEY, or the development key)
  --experiment     experiment key (default: the API's most recently created running experiment)
  --max            stop after N requests
  --max-in-flight  requests outstanding before the client skips a beat (default 256)
  --out            results folder (default: a new scratch folder)`,
  options: {
    rps: { type: 'string' },
    duration: { type: 'string' },
    problems: { type: 'string', default: 'experiments/test.jsonl' },
    url: { type: 'string' },
    key: { type: 'string' },
    experiment: { type: 'string' },
    max: { type: 'string' },
    'max-in-flight': { type: 'string' },
    out: { type: 'string' },
  },
} as const;

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  const rps = numberArg('rps', values.rps, { min: 0.01, max: 100_000 }) ?? 2;
  const duration = numberArg('duration', values.duration, { min: 0.01 }) ?? 30;
  const max = numberArg('max', values.max, { integer: true, min: 1 });
  const maxInFlight = numberArg('max-in-flight', values['max-in-flight'], { integer: true, min: 1 }) ?? 256;
  const config = loadConfig();
  const url = values.url ?? `http://${config.http.host}:${config.http.port}`;
  const key = values.key ?? config.apiKeys.service;
  if (!key) throw new CliError('--key (or SERVICE_API_KEY) is required');
  let problems;
  try {
    problems = loadProblems(values.problems);
  } catch (err) {
    throw new CliError(`--problems: ${(err as Error).message}`);
  }
  const report = await runTraffic({
    url,
    key,
    rps,
    durationS: duration,
    maxRequests: max,
    maxInFlight,
    problems,
    experiment: values.experiment,
    onProgress: (p) =>
      process.stderr.write(`\r${p.elapsedS.toFixed(0).padStart(4)} s  sent ${p.sent}  done ${p.completed}  failed ${p.failed}  in flight ${p.inFlight}   `),
  });
  process.stderr.write('\n');
  console.log(formatSummary(report));
  const out = path.join(outputDir('traffic', values.out), 'traffic.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), url, rps, ...report }, null, 2)}\n`);
  console.log(`wrote ${out}`);
  if (report.completed === 0) {
    const refused = Object.keys(report.byStatus).includes('0');
    throw new Error(refused ? `no request was answered: is the API running at ${url}? (npm start, or npm run serve)` : 'no request was answered (see the HTTP statuses above)');
  }
});
