import type { VariantKey } from '../../server/vocabulary';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pg from 'pg';
import type { Logger } from 'pino';
import { createPgPool, createPrismaClient } from '../../server/db/create-prisma-client';
import { applyMigrations } from '../../server/db/migrate';
import { createExperimentsRepository, createExperimentsService, type Actor } from '../../server/experiments';
import { createErrorMiddleware } from '../../server/http/error-middleware';
import { createRequireRole } from '../../server/http/auth';
import { createResultsRouter } from '../../server/http/routes/results-routes';
import type { RequestLogRow } from '../../server/telemetry/request-log-row';
import { createRequestLogWriter } from '../../server/telemetry/request-log-writer';
import { mergeRollupDeltas, rollupDeltas, type RollupDeltas } from '../../server/telemetry/rollup-aggregate';
import { createRollupRepository } from '../../server/telemetry/rollup-repository';
import { createSpool } from '../../server/telemetry/spool';
import { OUTCOME_SQL } from '../../server/analysis/outcome';
import { LATENCY_BUCKETS_PER_DOUBLING } from '../../server/analysis/latency-buckets';
import { createKpiRepository } from '../../server/analysis/kpi-repository';
import { createKpiService, type KpiService } from '../../server/analysis/kpi-service';
import { createRng, type Rng } from '../../server/task/rng';

/**
 * bench:kpi — results latency over 10 million logged requests.
 *
 * Volume: `requests` synthetic requests over `days` days, summed into per-minute and
 * per-unit rollups by the writer's own code (rollupDeltas → rollup repository).
 * Correctness: a smaller real request_log sample goes through the real writer, and
 * the KPI service's numbers from its rollup are compared with direct SQL aggregates.
 */
export interface KpiBenchOptions {
  url: string;
  requests: number;
  days: number;
  calls: number;
  verifyRows: number;
  logger: Logger;
  keep: boolean;
  onProgress?: (line: string) => void;
}

interface Arm {
  variant: VariantKey;
  share: number;
  accuracy: number;
  latencyMedianMs: number;
  latencySigma: number;
  cost: number;
  tokens: [number, number, number];
  draftAcceptance: number | null;
}

const ARMS: Arm[] = [
  { variant: 'baseline', share: 0.5, accuracy: 0.82, latencyMedianMs: 900, latencySigma: 0.45, cost: 6.1e-5, tokens: [0, 410, 420], draftAcceptance: null },
  { variant: 'specs', share: 0.5, accuracy: 0.815, latencyMedianMs: 610, latencySigma: 0.5, cost: 4.4e-5, tokens: [380, 160, 400], draftAcceptance: 0.72 },
];

const pctl = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const round2 = (x: number) => Math.round(x * 100) / 100;

async function timeCalls(calls: number, fn: () => Promise<unknown>): Promise<{ calls: number; medianMs: number; p95Ms: number; minMs: number; maxMs: number }> {
  const t: number[] = [];
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  return { calls, medianMs: round2(pctl(t, 0.5)), p95Ms: round2(pctl(t, 0.95)), minMs: round2(Math.min(...t)), maxMs: round2(Math.max(...t)) };
}

/**
 * `o.requests` synthetic requests over `o.days` days, summed into rollups by the writer's own
 * code (rollupDeltas → the rollup repository), one transaction per day. No request_log rows:
 * the bench measures reads over rollups, and the rollup math is verified separately on a
 * sample written through the real writer.
 */
