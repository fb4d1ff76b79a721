import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pg from 'pg';
import type { Logger } from 'pino';
import { createPgPool, createPrismaClient } from '../../db/create-prisma-client';
import { applyMigrations } from '../../db/migrate';
import { createExperimentsRepository, createExperimentsService, type Actor } from '../../experiments';
import { createErrorMiddleware } from '../../http/error-middleware';
import { createRequireRole } from '../../http/auth';
import { createResultsRouter } from '../../http/routes/results-routes';
import type { RequestLogRow } from '../../telemetry/request-log-row';
import { createRequestLogWriter } from '../../telemetry/request-log-writer';
import { createSpool } from '../../telemetry/spool';
import { normalCdf } from '../stats';
import { LATENCY_BUCKET_BOUNDS, LATENCY_BUCKETS_PER_DOUBLING } from '../latency-buckets';
import { createKpiRepository } from '../kpi-repository';
import { createKpiService, type KpiService } from '../kpi-service';

/**
 * bench:kpi — results latency over 10 million logged requests.
 *
 * Volume: per-minute rollup rows generated in SQL (generate_series over
 * `days` × 1440 minutes × 2 variants), their counts summing to `requests`,
 * histograms drawn from a log-normal latency per variant. Correctness: a
 * smaller real request_log sample goes through the real writer, and the KPI
 * service's numbers from its rollup are compared with direct SQL aggregates.
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
  variant: 'baseline' | 'specs';
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

/** Cumulative probability of a log-normal at each bucket's upper bound (last = 1). */
function cumulative(a: Arm): number[] {
  const mu = Math.log(a.latencyMedianMs);
  return LATENCY_BUCKET_BOUNDS.map((b) => (Number.isFinite(b) ? normalCdf((Math.log(b) - mu) / a.latencySigma) : 1));
}

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

async function generateRollups(pool: pg.Pool, key: string, o: KpiBenchOptions, end: Date): Promise<void> {
  const minutes = o.days * 1440;
  const perMinute = o.requests / minutes;
  const [b, s] = ARMS as [Arm, Arm];
  const moments = (a: Arm) => {
    const mu = Math.log(a.latencyMedianMs);
    return { mean: Math.exp(mu + a.latencySigma ** 2 / 2), m2: Math.exp(2 * mu + 2 * a.latencySigma ** 2) };
  };
  for (let day = 0; day < o.days; day++) {
    const from = new Date(end.getTime() - (o.days - day) * 86_400_000);
    const to = new Date(from.getTime() + 86_400_000);
    // n follows a daily cycle; the histogram is the log-normal's bucket mass, rounded
    // cumulatively so its counts sum to n exactly.
    await pool.query(
      `INSERT INTO request_rollup (experiment, stage, variant, bucket, n, errors, graded, correct, latency_sum, latency_sum_sq,
         cost_sum, cost_sum_sq, graded_cost_sum, graded_cost_sum_sq, cost_correct_sum, draft_tokens, target_tokens, prm_tokens,
         draft_acceptance_sum, draft_acceptance_n, fallbacks, latency_hist)
       SELECT $1, 0, v.variant, m.bucket, g.n, round(g.n * 0.002)::int, gr.graded, gr.correct,
              g.n * v.lat_mean, g.n * v.lat_m2, g.n * v.cost, g.n * v.cost * v.cost * 1.04,
              gr.graded * v.cost, gr.graded * v.cost * v.cost * 1.04, gr.correct * v.cost,
              (g.n * v.tok_d)::bigint, (g.n * v.tok_t)::bigint, (g.n * v.tok_p)::bigint,
              CASE WHEN v.acc_rate IS NULL THEN 0 ELSE g.n * v.acc_rate END, CASE WHEN v.acc_rate IS NULL THEN 0 ELSE g.n END,
              CASE WHEN v.acc_rate IS NULL THEN 0 ELSE round(g.n * 0.05)::int END, h.hist
         FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 minute', interval '1 minute') AS m(bucket)
        CROSS JOIN (VALUES ('baseline', $4::float8, $5::float8, $6::float8, $7::float8, $8::float8, $9::float8, $10::float8, $11::float8, NULL::float8, $12::float8[]),
                           ('specs', $13, $14, $15, $16, $17, $18, $19, $20, $21, $22::float8[]))
              AS v(variant, share, acc, lat_mean, lat_m2, cost, tok_d, tok_t, tok_p, acc_rate, cum)
        CROSS JOIN LATERAL (SELECT round($23 * v.share * (1 + 0.3 * sin(2 * pi() * extract(epoch FROM m.bucket) / 86400)))::int AS n) g
        CROSS JOIN LATERAL (SELECT round(g.n * 0.9)::int AS graded,
                                   least(round(g.n * 0.9)::int, round(g.n * 0.9 * v.acc + (random() - 0.5) * 4)::int) AS correct) gr
        CROSS JOIN LATERAL (SELECT array_agg((round(g.n * c.cum) - round(g.n * coalesce(c.prev, 0)))::int ORDER BY c.i) AS hist
                              FROM (SELECT x.cum, lag(x.cum) OVER (ORDER BY x.i) AS prev, x.i FROM unnest(v.cum) WITH ORDINALITY AS x(cum, i)) c) h`,
      [
        key, from, to,
        b.share, b.accuracy, moments(b).mean, moments(b).m2, b.cost, ...b.tokens, cumulative(b),
        s.share, s.accuracy, moments(s).mean, moments(s).m2, s.cost, ...s.tokens, s.draftAcceptance, cumulative(s),
        perMinute,
      ],
    );
    o.onProgress?.(`generated day ${day + 1}/${o.days}`);
  }
}

