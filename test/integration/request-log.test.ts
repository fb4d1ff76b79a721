import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createMetrics } from '../../server/telemetry/metrics';
import { createRequestLogRepository, type RequestLogRepository } from '../../server/telemetry/request-log-repository';
import { createRequestLogWriter, type RequestLogWriter } from '../../server/telemetry/request-log-writer';
import { createSpool } from '../../server/telemetry/spool';
import { makeRequestLogRow } from '../support/request-log-fixtures';
import { countRows, rollupVsLog } from '../support/request-log-assertions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const logger = pino({ level: 'silent' });

describe('request-log writer (Postgres)', () => {
  let db: TestDatabase;
  let repo: RequestLogRepository;
  let spoolDir: string;
  let writer: RequestLogWriter;
  const metrics = createMetrics();

  beforeAll(async () => {
    db = await createTestDatabase('request_log');
    repo = createRequestLogRepository({ pool: db.pool });
    spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const spool = await createSpool({ dir: spoolDir, logger });
    // A long interval: flushes happen on batch size or explicit flush(), so counts are deterministic.
    writer = createRequestLogWriter({ pool: db.pool, logger, spool, batchMaxRows: 500, flushIntervalMs: 60_000, metrics, feedbackSweepMs: 60_000 });
  });
  afterAll(async () => {
    await writer.close();
    await db.drop();
    fs.rmSync(spoolDir, { recursive: true, force: true });
  });

  it('writes N rows in few batch transactions and round-trips every field', async () => {
    const before = writer.stats().flushes;
    for (let i = 0; i < 2000; i += 1) writer.write(makeRequestLogRow(i));
    await writer.flush();
    expect(await countRows(db.pool)).toBe(2000);
    expect(writer.stats().flushes - before).toBe(4); // 2000 rows / 500 per batch
    expect(writer.stats().rowsWritten).toBe(2000);
    const r = makeRequestLogRow(97);
    expect(await repo.findByRequestId(r.requestId)).toEqual({
      ...r,
      latencyMs: expect.closeTo(r.latencyMs, 3),
      decodeMs: expect.closeTo(r.decodeMs!, 3),
      draftMs: expect.closeTo(r.draftMs, 3),
      targetMs: expect.closeTo(r.targetMs, 3),
      prmMs: expect.closeTo(r.prmMs, 3),
      draftAcceptance: expect.closeTo(r.draftAcceptance!, 5),
    });
    expect(await repo.findByRequestId('nope')).toBeNull();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/request_log_rows_written_total 2000/);
  });

  it('is idempotent on requestId: the same row twice is one row, counted once in the rollup', async () => {
    const row = makeRequestLogRow(5000);
    writer.write(row);
    writer.write(row);
    await writer.flush();
    writer.write({ ...row, latencyMs: 1 });
    await writer.flush();
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM request_log WHERE request_id = $1', [row.requestId]);
    expect(rows[0].n).toBe(1);
    const { mismatches } = await rollupVsLog(db.pool);
    expect(mismatches).toEqual([]);
  });

  it('applies feedback sent before the row arrives, and after', async () => {
    const early = makeRequestLogRow(6000, { correct: null, gradingSource: 'none', reference: null });
    const late = makeRequestLogRow(6001, { correct: null, gradingSource: 'none', reference: null });
    const regraded = makeRequestLogRow(6002, { correct: true, gradingSource: 'reference' });

    expect(await repo.recordFeedback(early.requestId, true)).toEqual({ applied: false });
    writer.write(early);
    writer.write(late);
    writer.write(regraded);
    await writer.flush();
    expect(await repo.recordFeedback(late.requestId, false)).toEqual({ applied: true });
    expect(await repo.recordFeedback(regraded.requestId, false)).toEqual({ applied: true });

    expect(await repo.findByRequestId(early.requestId)).toMatchObject({ correct: true, gradingSource: 'feedback' });
    expect(await repo.findByRequestId(late.requestId)).toMatchObject({ correct: false, gradingSource: 'feedback' });
    expect(await repo.findByRequestId(regraded.requestId)).toMatchObject({ correct: false, gradingSource: 'feedback' });
    expect(await repo.countPendingFeedback()).toBe(0);
    const { mismatches } = await rollupVsLog(db.pool);
    expect(mismatches).toEqual([]);
  });

  it('keeps request_rollup equal to request_log aggregates across batches, minutes and arms', async () => {
    for (let i = 10_000; i < 13_000; i += 1) writer.write(makeRequestLogRow(i, { stage: i % 2, experiment: i % 3 === 0 ? 'exp-b' : 'exp-a' }));
    await writer.flush();
    const { rollup, mismatches } = await rollupVsLog(db.pool);
    expect(rollup.length).toBeGreaterThan(10);
    expect(mismatches).toEqual([]);
  });

  it('never throws from write(); a row Postgres rejects is dead-lettered without blocking its batch', async () => {
    const before = await countRows(db.pool);
    expect(() => writer.write({ requestId: 'bad' } as never)).not.toThrow();
    for (let i = 20_000; i < 20_010; i += 1) writer.write(makeRequestLogRow(i));
    await writer.flush();
    expect(await countRows(db.pool)).toBe(before + 10);
    expect(writer.stats()).toMatchObject({ rowsDeadLettered: 1, mode: 'direct', spooledOnDisk: 0 });
    expect(fs.readFileSync(path.join(spoolDir, 'dead-letter.ndjson'), 'utf8')).toContain('"requestId":"bad"');
  });
});
