/**
 * npm run bench:logging [-- --rows 1000000 --batch 5000 --concurrency 2 --keep --out DIR]
 * Request-log write throughput through the real writer, on DATABASE_URL (embedded Postgres if
 * unset, joining the one `npm start` runs), in a fresh schema that is dropped afterwards. Writes
 * DIR/bench-logging.json (DIR: a scratch folder unless --out is given; the committed run is in
 * experiments/results).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config/config';
import { resolveDatabase } from '../server/db/resolve-database';
import { createLogger } from '../server/observability/logger';
import { runLoggingBench } from './bench/logging-bench';
import { createPriceTable } from '../server/telemetry/pricing';
import { numberArg, outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'bench:logging',
  usage: `[--rows N] [--batch B] [--concurrency C] [--keep] [--out DIR]
  --rows         rows to write (default 1000000)
  --batch        rows per COPY batch (default LOG_BATCH_MAX_ROWS, 5000)
  --concurrency  batches in flight (default 2)
  --keep         keep the bench schema instead of dropping it
  --out          results folder (default: a new scratch folder)`,
  options: { rows: { type: 'string' }, batch: { type: 'string' }, concurrency: { type: 'string' }, keep: { type: 'boolean', default: false }, out: { type: 'string' } },
} as const;

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  const rows = numberArg('rows', values.rows, { integer: true, min: 1 }) ?? 1_000_000;
  const batch = numberArg('batch', values.batch, { integer: true, min: 1 });
  const concurrency = numberArg('concurrency', values.concurrency, { integer: true, min: 1, max: 64 }) ?? 2;
  const out = path.join(outputDir('bench-logging', values.out), 'bench-logging.json');
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'bench-logging' });
  const db = await resolveDatabase(config, logger);
  try {
    const prices = createPriceTable({ modelsDir: config.decoding.modelsDir, prices: config.prices });
    const result = await runLoggingBench({
      url: db.url,
      rows,
      batchMaxRows: batch ?? config.requestLog.batchMaxRows,
      flushIntervalMs: config.requestLog.flushIntervalMs,
      concurrency,
      prices,
      logger,
      keep: values.keep,
      onProgress: (p) => process.stderr.write(`\r${p.rows.toLocaleString('en')} rows  ${p.elapsedS.toFixed(1)} s  ${Math.round(p.rowsPerS).toLocaleString('en')} rows/s   `),
    });
    process.stderr.write('\n');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`${result.rowsCounted.toLocaleString('en')} rows in ${result.wallSeconds} s: ${result.rowsPerSecond.toLocaleString('en')} rows/s (batch ${result.batchMaxRows}, ${result.concurrency} in flight, synchronous_commit=${result.synchronousCommit}) → ${out}`);
  } finally {
    await db.stop();
  }
});
