/**
 * Gated rollout end to end on real Postgres (+ Redis for the job): simulated
 * experiments whose shapes come from real decodes, volume from generated rollup
 * rows, a controllable clock so stage durations pass, and a local HTTP server
 * receiving the webhooks. No timed assertions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { createKpiRepository } from '../../server/analysis/kpi-repository';
import { createKpiService } from '../../server/analysis/kpi-service';
import { createExperimentsRepository, createExperimentsService, type Actor, type ExperimentsService } from '../../server/experiments';
import { createRequireRole } from '../../server/http/auth';
import { createErrorMiddleware } from '../../server/http/error-middleware';
import { createResultsRouter } from '../../server/http/routes/results-routes';
import { createRolloutRouter } from '../../server/http/routes/rollout-routes';
import { createGateEvaluatorJob } from '../../server/rollout/gate-evaluator-job';
import type { RolloutPlanInput } from '../../server/rollout/rollout-plan';
import { createRolloutRepository } from '../../server/rollout/rollout-repository';
import { createRolloutService, type RolloutService } from '../../server/rollout/rollout-service';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody, type WebhookNotifier } from '../../server/rollout/webhook-delivery';
import { createQueuedWebhookNotifier } from '../../server/rollout/webhook-queue';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '../support';
import { insertTraffic, measureRealShapes, scenarioFrom, type MeasuredShapes, type Scenario } from './rollout-scenario-support';

jest.setTimeout(300_000);

const logger = pino({ level: 'silent' });
const admin: Actor = { name: 'test-admin', role: 'admin' };
const MINUTE = 60_000;
const SECRET = 'webhook-test-secret';

const PLAN: RolloutPlanInput = {
  stages: [0.01, 0.05, 0.25, 0.5, 1].map((share) => ({ share, minDurationMs: 30 * MINUTE, minGradedPerArm: 500, requiresApproval: false })),
  guardrails: { p95LatencyMaxIncreasePct: 10, accuracyNonInferiorityPts: 5, costMaxIncreasePct: 10, errorRateMaxIncreasePts: 0.5, alpha: 0.05 },
  success: { metrics: ['latencyMean'], require: 'all' },
};

let db: TestDatabase;
let redis: TestRedis;
let shapes: MeasuredShapes;
let experiments: ExperimentsService;
let rollout: RolloutService;
let webhooks: WebhookNotifier;
let now = Date.parse('2026-03-02T08:00:00Z');
const clock = () => now;
const hooks: { body: Record<string, unknown>; signature: string | undefined; raw: string; delivery: string }[] = [];
let hookServer: http.Server;
let seed = 1;

beforeAll(async () => {
  [db, shapes] = await Promise.all([createTestDatabase('rollout'), measureRealShapes(2)]);
  redis = createTestRedis('rollout');
  hookServer = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      hooks.push({ body: JSON.parse(raw) as Record<string, unknown>, signature: req.headers[SIGNATURE_HEADER] as string | undefined, raw, delivery: String(req.headers[DELIVERY_HEADER]) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
  experiments = createExperimentsService({ repo: createExperimentsRepository(db.prisma) });
  const kpi = createKpiService({ repo: createKpiRepository({ pool: db.pool }), clock, cache: false });
  const repo = createRolloutRepository({ prisma: db.prisma, pool: db.pool });
  webhooks = createQueuedWebhookNotifier({
    urls: [url],
    secret: SECRET,
    timeoutMs: 5000,
    retries: 2,
    backoffMs: 50,
    onSettled: (id, status) => repo.setWebhookStatus(id, status),
    redisUrl: redis.url,
    prefix: redis.queuePrefix,
    logger,
  });
  rollout = createRolloutService({ repo, experiments, kpi, webhooks, clock, logger });
});

afterAll(async () => {
  await rollout?.idle();
  await webhooks?.close();
  await new Promise((r) => hookServer?.close(r));
  await redis?.cleanup();
  await db?.drop();
});

async function newExperiment(key: string) {
  await experiments.create({ key, specsShare: 0, status: 'running' }, admin);
  await rollout.putPlan(key, PLAN, admin);
}

/** `minutes` of traffic in the experiment's current analysis stage, starting now; the clock moves past it. */
async function traffic(key: string, scenario: Scenario, o: { minutes: number; specsPerStage: number; observedShare?: number }) {
  const e = await experiments.get(key);
  const share = o.observedShare ?? e.specsShare;
  const total = o.specsPerStage / share;
  const perMinute = { specs: Math.round((total * share) / o.minutes), baseline: Math.round((total * (1 - share)) / o.minutes) };
  const start = new Date(now);
  const counts = await insertTraffic(db.pool, { experiment: key, stage: e.stage, start, minutes: o.minutes, perMinute, scenario, seed: seed++ });
  now += o.minutes * MINUTE + 1000;
  return counts;
}

