import type { Pool } from 'pg';
import type { Logger } from '../observability/logger';
import type { Metrics } from './metrics';
import { createRequestLogRepository, type InsertBatchResult, type RequestLogRepository } from './request-log-repository';
import type { RequestLogRow } from './request-log-row';
import type { Journal } from './journal';
import type { Spool } from './spool';
import type { Clock } from '../vocabulary';


export interface RequestLogWriterOptions {
  pool: Pool;
  logger: Logger;
  spool: Spool;
  /** Rows per COPY batch. */
  batchMaxRows: number;
  /** Max time a row waits in memory before its batch is flushed. */
  flushIntervalMs: number;
  clock?: Clock;
  metrics?: Metrics;
  /** Batches in flight at once (default 2: COPY of one overlaps the insert of the other). */
  concurrency?: number;
  /** Rows held in memory beyond which they go to the spool instead (default 20 batches). */
  maxBufferedRows?: number;
  /** Retry backoff after a failed flush: base, doubled per failure, capped (default 100 ms … 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often feedback that raced with a batch is swept up (default 5 s). */
  feedbackSweepMs?: number;
  /** Pending labels older than this are dropped (default 24 h). */
  pendingFeedbackTtlMs?: number;
  /** Injected for tests; defaults to the SQL repository on `pool`. */
  repository?: RequestLogRepository;
  /** Write-ahead journal: rows survive the process dying before their batch commits. */
  journal?: Journal;
}

export interface RequestLogWriterStats {
  /** Successful batch transactions (each: one COPY + one INSERT…SELECT + rollup). */
  flushes: number;
  failedFlushes: number;
  rowsWritten: number;
  rowsAccepted: number;
  rowsSpooled: number;
  /** Rows Postgres rejected as invalid, kept in the spool's dead-letter file. */
  rowsDeadLettered: number;
  buffered: number;
  inFlight: number;
  spooledOnDisk: number;
  mode: 'direct' | 'spooling';
}

export interface RequestLogWriter {
  /** Queues a row; never throws and never waits on the database. */
  write(row: RequestLogRow): void;
  /**
   * Writes everything accepted so far: to Postgres, or, if it is unreachable, to the spool (then
   * one replay attempt). Resolves when done; rejects only on a spool (disk) failure.
   */
  flush(): Promise<void>;
  /** flush(), then stop timers and close the spool. Rows that could not be committed stay spooled. */
  close(): Promise<void>;
  stats(): RequestLogWriterStats;
}

/**
 * Batched, off-request-path writer for `request_log`.
 *
 * Direct mode: rows collect in memory and are flushed every `flushIntervalMs` or every
 * `batchMaxRows` rows, up to `concurrency` batches at once, through one transaction each
 * (COPY → staging → INSERT … ON CONFLICT DO NOTHING + rollup). A failed batch is appended to the
 * spool and the writer switches to spooling mode: new rows go to the spool at each tick (not RAM),
 * and the spool is replayed oldest segment first with capped exponential backoff. Once empty,
 * the writer returns to direct mode. On start, a non-empty spool (previous run) is replayed.
 * Replays are idempotent on request_id, so a crash between commit and segment deletion only
 * re-sends rows that are then ignored.
 */
