import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import pino from 'pino';
import { createRequestLogWriter } from './request-log-writer';
import type { RequestLogRepository } from './request-log-repository';
import type { RequestLogRow } from './request-log-row';
import { createSpool } from './spool';

const row = (id: string) => ({ requestId: id, receivedAt: new Date('2025-01-01T00:00:00Z'), startedAt: null, finishedAt: null }) as unknown as RequestLogRow;

/** A repository that fails its first `failures` inserts (the database is down), then stores rows. */
function flakyRepository(failures: number): RequestLogRepository & { stored: Set<string>; calls: number } {
  const stored = new Set<string>();
  const repo = {
    stored,
    calls: 0,
    async insertBatch(rows: readonly RequestLogRow[]) {
      repo.calls += 1;
      if (repo.calls <= failures) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      let inserted = 0;
      for (const r of rows) if (!stored.has(r.requestId) && stored.add(r.requestId)) inserted += 1;
      return { inserted, feedbackUsed: 0 };
    },
    applyPendingFeedback: async () => 0,
    recordFeedback: async () => ({ applied: false }),
    findByRequestId: async () => null,
    countPendingFeedback: async () => 0,
    expirePendingFeedback: async () => 0,
  };
  return repo;
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('request-log writer recovery (logic, with a fake repository)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'writer-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2, 5])('keeps replaying the spool after %d failed attempts, until every row is written, without a restart', async (failures) => {
    const repo = flakyRepository(failures);
    const logger = pino({ level: 'silent' });
    const spool = await createSpool({ dir, logger });
    const writer = createRequestLogWriter({
      pool: { on: () => undefined } as unknown as Pool,
      logger,
      spool,
      repository: repo,
      batchMaxRows: 10,
      flushIntervalMs: 20,
      retryBaseMs: 5,
      retryMaxMs: 20,
    });
    for (let i = 0; i < 100; i++) writer.write(row(`r${i}`));
    // No flush(): the writer must recover on its own once the database answers again.
    await until(() => repo.stored.size === 100);
    await until(() => writer.stats().mode === 'direct');
    expect(spool.rowCount()).toBe(0);
    await writer.close();
  });
});