const good = () => scenarioFrom(shapes, { baselineAccuracy: 0.8, specsAccuracy: 0.81, specsLatency: 0.7, specsCost: 0.8 });
const lessAccurate = () => scenarioFrom(shapes, { baselineAccuracy: 0.8, specsAccuracy: 0.7, specsLatency: 0.7, specsCost: 0.8 });

const distinctDeliveries = <H extends { delivery: string }>(items: readonly H[]): H[] =>
  items.filter((h, i) => items.findIndex((x) => x.delivery === h.delivery) === i);

describe('rollout gate on simulated experiments', () => {
  it('real decodes (or, while models/ is being retrained, stand-ins) gave usable shapes', () => {
    if (shapes.source === 'real') expect(shapes.samples).toBeGreaterThan(0);
    expect(shapes.baseline.latencyMs).toBeGreaterThan(0);
    expect(shapes.specs.costUsd).toBeGreaterThan(0);
    expect(shapes.baseline.tokens.target).toBeGreaterThan(0);
  });

  it('SPECS as accurate and faster: advances through every stage to 100 % (ship)', async () => {
    const key = 'ship-it';
    await newExperiment(key);
    await rollout.start(key, admin);
    expect((await experiments.get(key)).specsShare).toBe(0.01);

    // Data but not yet the minimum duration: hold, never advance on missing data.
    await traffic(key, good(), { minutes: 5, specsPerStage: 200 });
    const early = await rollout.evaluate(key);
    expect(early.verdict).toBe('hold');
    expect(early.reasons.map((r) => r.code)).toContain('INSUFFICIENT_DATA');

    const shares: number[] = [];
    for (let stage = 0; stage < 4; stage++) {
      await traffic(key, good(), { minutes: 31, specsPerStage: 2500 });
      const r = await rollout.evaluate(key);
      expect({ stage, verdict: r.verdict, reasons: r.reasons }).toMatchObject({ stage, verdict: 'advance' });
      expect(r.currentStage).toBe(stage + 1);
      shares.push(r.share);
    }
    expect(shares).toEqual([0.05, 0.25, 0.5, 1]);
    const view = await rollout.get(key);
    expect(view.status).toBe('completed');
    expect(view.currentShare).toBe(1);
    expect(view.decisions.filter((d) => d.verdict === 'advance')).toHaveLength(4);
    expect(view.shareHistory[0]).toMatchObject({ specsShare: 1 });
    // Completed: the gate no longer runs.
    await expect(rollout.evaluate(key)).rejects.toMatchObject({ status: 409 });

    await rollout.idle();
    // Delivery is at least once: on a loaded machine a delivery can time out at the sender after
    // the receiver got it, and is retried with the same id, which a receiver dedupes on.
    const advances = distinctDeliveries(hooks.filter((h) => h.body.experiment === key && h.body.verdict === 'advance'));
    expect(advances).toHaveLength(4);
    expect(advances[0]!.signature).toBe(signBody(SECRET, advances[0]!.raw));
    expect(view.decisions.length).toBeGreaterThan(0);
    const decided = await rollout.get(key);
    expect(decided.decisions.filter((d) => d.verdict === 'advance').every((d) => d.webhookStatus === 'delivered')).toBe(true);
  });

  it('SPECS 10 points less accurate: rolls back at the first stage with enough data', async () => {
    const key = 'less-accurate';
    await newExperiment(key);
    await rollout.start(key, admin);
    // A little data: inconclusive, hold.
    await traffic(key, lessAccurate(), { minutes: 3, specsPerStage: 30 });
    expect((await rollout.evaluate(key)).verdict).toBe('hold');
    await traffic(key, lessAccurate(), { minutes: 31, specsPerStage: 4000 });
    const r = await rollout.evaluate(key);
    expect(r.verdict).toBe('rollback');
    expect(r.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'GUARDRAIL_BREACHED', metric: 'accuracy' })]));
    const e = await experiments.get(key);
    expect(e.specsShare).toBe(0);
    const view = await rollout.get(key);
    expect(view.status).toBe('rolled_back');
    expect(view.lastDecision).toMatchObject({ verdict: 'rollback', stage: 0 });
    expect(JSON.stringify(view.lastDecision!.reasons)).toContain('accuracy');
    expect((view.lastDecision!.metrics as { specs: { accuracy: number } }).specs.accuracy).toBeLessThan(0.75);
    await rollout.idle();
    const hook = hooks.find((h) => h.body.experiment === key && h.body.verdict === 'rollback');
    expect(hook?.body).toMatchObject({ type: 'rollout.rollback', stage: 0 });
    expect((await rollout.get(key)).lastDecision!.webhookStatus).toBe('delivered');
  });

  it('SPECS failing 20 % of requests fast: rolled back on the error rate within minutes, before the stage minimum', async () => {
    const key = 'fails-fast';
    await newExperiment(key);
    await rollout.start(key, admin);
    const base = good();
    const failing: Scenario = { ...base, specs: { ...base.specs, errorRate: 0.2 } };
    await traffic(key, failing, { minutes: 5, specsPerStage: 120 });
    const r = await rollout.evaluate(key);
    expect(r.verdict).toBe('rollback');
    expect(r.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'GUARDRAIL_BREACHED', metric: 'errorRate' })]));
    const check = r.checks.find((c) => c.name === 'errorRate')!;
    expect(check.values.regime).toBe('exact');
    expect((await experiments.get(key)).specsShare).toBe(0);
    // The failures were logged as the outcome model says: out of the latency distribution, at what they spent.
    const { rows } = await db.pool.query(
      `SELECT sum(n)::int AS n, sum(errors)::int AS errors, sum(latency_n)::int AS latency_n,
              (SELECT min(cost_usd) FROM request_log WHERE experiment = $1 AND status = 'error') AS error_cost
         FROM request_rollup WHERE experiment = $1 AND variant = 'specs'`,
      [key],
    );
    expect(rows[0].errors).toBeGreaterThan(0);
    expect(rows[0].latency_n).toBe(rows[0].n - rows[0].errors);
    expect(rows[0].error_cost).toBeGreaterThan(0);
  });

  it('broken split (observed share far from configured): holds with SRM as the reason', async () => {
    const key = 'broken-split';
    await newExperiment(key);
    await rollout.start(key, admin);
    // Configured 1 %, observed 5 %.
    await traffic(key, good(), { minutes: 31, specsPerStage: 2500, observedShare: 0.05 });
    const r = await rollout.evaluate(key);
    expect(r.verdict).toBe('hold');
    expect(r.reasons.map((x) => x.code)).toEqual(['SRM']);
    expect((await experiments.get(key)).specsShare).toBe(0.01);
    expect((await rollout.get(key)).status).toBe('running');
  });

  it('no traffic: holds, and repeated identical holds are not re-announced', async () => {
    const key = 'no-traffic';
    await newExperiment(key);
    await rollout.start(key, admin);
    now += 2 * 3_600_000;
    const r1 = await rollout.evaluate(key);
    const r2 = await rollout.evaluate(key);
    expect([r1.verdict, r2.verdict]).toEqual(['hold', 'hold']);
    expect(r1.reasons.map((x) => x.code)).toEqual(['NO_TRAFFIC']);
    // One row per change of verdict: the second identical hold is the first one, not a new row.
    expect(r2.decision.id).toBe(r1.decision.id);
    expect((await rollout.get(key)).currentStage).toBe(0);
  });

  it('manual actions: pause, resume, approve, advance, rollback', async () => {
    const key = 'manual';
    await newExperiment(key);
    await rollout.start(key, admin);
    await expect(rollout.resume(key, admin)).rejects.toMatchObject({ status: 409 });
    expect((await rollout.pause(key, admin)).status).toBe('paused');
    await expect(rollout.evaluate(key)).rejects.toMatchObject({ status: 409 });
    expect((await rollout.resume(key, admin)).status).toBe('running');
    expect((await rollout.approve(key, admin)).approvedStage).toBe(0);
    const advanced = await rollout.advance(key, admin);
    expect(advanced).toMatchObject({ currentStage: 1, currentShare: 0.05, approvedStage: null });
    const rolled = await rollout.rollback(key, admin, 'operator saw a problem');
    expect(rolled).toMatchObject({ status: 'rolled_back', currentShare: 0 });
    expect(rolled.lastDecision).toMatchObject({ verdict: 'manual-rollback', reasons: [{ code: 'MANUAL', message: 'operator saw a problem' }] });
    // Restart after a rollback begins at stage 0 again.
    expect(await rollout.start(key, admin)).toMatchObject({ status: 'running', currentStage: 0, currentShare: 0.01 });
  });

  it('the BullMQ job evaluates running plans', async () => {
    const key = 'job-driven';
    await newExperiment(key);
    await rollout.start(key, admin);
    const processed: unknown[] = [];
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    const job = createGateEvaluatorJob({
      redisUrl: redis.url,
      prefix: redis.queuePrefix,
      queueName: redis.queueName('gate'),
      intervalMs: 3_600_000,
      rollout,
      logger,
      onProcessed: (result, data) => {
        processed.push(result);
        if (data.key === key) resolveDone();
      },
    });
    try {
      await job.start();
      await job.enqueue(key);
      await done;
    } finally {
      await job.close();
    }
    const view = await rollout.get(key);
    expect(view.lastDecision).toMatchObject({ verdict: 'hold', actor: 'rollout-gate (service)' });
  });
});

