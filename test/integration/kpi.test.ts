/**
 * KPI numbers computed from the per-minute rollup (maintained by the real
 * request-log writer) equal direct SQL aggregates over request_log: exact
 * counts and sums, quantiles within a histogram bucket. Rows follow shapes
 * measured on real decodes.
 */
import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { OUTCOME_SQL } from '../../server/analysis/outcome';
import { LATENCY_BUCKETS_PER_DOUBLING } from '../../server/analysis/latency-buckets';
import { createKpiRepository } from '../../server/analysis/kpi-repository';
import { createKpiService, type KpiService, type ResultsJson } from '../../server/analysis/kpi-service';
import { createExperimentsRepository, createExperimentsService, type Actor } from '../../server/experiments';
import type { RequestLogRow } from '../../server/telemetry/request-log-row';
import { createRequestLogWriter } from '../../server/telemetry/request-log-writer';
import { createSpool } from '../../server/telemetry/spool';
import { createTestDatabase, type TestDatabase } from '../support';
import { createRng } from '../../server/task/rng';
import { measureRealShapes, scenarioFrom, simulate, type Scenario } from './rollout-scenario-support';

jest.setTimeout(180_000);

const logger = pino({ level: 'silent' });
const admin: Actor = { name: 'kpi-test', role: 'admin' };
const KEY = 'kpi-sample';
const T0 = Date.parse('2026-02-10T10:00:00Z');

let db: TestDatabase;
let kpi: KpiService;
let spoolDir: string;
let rowsWritten = 0;

function rows(scenario: Scenario, o: { stage: number; minutes: number; perMinute: { baseline: number; specs: number }; startMs: number; seed: number }): RequestLogRow[] {
  const rng = createRng(o.seed);
  const out: RequestLogRow[] = [];
  for (let m = 0; m < o.minutes; m++) {
    for (const variant of ['baseline', 'specs'] as const) {
      for (let i = 0; i < o.perMinute[variant]; i++) {
        const receivedAt = new Date(o.startMs + m * 60_000 + Math.floor(rng.next() * 60_000));
        const row = simulate(scenario[variant], rng, { requestId: crypto.randomUUID(), experiment: KEY, stage: o.stage, variant, receivedAt });
        out.push({ ...row, targetFallbacks: variant === 'specs' ? Math.floor(rng.next() * 2) : null });
      }
    }
  }
  return out;
}

beforeAll(async () => {
  const [database, shapes] = await Promise.all([createTestDatabase('kpi'), measureRealShapes(2)]);
  db = database;
  const experiments = createExperimentsService({ repo: createExperimentsRepository(db.prisma) });
  await experiments.create({ key: KEY, specsShare: 0.5, status: 'running' }, admin);
  await experiments.setShare(KEY, 0.2, admin, { stage: 1 });
  const scenario = scenarioFrom(shapes, { baselineAccuracy: 0.8, specsAccuracy: 0.78, specsLatency: 0.7, specsCost: 0.9 });
  spoolDir = mkdtempSync(path.join(tmpdir(), 'kpi-spool-'));
  const spool = await createSpool({ dir: spoolDir, logger });
  const writer = createRequestLogWriter({ pool: db.pool, logger, spool, batchMaxRows: 500, flushIntervalMs: 60_000, feedbackSweepMs: 60_000 });
  const all = [
    ...rows(scenario, { stage: 0, minutes: 20, perMinute: { baseline: 40, specs: 40 }, startMs: T0, seed: 11 }),
    ...rows(scenario, { stage: 1, minutes: 25, perMinute: { baseline: 64, specs: 16 }, startMs: T0 + 20 * 60_000, seed: 12 }),
  ];
  for (const r of all) writer.write(r);
  await writer.close();
  rowsWritten = all.length;
  kpi = createKpiService({ repo: createKpiRepository({ pool: db.pool }), clock: () => Date.now(), cache: false });
});

afterAll(async () => {
  await db?.drop();
  if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
});

interface Direct {
  variant: string;
  n: number;
  errors: number;
  graded: number;
  correct: number;
  latency_n: number;
  latency_sum: number;
  cost_sum: number;
  graded_cost_sum: number;
  draft: number;
  target: number;
  prm: number;
  acc: number | null;
  p50: number;
  p95: number;
  p99: number;
}

async function direct(stage: number | null): Promise<Record<string, Direct>> {
  const r = await db.pool.query<Direct>(
    `SELECT variant, count(*)::int AS n, count(*) FILTER (WHERE status = 'error')::int AS errors, count(correct)::int AS graded,
            count(*) FILTER (WHERE correct)::int AS correct, count(*) FILTER (WHERE ${OUTCOME_SQL.inLatency})::int AS latency_n,
            sum(latency_ms::float8) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS latency_sum, sum(cost_usd) AS cost_sum,
            coalesce(sum(cost_usd) FILTER (WHERE correct IS NOT NULL), 0) AS graded_cost_sum,
            sum(draft_tokens)::float8 AS draft, sum(target_tokens)::float8 AS target, sum(prm_tokens)::float8 AS prm,
            avg(draft_acceptance::float8) AS acc,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${OUTCOME_SQL.inLatency}) AS p99
       FROM request_log WHERE experiment = $1 AND ($2::int IS NULL OR stage = $2) GROUP BY variant`,
    [KEY, stage],
  );
  return Object.fromEntries(r.rows.map((x) => [x.variant, x]));
}