function sampleRows(key: string, count: number, end: number): RequestLogRow[] {
  const rows: RequestLogRow[] = [];
  const gauss = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  for (let i = 0; i < count; i++) {
    const a = ARMS[i % 2]!;
    const latency = a.latencyMedianMs * Math.exp(a.latencySigma * gauss());
    const graded = Math.random() < 0.9;
    const correct = graded ? Math.random() < a.accuracy : null;
    const error = Math.random() < 0.002;
    const receivedAt = new Date(end - Math.floor(Math.random() * 3_600_000));
    rows.push({
      requestId: crypto.randomUUID(), experiment: key, stage: 0, variant: a.variant, strategy: a.variant === 'specs' ? 'specs' : 'beam-target',
      unitHash: crypto.randomBytes(4).toString('hex'), receivedAt, startedAt: receivedAt, finishedAt: new Date(receivedAt.getTime() + latency),
      queueWaitMs: 0, decodeMs: latency, latencyMs: latency, draftTokens: a.tokens[0], targetTokens: a.tokens[1], prmTokens: a.tokens[2],
      draftMs: 0, targetMs: 0, prmMs: 0, modelCalls: 3, targetFallbacks: a.draftAcceptance === null ? null : 0,
      draftAcceptance: a.draftAcceptance === null ? null : Math.min(1, Math.max(0, a.draftAcceptance + 0.1 * gauss())),
      costUsd: a.cost * Math.exp(0.2 * gauss()), prmScore: null, answer: null, reference: graded ? 1 : null, correct: error ? null : correct,
      gradingSource: graded && !error ? 'reference' : 'none', error: error ? 'simulated' : null, status: error ? 'error' : 'ok',
    });
  }
  return rows;
}

/** Rollup KPIs vs direct SQL over request_log: exact counts, sums to 1e-9, quantiles within two buckets. */
async function verify(pool: pg.Pool, kpi: KpiService, key: string): Promise<{ ok: boolean; checks: Record<string, unknown>[] }> {
  const res = await kpi.results(key, { stage: 0 });
  const d = await pool.query<Record<string, number> & { variant: 'baseline' | 'specs' }>(
    `SELECT variant, count(*)::int AS n, count(*) FILTER (WHERE status <> 'ok')::int AS errors, count(correct)::int AS graded,
            count(*) FILTER (WHERE correct)::int AS correct, sum(latency_ms::float8) AS latency_sum, sum(cost_usd) AS cost_sum,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
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
      latencyMean: rel(k.latency.mean!, x.latency_sum! / x.n!) < 1e-9,
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
