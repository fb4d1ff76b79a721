/**
 * npm run traffic -- --rps R --duration S --problems FILE [--url URL] [--key KEY] [--experiment KEY] [--max N] [--out FILE.json]
 * Real /v1/solve requests with references, open loop, bounded in count and time; per-variant summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config';
import { formatSummary, loadProblems, runTraffic } from './traffic-runner';

async function main(): Promise<void> {
  const config = loadConfig();
  const { values } = parseArgs({
    options: {
      rps: { type: 'string', default: '2' },
      duration: { type: 'string', default: '30' },
      problems: { type: 'string', default: 'experiments/test.jsonl' },
      url: { type: 'string', default: `http://${config.http.host}:${config.http.port}` },
      key: { type: 'string', default: config.apiKeys.service ?? '' },
      experiment: { type: 'string' },
      max: { type: 'string' },
      'max-in-flight': { type: 'string', default: '256' },
      out: { type: 'string' },
    },
  });
  if (!values.key) throw new Error('--key (or SERVICE_API_KEY) is required');
  const problems = loadProblems(values.problems);
  const report = await runTraffic({
    url: values.url,
    key: values.key,
    rps: Number(values.rps),
    durationS: Number(values.duration),
    maxRequests: values.max ? Number(values.max) : undefined,
    maxInFlight: Number(values['max-in-flight']),
    problems,
    experiment: values.experiment,
    onProgress: (p) =>
      process.stderr.write(`\r${p.elapsedS.toFixed(0).padStart(4)} s  sent ${p.sent}  done ${p.completed}  failed ${p.failed}  in flight ${p.inFlight}   `),
  });
  process.stderr.write('\n');
  console.log(formatSummary(report));
  if (values.out) {
    mkdirSync(path.dirname(values.out), { recursive: true });
    writeFileSync(values.out, JSON.stringify({ at: new Date().toISOString(), url: values.url, rps: Number(values.rps), ...report }, null, 2));
    console.log(`wrote ${values.out}`);
  }
  if (report.completed === 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
