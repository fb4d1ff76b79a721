/**
 * npm run bench:kpi [-- --requests 10000000 --days 7 --calls 20 --verify-rows 20000 --keep]
 * Results latency over 10M logged requests (rollup rows generated in SQL) plus a rollup-math check
 * on a real request_log sample, on DATABASE_URL (embedded Postgres if unset), in a fresh schema
 * dropped afterwards. Writes experiments/results/bench-kpi.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runKpiBench } from './bench/kpi-bench';
import { loadConfig } from '../server/config/config';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '10000000' },
      days: { type: 'string', default: '7' },
      calls: { type: 'string', default: '20' },
      'verify-rows': { type: 'string', default: '20000' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join('experiments', 'results', 'bench-kpi.json') },
    },
  });
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'bench-kpi' });
  const db = await resolveDatabase(config, logger);
  const started = Date.now();
  try {
    const result = await runKpiBench({
      url: db.url,
      requests: Number(values.requests),
      days: Number(values.days),
      calls: Number(values.calls),
      verifyRows: Number(values['verify-rows']),
      keep: values.keep,
      logger,
      onProgress: (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
    });
    fs.mkdirSync(path.dirname(values.out), { recursive: true });
    fs.writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    const r = result.results;
    console.log(
      `results over ${result.data.requests.toLocaleString('en')} requests (${result.data.rollupRows.toLocaleString('en')} rollup rows): ` +
        `service uncached median ${r.serviceUncached.medianMs} ms p95 ${r.serviceUncached.p95Ms} ms; cached median ${r.serviceCached.medianMs} ms p95 ${r.serviceCached.p95Ms} ms; ` +
        `HTTP uncached median ${r.httpUncached.medianMs} ms p95 ${r.httpUncached.p95Ms} ms; HTTP cached median ${r.httpCached.medianMs} ms p95 ${r.httpCached.p95Ms} ms; ` +
        `rollup check ${result.verification.ok ? 'OK' : 'MISMATCH'} → ${values.out}`,
    );
    if (!result.verification.ok) process.exitCode = 1;
  } finally {
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
