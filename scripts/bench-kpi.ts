/**
 * npm run bench:kpi [-- --requests 10000000 --days 7 --calls 20 --verify-rows 20000 --keep --out DIR]
 * Results latency over 10M logged requests (rollup rows generated in SQL) plus a rollup-math check
 * on a real request_log sample, on DATABASE_URL (embedded Postgres if unset, joining the one
 * `npm start` runs), in a fresh schema dropped afterwards. Writes DIR/bench-kpi.json (DIR: a
 * scratch folder unless --out is given; the committed run is in experiments/results).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runKpiBench } from './bench/kpi-bench';
import { loadConfig } from '../server/config/config';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';
import { numberArg, outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'bench:kpi',
  usage: `[--requests N] [--days D] [--calls C] [--verify-rows R] [--keep] [--out DIR]
  --requests     logged requests the rollups stand for (default 10000000)
  --days         days of per-minute rollups (default 7)
  --calls        timed results calls per measurement (default 20)
  --verify-rows  request_log rows written through the real writer for the rollup check (default 20000)
  --keep         keep the bench schema instead of dropping it
  --out          results folder (default: a new scratch folder)`,
  options: {
    requests: { type: 'string' },
    days: { type: 'string' },
    calls: { type: 'string' },
    'verify-rows': { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
} as const;

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  const requests = numberArg('requests', values.requests, { integer: true, min: 1 }) ?? 10_000_000;
  const days = numberArg('days', values.days, { integer: true, min: 1, max: 366 }) ?? 7;
  const calls = numberArg('calls', values.calls, { integer: true, min: 1 }) ?? 20;
  const verifyRows = numberArg('verify-rows', values['verify-rows'], { integer: true, min: 1 }) ?? 20_000;
  const out = path.join(outputDir('bench-kpi', values.out), 'bench-kpi.json');
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'bench-kpi' });
  const db = await resolveDatabase(config, logger);
  const started = Date.now();
  try {
    const result = await runKpiBench({
      url: db.url,
      requests,
      days,
      calls,
      verifyRows,
      keep: values.keep,
      logger,
      onProgress: (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    const r = result.results;
    console.log(
      `results over ${result.data.requests.toLocaleString('en')} requests (${result.data.rollupRows.toLocaleString('en')} rollup rows): ` +
        `service uncached median ${r.serviceUncached.medianMs} ms p95 ${r.serviceUncached.p95Ms} ms; cached median ${r.serviceCached.medianMs} ms p95 ${r.serviceCached.p95Ms} ms; ` +
        `HTTP uncached median ${r.httpUncached.medianMs} ms p95 ${r.httpUncached.p95Ms} ms; HTTP cached median ${r.httpCached.medianMs} ms p95 ${r.httpCached.p95Ms} ms; ` +
        `rollup check ${result.verification.ok ? 'OK' : 'MISMATCH'} → ${out}`,
    );
    if (!result.verification.ok) process.exitCode = 1;
  } finally {
    await db.stop();
  }
});