export function createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter {
  const { logger, spool, metrics } = options;
  const log = logger.child({ component: 'request-log-writer' });
  const clock = options.clock ?? Date.now;
  const repo = options.repository ?? createRequestLogRepository({ pool: options.pool });
  const batchMax = Math.max(1, options.batchMaxRows);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const maxBuffered = options.maxBufferedRows ?? batchMax * 20;
  const retryBase = options.retryBaseMs ?? 100;
  const retryMax = options.retryMaxMs ?? 30_000;

  let buffer: RequestLogRow[] = [];
  const journal = options.journal;
  // Journal segment of each row still to settle (rows are objects the writer owns until then).
  const segmentOf = new WeakMap<RequestLogRow, number>();
  /** Rows committed or durably spooled: the journal may forget them. */
  const settle = (rows: readonly RequestLogRow[]) => {
    if (!journal) return;
    const counts = new Map<number, number>();
    for (const r of rows) {
      const seg = segmentOf.get(r);
      if (seg === undefined) continue;
      segmentOf.delete(r);
      counts.set(seg, (counts.get(seg) ?? 0) + 1);
    }
    for (const [seg, n] of counts) journal.settle(seg, n);
  };
  let mode: 'direct' | 'spooling' = spool.rowCount() > 0 ? 'spooling' : 'direct';
  let closed = false;
  let inFlight = 0;
  const inFlightDone = new Set<Promise<void>>();
  let failures = 0;
  let replaying: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let spoolChain: Promise<void> = Promise.resolve();
  const s = { flushes: 0, failedFlushes: 0, rowsWritten: 0, rowsAccepted: 0, rowsSpooled: 0, rowsDeadLettered: 0 };

  /**
   * insertBatch, isolating rows Postgres rejects as invalid (SQLSTATE classes 22 and 23: data
   * exceptions, constraint violations) by bisection and dead-lettering them, so one bad row cannot
   * block its batch, or the spool, forever. Connection and server errors propagate (→ retry).
   */
  const insertResilient = async (rows: RequestLogRow[]): Promise<InsertBatchResult> => {
    try {
      return await repo.insertBatch(rows);
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      if (!/^2[23]/.test(code)) throw err;
      if (rows.length === 1) {
        log.error({ err: (err as Error).message, requestId: rows[0]!.requestId }, 'request log: row rejected, dead-lettered');
        await spool.deadLetter(rows, `${code} ${(err as Error).message}`);
        s.rowsDeadLettered += 1;
        return { inserted: 0, feedbackUsed: 0 };
      }
      const mid = Math.ceil(rows.length / 2);
      const a = await insertResilient(rows.slice(0, mid));
      const b = await insertResilient(rows.slice(mid));
      return { inserted: a.inserted + b.inserted, feedbackUsed: a.feedbackUsed + b.feedbackUsed };
    }
  };

  // Idle connections that drop (database restart) emit 'error' on the pool: an unhandled
  // 'error' event would take the process down, while the next flush simply fails and retries.
  options.pool.on('error', (err) => log.warn({ err: err.message }, 'request log: idle connection error'));

  const updateSpoolGauge = () => metrics?.requestLogSpooledRows.set(spool.rowCount());
  updateSpoolGauge();

  /** Appends rows to the spool, in order; on disk failure the rows go back to memory. */
  const toSpool = (rows: RequestLogRow[]): Promise<void> => {
    if (rows.length === 0) return spoolChain;
    const run = spoolChain.then(async () => {
      try {
        await spool.append(rows);
        s.rowsSpooled += rows.length;
        settle(rows);
        updateSpoolGauge();
      } catch (err) {
        log.error({ err, rows: rows.length }, 'request-log spool append failed: rows kept in memory');
        buffer = rows.concat(buffer);
        throw err;
      }
    });
    spoolChain = run.catch(() => undefined);
    return run;
  };

  const enterSpooling = (err: unknown) => {
    if (mode === 'direct') log.warn({ err }, 'request log: database write failed, spooling rows to disk until it recovers');
    mode = 'spooling';
    scheduleReplay();
  };

  const runBatch = (rows: RequestLogRow[]): Promise<void> => {
    inFlight += 1;
    const started = clock();
    const p = insertResilient(rows)
      .then((res) => {
        settle(rows);
        s.flushes += 1;
        s.rowsWritten += res.inserted;
        failures = 0;
        metrics?.requestLogRowsWritten.inc(res.inserted);
        metrics?.requestLogFlushSeconds.observe((clock() - started) / 1000);
      })
      .catch(async (err) => {
        s.failedFlushes += 1;
        enterSpooling(err);
        await toSpool(rows).catch(() => undefined);
      })
      .finally(() => {
        inFlight -= 1;
        inFlightDone.delete(p);
        pump();
      });
    inFlightDone.add(p);
    return p;
  };

  /** Starts as many batches as allowed; `force` also sends a partial batch. */
  const pump = (force = false) => {
    if (mode === 'spooling') {
      if (force || buffer.length >= batchMax) {
        const rows = buffer;
        buffer = [];
        void toSpool(rows).catch(() => undefined);
      }
      // Belt and braces: while spooling, a replay is always either running or scheduled.
      scheduleReplay();
      return;
    }
    while (inFlight < concurrency && (buffer.length >= batchMax || (force && buffer.length > 0))) {
      const rows = buffer.length > batchMax ? buffer.splice(0, batchMax) : buffer;
      if (rows === buffer) buffer = [];
      void runBatch(rows);
    }
    if (buffer.length > maxBuffered) {
      // Postgres is up but slower than the inflow: keep memory bounded.
      const rows = buffer;
      buffer = [];
      log.warn({ rows: rows.length }, 'request log: backlog over limit, spooling');
      void toSpool(rows).catch(() => undefined);
      mode = 'spooling';
      scheduleReplay();
    }
  };

  const replayOnce = async (): Promise<boolean> => {
    await Promise.all([...inFlightDone]);
    for (;;) {
      // Rows still in memory go to the spool first, so the replay sees everything.
      if (buffer.length > 0) {
        const rows = buffer;
        buffer = [];
        await toSpool(rows);
      }
      await spoolChain;
      const segments = await spool.sealAndList();
      if (segments.length === 0) {
        if (spool.openRowCount() === 0 && buffer.length === 0) {
          mode = 'direct';
          failures = 0;
          log.info('request log: spool drained, writing directly again');
          return true;
        }
        continue;
      }
      for (const seg of segments) {
        const rows = await spool.read(seg);
        for (let i = 0; i < rows.length; i += batchMax) {
          const started = clock();
          const res = await insertResilient(rows.slice(i, i + batchMax));
          s.flushes += 1;
          s.rowsWritten += res.inserted;
          metrics?.requestLogRowsWritten.inc(res.inserted);
          metrics?.requestLogFlushSeconds.observe((clock() - started) / 1000);
        }
        await spool.remove(seg);
        updateSpoolGauge();
      }
    }
  };

  const replay = (): Promise<void> => {
    replaying ??= (async () => {
      let failed = false;
      try {
        await replayOnce();
      } catch (err) {
        failed = true;
        failures += 1;
        s.failedFlushes += 1;
        log.warn({ err: (err as Error).message, failures }, 'request log: spool replay failed, will retry');
      } finally {
        replaying = undefined;
      }
      // Only now: scheduleReplay refuses while a replay is marked running, and a retry
      // scheduled from inside would be dropped, leaving the spool to grow forever.
      if (failed) scheduleReplay();
    })();
    return replaying;
  };

  function scheduleReplay() {
    if (closed || retryTimer || replaying) return;
    const delay = failures === 0 ? 0 : Math.min(retryMax, retryBase * 2 ** Math.min(failures - 1, 30));
    const jittered = delay === 0 ? 0 : delay * (0.8 + Math.random() * 0.4);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (mode === 'spooling') void replay();
    }, jittered);
    retryTimer.unref();
  }

  const tick = setInterval(() => {
    try {
      pump(true);
    } catch (err) {
      log.error({ err }, 'request log: tick failed');
    }
  }, options.flushIntervalMs);
  tick.unref();

  const sweepEvery = options.feedbackSweepMs ?? 5000;
  const pendingTtl = options.pendingFeedbackTtlMs ?? 24 * 3_600_000;
  let sweeps = 0;
  const sweep = setInterval(() => {
    if (mode !== 'direct') return;
    repo.applyPendingFeedback().catch((err) => log.debug({ err }, 'feedback sweep failed'));
    // Labels whose request never arrives must not pile up forever.
    if (++sweeps % 12 === 0) repo.expirePendingFeedback(pendingTtl).catch((err) => log.debug({ err }, 'feedback expiry failed'));
  }, sweepEvery);
  sweep.unref();

  if (mode === 'spooling') scheduleReplay();

  const flush = async (): Promise<void> => {
    if (mode === 'direct') {
      pump(true);
      while (buffer.length > 0 && mode === 'direct') {
        await Promise.race([...inFlightDone]);
        pump(true);
      }
      await Promise.all([...inFlightDone]);
    }
    if (mode === 'spooling') {
      if (retryTimer) {
        clearTimeout(retryTimer);
        retryTimer = undefined;
      }
      await replay();
      if (mode === 'spooling' && buffer.length > 0) {
        const rows = buffer;
        buffer = [];
        await toSpool(rows);
      }
    }
  };

  return {
    write(row) {
      if (closed) {
        log.error({ requestId: row.requestId }, 'request log: write after close, row dropped');
        return;
      }
      s.rowsAccepted += 1;
      if (journal) {
        try {
          segmentOf.set(row, journal.append(row));
        } catch (err) {
          log.error({ err }, 'request log: journal append failed; the row is in memory only');
        }
      }
      buffer.push(row);
      if (buffer.length >= batchMax) {
        try {
          pump();
        } catch (err) {
          log.error({ err }, 'request log: pump failed');
        }
      }
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      clearInterval(tick);
      clearInterval(sweep);
      if (retryTimer) clearTimeout(retryTimer);
      await spoolChain;
      await spool.close();
      journal?.close();
    },
    stats: () => ({
      ...s,
      buffered: buffer.length,
      inFlight,
      spooledOnDisk: spool.rowCount(),
      mode,
    }),
  };
}
