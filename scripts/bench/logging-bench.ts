import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../../server/observability/logger';
import { applyMigrations } from '../../server/db/migrate';
import { pgConfigFromUrl } from '../../server/db/pg-config';
import { createMetrics } from '../../server/telemetry/metrics';
import { computeCostUsd, type PriceTable } from '../../server/telemetry/pricing';
import type { RequestLogRow } from '../../server/telemetry/request-log-row';
import { createRequestLogWriter } from '../../server/telemetry/request-log-writer';
import { createSpool } from '../../server/telemetry/spool';

export interface BenchLoggingOptions {
  url: string;
  rows: number;
  batchMaxRows: number;
  flushIntervalMs: number;
  concurrency: number;
  prices: PriceTable;
  logger: Logger;
  /** Keep the bench schema afterwards (default: dropped). */
  keep?: boolean;
  onProgress?: (p: { rows: number; elapsedS: number; rowsPerS: number }) => void;
}

export interface BenchLoggingResult {
  rows: number;
  rowsCounted: number;
  wallSeconds: number;
  rowsPerSecond: number;
  flushes: number;
  batchMaxRows: number;
  concurrency: number;
  synchronousCommit: string;
  postgres: string;
  cpus: number;
  schema: string;
  at: string;
}

// The app computes unit hashes on the request path; the bench takes them from a table so that
// it measures the logging path, not sha1.
const UNIT_HASHES = Array.from({ length: 50_000 }, (_, i) => crypto.createHash('sha1').update(String(i)).digest('hex').slice(0, 16));

/** Deterministic, realistic request: both arms, a stage, errors, grading, token mixes. */
export function benchRow(i: number, prices: PriceTable, t0: number): RequestLogRow {
  const specs = (i * 2654435761) % 10 < 5;
  const h = (i * 40503) % 65536;
  const latency = specs ? 180 + (h % 900) : 260 + (h % 1400);
  const draftTokens = specs ? 90 + (h % 120) : 0;
  const targetTokens = specs ? 20 + (h % 40) : 120 + (h % 160);
  const prmTokens = 30 + (h % 60);
  const receivedAt = new Date(t0 + i * 1.2); // ~830 requests/s of traffic: minutes of rollup buckets
  const status = h % 211 === 0 ? 'error' : 'ok';
  const graded = status === 'ok' && h % 4 !== 0;
  return {
    requestId: `bench-${i}`,
    experiment: 'specs-vs-beam',
    stage: 1,
    variant: specs ? 'specs' : 'baseline',
    strategy: specs ? 'specs' : 'beam',
    unitHash: UNIT_HASHES[i % UNIT_HASHES.length]!,
    receivedAt,
    startedAt: new Date(receivedAt.getTime() + 3),
    finishedAt: new Date(receivedAt.getTime() + latency),
    queueWaitMs: 3 + (h % 7),
    decodeMs: latency - 5,
    latencyMs: latency,
    draftTokens,
    targetTokens,
    prmTokens,
    draftMs: specs ? latency * 0.35 : 0,
    targetMs: latency * (specs ? 0.45 : 0.8),
    prmMs: latency * 0.12,
    modelCalls: 8 + (h % 24),
    targetFallbacks: specs ? h % 4 : null,
    draftAcceptance: specs ? 0.55 + (h % 40) / 100 : null,
    costUsd: computeCostUsd(prices, { draftTokens, targetTokens, prmTokens }),
    prmScore: (h % 1000) / 1000,
    answer: h % 1000,
    reference: h % 1000,
    correct: graded ? h % 9 !== 0 : null,
    gradingSource: graded ? 'reference' : 'none',
    error: status === 'error' ? 'decode failed: step limit' : null,
    status,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sustained throughput of the real writer path: write() → batched COPY → INSERT … SELECT with
 * rollup, into a fresh migrated schema, measured as the count(*) delta over wall time.
 * synchronous_commit stays at the server default (on): every batch is durable when counted.
 */
export async function runLoggingBench(o: BenchLoggingOptions): Promise<BenchLoggingResult> {
  const schema = `bench_logging_${crypto.randomBytes(4).toString('hex')}`;
  await applyMigrations({ url: o.url, schema, logger: o.logger });
  const pool = new pg.Pool(pgConfigFromUrl(o.url, schema, { max: o.concurrency + 2 }));
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-spool-'));
  try {
    const info = await pool.query<{ v: string; sc: string }>("SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc");
    const spool = await createSpool({ dir: spoolDir, logger: o.logger });
    const writer = createRequestLogWriter({
      pool,
      logger: o.logger,
      spool,
      batchMaxRows: o.batchMaxRows,
      flushIntervalMs: o.flushIntervalMs,
      concurrency: o.concurrency,
      metrics: createMetrics(),
      maxBufferedRows: Math.max(o.rows, o.batchMaxRows * 20),
    });
    const count = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM request_log')).rows[0]!.n;
    const before = await count();
    const t0 = Date.UTC(2025, 5, 1);
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    let lastReport = 0;
    const highWater = o.batchMaxRows * (o.concurrency + 1);
    for (let i = 0; i < o.rows; i += 1) {
      writer.write(benchRow(i, o.prices, t0));
      if ((i & 1023) === 0) {
        while (writer.stats().buffered >= highWater) await sleep(1);
        const e = elapsed();
        if (o.onProgress && e - lastReport >= 1) {
          lastReport = e;
          const written = writer.stats().rowsWritten;
          o.onProgress({ rows: written, elapsedS: e, rowsPerS: written / e });
        }
      }
    }
    await writer.flush();
    const wall = elapsed();
    const after = await count();
    const stats = writer.stats();
    await writer.close();
    if (stats.spooledOnDisk > 0 || stats.rowsDeadLettered > 0) throw new Error(`bench rows left the direct path: ${JSON.stringify(stats)}`);
    const counted = after - before;
    return {
      rows: o.rows,
      rowsCounted: counted,
      wallSeconds: Number(wall.toFixed(3)),
      rowsPerSecond: Math.round(counted / wall),
      flushes: stats.flushes,
      batchMaxRows: o.batchMaxRows,
      concurrency: o.concurrency,
      synchronousCommit: info.rows[0]!.sc,
      postgres: info.rows[0]!.v,
      cpus: os.cpus().length,
      schema,
      at: new Date().toISOString(),
    };
  } finally {
    await pool.end();
    fs.rmSync(spoolDir, { recursive: true, force: true });
    if (!o.keep) {
      const c = new pg.Client(pgConfigFromUrl(o.url));
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
    }
  }
}
