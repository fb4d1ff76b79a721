import type { Pool } from 'pg';
import { createRequestLogRepository } from '../../server/telemetry/request-log-repository';
import type { RequestLogRow } from '../../server/telemetry/request-log-row';

/**
 * Writes request rows the way the writer does (request-log repository: COPY into request_log
 * and the rollups from the same rows, one transaction per chunk). Seeders never write
 * request_rollup themselves, so test data obeys the same outcome model as production.
 */
export async function writeRequests(pool: Pool, rows: readonly RequestLogRow[], chunk = 5000): Promise<void> {
  const repo = createRequestLogRepository({ pool });
  for (let i = 0; i < rows.length; i += chunk) await repo.insertBatch(rows.slice(i, i + chunk));
}