async function generateRollups(pool: pg.Pool, key: string, o: KpiBenchOptions, end: Date): Promise<void> {
  const minutes = o.days * 1440;
  const perMinute = o.requests / minutes;
  const rng = createRng(20260301);
  const rollups = createRollupRepository();
  for (let day = 0; day < o.days; day++) {
    const dayStart = end.getTime() - (o.days - day) * 86_400_000;
    const entries: { row: RequestLogRow; sign: 1 }[] = [];
    const parts: RollupDeltas[] = [];
    for (let m = 0; m < 1440; m++) {
      const at = dayStart + m * 60_000;
      // Traffic follows a daily cycle.
      const n = Math.round(perMinute * (1 + 0.3 * Math.sin((2 * Math.PI * at) / 86_400_000)));
      for (let i = 0; i < n; i++) entries.push({ row: syntheticRow(key, ARMS[i % 2]!, new Date(at + ((i * 60_000) / n)), rng), sign: 1 });
      if (entries.length >= 50_000 || m === 1439) {
        parts.push(rollupDeltas(entries));
        entries.length = 0;
      }
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await rollups.upsert(client, mergeRollupDeltas(parts));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    o.onProgress?.(`generated day ${day + 1}/${o.days}`);
  }
}

function syntheticRow(key: string, a: Arm, receivedAt: Date, rng: Rng): RequestLogRow {
  const error = rng.next() < 0.002;
  const latency = error ? 5 : a.latencyMedianMs * Math.exp(a.latencySigma * rng.normal());
  const labelled = rng.next() < 0.9;
  return {
    requestId: '', experiment: key, stage: 0, variant: a.variant, strategy: a.variant === 'specs' ? 'specs' : 'beam-target',
    unitHash: (Math.floor(rng.next() * 2 ** 32) >>> 0).toString(16).padStart(8, '0'), receivedAt, startedAt: receivedAt, finishedAt: receivedAt,
    queueWaitMs: 0, decodeMs: latency, latencyMs: latency, draftTokens: a.tokens[0], targetTokens: a.tokens[1], prmTokens: a.tokens[2],
    draftMs: 0, targetMs: 0, prmMs: 0, modelCalls: 3, targetFallbacks: a.draftAcceptance === null ? null : 0,
    draftAcceptance: a.draftAcceptance === null || error ? null : Math.min(1, Math.max(0, a.draftAcceptance + 0.1 * rng.normal())),
    costUsd: a.cost * Math.exp(0.2 * rng.normal()) * (error ? 0.5 : 1), prmScore: null, answer: null, reference: labelled ? 1 : null,
    correct: labelled ? !error && rng.next() < a.accuracy : null, gradingSource: labelled ? 'reference' : 'none',
    error: error ? 'simulated' : null, status: error ? 'error' : 'ok',
  };
}

function sampleRows(key: string, count: number, end: number): RequestLogRow[] {
  const rng = createRng(7);
  return Array.from({ length: count }, (_, i) => ({
    ...syntheticRow(key, ARMS[i % 2]!, new Date(end - Math.floor(rng.next() * 3_600_000)), rng),
    requestId: crypto.randomUUID(),
  }));
}

/** Rollup KPIs vs direct SQL over request_log: exact counts, sums to 1e-9, quantiles within two buckets. */
async function verify(pool: pg.Pool, kpi: KpiService, key: string): Promise<{ ok: boolean; checks: Record<string, unknown>[] }> {
  const res = await kpi.results(key, { stage: 0 });
  const d = await pool.query<Record<string, number> & { variant: VariantKey }>(
    `SELECT variant, count(*)::int AS n, count(*) FILTER (WHERE status = 'error')::int AS errors, count(correct)::int AS graded,
            count(*) FILTER (WHERE correct)::int AS correct, count(*) FILTER (WHERE ${OUTCOME_SQL.inLatency})::int AS latency_n,
            sum(latency_ms::float8) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS latency_sum, sum(cost_usd) AS cost_sum,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS p99
       FROM request_log WHERE experiment = $1 GROUP BY variant`,
    [key],
  );
  const ratio = 2 ** (2 / LATENCY_BUCKETS_PER_DOUBLING);
  const checks = d.rows.map((x) => {
    const k = res.variants[x.variant];
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));
    const q = (est: number | null, exact: number) => est !== null && est / exact < ratio && exact / est < ratio;
    const c = {
      variant: x.variant,
      counts: k.n === x.n && k.errors === x.errors && k.graded === x.graded && k.correct === x.correct,
      latencyMean: rel(k.latency.mean!, x.latency_sum! / x.latency_n!) < 1e-9,
      costPerRequest: rel(k.costPerRequest!, x.cost_sum! / x.n!) < 1e-9,
      p50: q(k.latency.p50, x.p50!),
      p95: q(k.latency.p95, x.p95!),
      p99: q(k.latency.p99, x.p99!),
      rollup: { n: k.n, p50: k.latency.p50, p95: k.latency.p95, p99: k.latency.p99 },
      direct: { n: x.n, p50: x.p50, p95: x.p95, p99: x.p99 },
    };
    return c;
  });
  const ok = checks.length === 2 && checks.every((c) => c.counts && c.latencyMean && c.costPerRequest && c.p50 && c.p95 && c.p99);
  return { ok, checks };
}

