import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { pgConfigFromUrl } from '../../server/db/pg-config';
import { createRequestLogWriter } from '../../server/telemetry/request-log-writer';
import { createSpool } from '../../server/telemetry/spool';
import { makeRequestLogRow } from '../support/request-log-fixtures';
import { countRows, rollupVsLog } from '../support/request-log-assertions';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const logger = pino({ level: 'silent' });

/** Awaits `cond` by polling on writer.flush(); bounded by attempts, not by time. */
async function eventually(step: () => Promise<void>, cond: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i += 1) {
    if (await cond()) return;
    await step();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached');
}

describe('request-log writer: database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let spoolDir: string;
  let proxiedPool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('request_log_recovery');
    const u = new URL(db.url);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    u.port = String(proxy.port);
    proxiedPool = new pg.Pool(pgConfigFromUrl(u.toString(), db.schema, { max: 4, connectionTimeoutMillis: 2000 }));
    proxiedPool.on('error', () => undefined);
    spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
  });
  afterAll(async () => {
    await proxiedPool.end().catch(() => undefined);
    await proxy.close();
    await db.drop();
    fs.rmSync(spoolDir, { recursive: true, force: true });
  });

  it('spools rows while Postgres is unreachable and writes each exactly once after it returns, across a restart', async () => {
    const opts = { pool: proxiedPool, logger, batchMaxRows: 100, flushIntervalMs: 60_000, retryBaseMs: 10, retryMaxMs: 50, feedbackSweepMs: 60_000 };
    let writer = createRequestLogWriter({ ...opts, spool: await createSpool({ dir: spoolDir, logger }) });

    // Up: 250 rows committed directly.
    for (let i = 0; i < 250; i += 1) writer.write(makeRequestLogRow(i));
    await writer.flush();
    expect(await countRows(db.pool)).toBe(250);

    // Down: rows go to the spool on disk, none to the table, and write() never throws.
    await proxy.stop();
    for (let i = 250; i < 1000; i += 1) writer.write(makeRequestLogRow(i));
    await writer.flush();
    // Duplicates of committed and of spooled rows, to prove exactly-once on replay.
    for (let i = 200; i < 300; i += 1) writer.write(makeRequestLogRow(i));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ mode: 'spooling', buffered: 0 });
    expect(writer.stats().spooledOnDisk).toBeGreaterThanOrEqual(850);
    expect(fs.readdirSync(spoolDir).some((f) => f.startsWith('seg-'))).toBe(true);
    expect(await countRows(db.pool)).toBe(250);

    // Feedback for a spooled row arrives while it is not in the table yet.
    const fb = await db.pool.query('INSERT INTO feedback (request_id, correct) VALUES ($1, true) RETURNING id', ['req-600']);
    expect(fb.rowCount).toBe(1);

    // Process restarts while still down: close keeps the rows in the spool.
    await writer.close();
    expect(await countRows(db.pool)).toBe(250);
    for (let i = 1000; i < 1100; i += 1) writer.write(makeRequestLogRow(i)); // after close: dropped and logged, not thrown

    // New process, database back: the spool is replayed on start.
    await proxy.start();
    writer = createRequestLogWriter({ ...opts, spool: await createSpool({ dir: spoolDir, logger }) });
    for (let i = 1000; i < 1100; i += 1) writer.write(makeRequestLogRow(i));
    await eventually(
      () => writer.flush(),
      async () => writer.stats().mode === 'direct' && (await countRows(db.pool)) === 1100,
    );
    await writer.flush();
    expect(await countRows(db.pool)).toBe(1100);
    expect(writer.stats().spooledOnDisk).toBe(0);
    expect(fs.readdirSync(spoolDir).filter((f) => f.startsWith('seg-'))).toEqual([]);
    const { rows } = await db.pool.query("SELECT correct, grading_source FROM request_log WHERE request_id = 'req-600'");
    expect(rows[0]).toEqual({ correct: true, grading_source: 'feedback' });
    const { mismatches } = await rollupVsLog(db.pool);
    expect(mismatches).toEqual([]);
    await writer.close();
  });
});
