import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import pino from 'pino';
import type { RequestLogRow } from '../../server/telemetry/request-log-row';
import { createRequestLogWriter } from '../../server/telemetry/request-log-writer';
import { createSpool } from '../../server/telemetry/spool';

/**
 * Writes request rows through the real request-log writer (batches, COPY, the rollups from
 * the same rows in the same transaction). Seeders never write request_rollup themselves, so
 * test data obeys the same outcome model as production.
 */
export async function writeRequests(pool: Pool, rows: readonly RequestLogRow[]): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'seed-spool-'));
  const logger = pino({ level: 'silent' });
  try {
    const spool = await createSpool({ dir, logger });
    const writer = createRequestLogWriter({ pool, logger, spool, batchMaxRows: 5000, flushIntervalMs: 60_000, feedbackSweepMs: 60_000 });
    for (const row of rows) writer.write(row);
    await writer.close();
    if (spool.rowCount() > 0) throw new Error(`${spool.rowCount()} seeded rows are stuck in the spool`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
