/**
 * npm run bench:logging [-- --rows 1000000 --batch 5000 --concurrency 2 --keep]
 * Request-log write throughput through the real writer, on DATABASE_URL (embedded Postgres if
 * unset), in a fresh schema that is dropped afterwards. Writes experiments/results/bench-logging.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/config';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';
import { runLoggingBench } from '../server/telemetry/bench/bench-logging';
import { createPriceTable } from '../server/telemetry/pricing';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      batch: { type: 'string' },
      concurrency: { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join('experiments', 'results', 'bench-logging.json') },
    },
  });
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'bench-logging' });
  const db = await resolveDatabase(config, logger);
  try {
    const prices = createPriceTable({ modelsDir: config.decoding.modelsDir, prices: config.prices });
    const result = await runLoggingBench({
      url: db.url,
      rows: Number(values.rows),
      batchMaxRows: Number(values.batch ?? config.requestLog.batchMaxRows),
      flushIntervalMs: config.requestLog.flushIntervalMs,
      concurrency: Number(values.concurrency),
      prices,
      logger,
      keep: values.keep,
      onProgress: (p) => process.stderr.write(`\r${p.rows.toLocaleString('en')} rows  ${p.elapsedS.toFixed(1)} s  ${Math.round(p.rowsPerS).toLocaleString('en')} rows/s   `),
    });
    process.stderr.write('\n');
    fs.mkdirSync(path.dirname(values.out), { recursive: true });
    fs.writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`${result.rowsCounted.toLocaleString('en')} rows in ${result.wallSeconds} s: ${result.rowsPerSecond.toLocaleString('en')} rows/s (batch ${result.batchMaxRows}, ${result.concurrency} in flight, synchronous_commit=${result.synchronousCommit}) → ${values.out}`);
  } finally {
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