// Two bucket widths: the histogram quantile interpolates inside a log-spaced bucket.
const BUCKET_RATIO = 2 ** (2 / LATENCY_BUCKETS_PER_DOUBLING);
const withinBuckets = (estimate: number | null, exact: number) => {
  expect(estimate).not.toBeNull();
  expect(estimate! / exact).toBeLessThan(BUCKET_RATIO);
  expect(exact / estimate!).toBeLessThan(BUCKET_RATIO);
};

describe.each([[0], [1], ['all' as const]])('stage %s: rollup KPIs equal direct SQL over request_log', (stage) => {
  let res: ResultsJson;
  let exact: Record<string, Direct>;
  beforeAll(async () => {
    res = await kpi.results(KEY, { stage });
    exact = await direct(stage === 'all' ? null : stage);
  });

  it.each([['baseline'], ['specs']] as const)('%s', (variant) => {
    const k = res.variants[variant];
    const d = exact[variant]!;
    expect({ n: k.n, errors: k.errors, graded: k.graded, correct: k.correct }).toEqual({ n: d.n, errors: d.errors, graded: d.graded, correct: d.correct });
    expect(k.tokensTotal).toEqual({ draft: d.draft, target: d.target, prm: d.prm });
    expect(k.latency.mean!).toBeCloseTo(d.latency_sum / d.latency_n, 6);
    expect(k.costPerRequest!).toBeCloseTo(d.cost_sum / d.n, 12);
    expect(k.costPerCorrect!).toBeCloseTo(d.graded_cost_sum / d.correct, 12);
    expect(k.accuracy!).toBeCloseTo(d.correct / d.graded, 12);
    if (d.acc === null) expect(k.draftAcceptance).toBeNull();
    else expect(k.draftAcceptance!).toBeCloseTo(d.acc, 6);
    withinBuckets(k.latency.p50, d.p50);
    withinBuckets(k.latency.p95, d.p95);
    withinBuckets(k.latency.p99, d.p99);
    expect(res.latencyHistogram[variant].reduce((a, b) => a + b, 0)).toBe(d.latency_n);
    const [lo, hi] = k.accuracyCi!;
    expect(lo).toBeLessThan(k.accuracy!);
    expect(hi).toBeGreaterThan(k.accuracy!);
  });

  it('SRM counts and timeseries totals match', () => {
    expect(res.srm.observed).toEqual({ baseline: exact.baseline!.n, specs: exact.specs!.n });
    const tsTotal = res.timeseries.reduce((a, p) => a + p.n, 0);
    expect(tsTotal).toBe(exact.baseline!.n + exact.specs!.n);
    expect(res.comparisons.map((c) => c.metric)).toEqual(['accuracy', 'latencyMean', 'latencyP50', 'latencyP95', 'latencyP99', 'costPerRequest', 'costPerCorrect']);
    for (const c of res.comparisons) {
      expect(c.adjustedPValue).toBeGreaterThanOrEqual(c.pValue);
      expect(c.ci[0]).toBeLessThanOrEqual(c.ci[1]);
    }
  });
});

describe('results service', () => {
  it('wrote every row through the real writer', async () => {
    const r = await db.pool.query<{ n: number }>(`SELECT sum(n)::int AS n FROM request_rollup WHERE experiment = $1`, [KEY]);
    expect(r.rows[0]!.n).toBe(rowsWritten);
  });

  it('defaults to the current analysis stage and its configured share', async () => {
    const res = await kpi.results(KEY);
    expect(res.stage).toBe(1);
    expect(res.srm.expectedShare).toBeCloseTo(0.2, 12);
    expect(res.srm.flagged).toBe(false);
    // stage=all weighs each stage's configured share by its traffic.
    const all = await kpi.results(KEY, { stage: 'all' });
    expect(all.srm.expectedShare).toBeCloseTo((1600 * 0.5 + 2000 * 0.2) / 3600, 12);
  });

  it('per-minute timeseries equal per-minute SQL counts', async () => {
    const ts = await kpi.timeseries(KEY, { stage: 'all', granularity: 'minute' });
    const r = await db.pool.query<{ bucket: Date; variant: string; n: number }>(
      `SELECT date_trunc('minute', received_at) AS bucket, variant, count(*)::int AS n FROM request_log GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(ts.timeseries.map((p) => [p.bucket, p.variant, p.n])).toEqual(r.rows.map((x) => [x.bucket.toISOString(), x.variant, x.n]));
  });

  it('the settled-cells cache returns the same numbers as a fresh read', async () => {
    const cached = createKpiService({ repo: createKpiRepository({ pool: db.pool }), clock: () => Date.now(), cache: { settleMs: 60_000, ttlMs: 60_000 } });
    const a = await cached.results(KEY, { stage: 'all', granularity: 'hour' });
    const b = await cached.results(KEY, { stage: 'all', granularity: 'hour' });
    const c = await kpi.results(KEY, { stage: 'all', granularity: 'hour' });
    // Equal up to floating-point summation order (cells are summed in a different grouping).
    const strip = (x: ResultsJson) =>
      JSON.parse(JSON.stringify({ ...x, generatedAt: '', cache: null }, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(8)) : v))) as unknown;
    expect(strip(b)).toEqual(strip(a));
    expect(strip(b)).toEqual(strip(c));
  });

  it('unknown experiment and absurd granularity are client errors', async () => {
    await expect(kpi.results('no-such-exp')).rejects.toMatchObject({ status: 404, field: 'params.key' });
    await expect(kpi.results(KEY, { stage: 'all', granularity: 'minute', from: new Date(T0 - 30 * 86_400_000) })).rejects.toMatchObject({
      status: 400,
      field: 'query.granularity',
    });
  });
});