export async function runKpiBench(o: KpiBenchOptions) {
  const schema = `bench_kpi_${crypto.randomBytes(4).toString('hex')}`;
  const progress = o.onProgress ?? (() => undefined);
  progress(`migrating schema ${schema}`);
  await applyMigrations({ url: o.url, schema });
  const prisma = createPrismaClient({ url: o.url, schema, max: 4 });
  const pool = createPgPool({ url: o.url, schema, max: 8 });
  const actor: Actor = { name: 'bench-kpi', role: 'admin' };
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-kpi-spool-'));
  let server: http.Server | undefined;
  try {
    const experiments = createExperimentsService({ repo: createExperimentsRepository(prisma) });
    const key = 'bench-kpi';
    const verifyKey = 'bench-kpi-verify';
    await experiments.create({ key, specsShare: 0.5, status: 'running' }, actor);
    await experiments.create({ key: verifyKey, specsShare: 0.5, status: 'running' }, actor);
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);

    progress(`writing ${o.verifyRows.toLocaleString('en')} request_log rows through the real writer`);
    const spool = await createSpool({ dir: spoolDir, logger: o.logger });
    const writer = createRequestLogWriter({ pool, logger: o.logger, spool, batchMaxRows: 5000, flushIntervalMs: 200 });
    for (const r of sampleRows(verifyKey, o.verifyRows, end.getTime())) writer.write(r);
    await writer.close();
    const cold = createKpiService({ repo: createKpiRepository({ pool }), clock: Date.now, cache: false });
    const verification = await verify(pool, cold, verifyKey);
    progress(`rollup math vs direct SQL on the sample: ${verification.ok ? 'OK' : 'MISMATCH'}`);

    const t0 = performance.now();
    await generateRollups(pool, key, o, end);
    await pool.query('ANALYZE request_rollup');
    const genSeconds = round2((performance.now() - t0) / 1000);
    const stats = await pool.query<{ rows: number; n: number }>(`SELECT count(*)::int AS rows, sum(n)::float8 AS n FROM request_rollup WHERE experiment = $1`, [key]);
    const { rows: rollupRows, n: requests } = stats.rows[0]!;
    progress(`${rollupRows.toLocaleString('en')} rollup rows for ${requests.toLocaleString('en')} requests in ${genSeconds} s`);

    const warm = createKpiService({ repo: createKpiRepository({ pool }), clock: Date.now });
    const sample = await cold.results(key);
    progress(`timing ${o.calls} uncached service calls`);
    await cold.results(key); // plan caches and connections warm, data still read in full
    const serviceUncached = await timeCalls(o.calls, () => cold.results(key));
    progress(`timing ${o.calls} service calls with the settled-cells cache`);
    await warm.results(key);
    const serviceCached = await timeCalls(o.calls, () => warm.results(key));

    const app = express();
    const auth = createRequireRole(async (k) => (k === 'bench' ? { name: 'bench', role: 'viewer' } : null));
    app.use(createResultsRouter({ kpi: warm, auth }));
    app.use(createErrorMiddleware(o.logger));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/experiments/${key}/results`;
    const get = async (u: string) => {
      const r = await fetch(u, { headers: { authorization: 'Bearer bench' } });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    };
    progress(`timing ${o.calls} HTTP calls (cached service)`);
    await get(url);
    const httpCached = await timeCalls(o.calls, () => get(url));
    const uncachedApp = express();
    uncachedApp.use(createResultsRouter({ kpi: cold, auth }));
    const server2 = uncachedApp.listen(0, '127.0.0.1');
    await new Promise((r) => server2.once('listening', r));
    const url2 = `http://127.0.0.1:${(server2.address() as AddressInfo).port}/api/experiments/${key}/results`;
    progress(`timing ${o.calls} HTTP calls (uncached service)`);
    const httpUncached = await timeCalls(o.calls, () => get(url2));
    await new Promise((r) => server2.close(r));

    return {
      bench: 'kpi',
      at: new Date().toISOString(),
      host: { cpus: os.cpus().length, loadAverage: os.loadavg().map(round2), node: process.version },
      data: { requests, rollupRows, days: o.days, variants: 2, generateSeconds: genSeconds, granularity: sample.granularity, timeseriesPoints: sample.timeseries.length },
      verification: { rows: o.verifyRows, ...verification },
      results: {
        call: 'GET /api/experiments/:key/results (stage = current, default options)',
        serviceUncached,
        serviceCached,
        httpUncached,
        httpCached,
        note: 'uncached: every call reads all rollup rows; cached: settled time buckets (older than 2 min) served from memory, the fresh tail read per call',
      },
      sample: { n: { baseline: sample.variants.baseline.n, specs: sample.variants.specs.n }, p95: { baseline: sample.variants.baseline.latency.p95, specs: sample.variants.specs.latency.p95 } },
    };
  } finally {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await prisma.$disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    fs.rmSync(spoolDir, { recursive: true, force: true });
    if (!o.keep) {
      const admin = new pg.Client({ connectionString: o.url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.end();
      }
    }
  }
}