describe('rollout and results routes', () => {
  const keys: Record<string, Actor> = { 'k-admin': { name: 'a', role: 'admin' }, 'k-viewer': { name: 'v', role: 'viewer' } };
  let app: express.Express;
  beforeAll(() => {
    const auth = createRequireRole(async (k) => keys[k] ?? null);
    app = express();
    app.use(express.json());
    const kpi = createKpiService({ repo: createKpiRepository({ pool: db.pool }), clock, cache: false });
    app.use(createResultsRouter({ kpi, auth }));
    app.use(createRolloutRouter({ rollout, auth }));
    app.use(createErrorMiddleware(logger));
  });
  const as = (k: string) => ({ Authorization: `Bearer ${k}` });

  it('viewer reads, admin acts, client mistakes are 4xx naming the field', async () => {
    await request(app).get('/api/experiments/ship-it/rollout').expect(401);
    const got = await request(app).get('/api/experiments/ship-it/rollout').set(as('k-viewer')).expect(200);
    expect(got.body).toMatchObject({ experiment: 'ship-it', status: 'completed', currentShare: 1 });
    await request(app).post('/api/experiments/ship-it/rollout/pause').set(as('k-viewer')).expect(403);
    await request(app).get('/api/experiments/nope-nope/rollout').set(as('k-viewer')).expect(404);
    const bad = await request(app)
      .put('/api/experiments/manual/rollout/plan')
      .set(as('k-admin'))
      .send({ stages: [{ share: 0.5 }, { share: 0.2 }] })
      .expect(400);
    expect(bad.body.error.field).toBe('body.stages.1.share');
    const bad2 = await request(app).put('/api/experiments/manual/rollout/plan').set(as('k-admin')).send({ guardrails: { alpha: 2 } }).expect(400);
    expect(bad2.body.error.field).toBe('body.guardrails.alpha');
    await request(app).post('/api/experiments/no-traffic/rollout/evaluate').set(as('k-admin')).expect(200);
    await request(app).post('/api/experiments/ship-it/rollout/resume').set(as('k-admin')).expect(409);
    await request(app).post('/api/experiments/manual/rollout/rollback').set(as('k-admin')).send({ reason: 42 }).expect(400);
  });

  it('results: the contract shape over the stages of a shipped experiment', async () => {
    const r = await request(app).get('/api/experiments/ship-it/results?stage=all').set(as('k-viewer')).expect(200);
    const body = r.body;
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['experiment', 'stage', 'generatedAt', 'variants', 'comparisons', 'srm', 'timeseries', 'latencyHistogram']));
    for (const v of ['baseline', 'specs']) {
      expect(Object.keys(body.variants[v])).toEqual(
        expect.arrayContaining(['n', 'errors', 'graded', 'correct', 'accuracy', 'accuracyCi', 'latency', 'costPerRequest', 'costPerCorrect', 'tokens', 'draftAcceptance']),
      );
      expect(Object.keys(body.variants[v].latency)).toEqual(['mean', 'p50', 'p95', 'p99']);
    }
    const lat = body.comparisons.find((c: { metric: string }) => c.metric === 'latencyMean');
    expect(lat).toMatchObject({ difference: 'relative', betterIs: 'lower', significant: true });
    expect(lat.ci[1]).toBeLessThan(0);
    expect(Object.keys(lat)).toEqual(expect.arrayContaining(['metric', 'difference', 'effect', 'ci', 'pValue', 'adjustedPValue', 'significant', 'betterIs']));
    expect(body.srm).toMatchObject({ flagged: false });
    expect(body.latencyHistogram.baseline).toHaveLength(body.latencyHistogram.bounds.length);
    expect(body.timeseries[0]).toEqual(
      expect.objectContaining({ bucket: expect.any(String), variant: expect.any(String), n: expect.any(Number), latencyP95: expect.any(Number) }),
    );
    await request(app).get('/api/experiments/ship-it/results?stage=x').set(as('k-viewer')).expect(400);
    await request(app).get('/api/experiments/ship-it/timeseries?granularity=hour').set(as('k-viewer')).expect(200);
    const broken = await request(app).get('/api/experiments/broken-split/results').set(as('k-viewer')).expect(200);
    expect(broken.body.srm).toMatchObject({ flagged: true, expectedShare: 0.01 });
  });
});
