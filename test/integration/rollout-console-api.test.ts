/**
 * The API behind the console's rollout view, on the real app and Postgres: the gate's
 * assessment now, the plan preview (validation, roles, determinism, the saved plan), and
 * roll back whenever SPECS has traffic.
 */
import request from 'supertest';
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import type { AssessmentJson } from '../../server/rollout/rollout-assessment';
import type { PlanPreview } from '../../server/rollout/plan-preview';
import { createFakeDecoder } from '../support/stand-in-decoders';
import { createTestDatabase, makeRequestLogRow, testAppConfig, type TestDatabase } from '../support';
import { writeRequests } from '../support/seed-requests';

jest.setTimeout(120_000);

const ADMIN = { Authorization: 'Bearer dev-admin-key' };
const VIEWER = { Authorization: 'Bearer dev-viewer-key' };
const SERVICE = { Authorization: 'Bearer dev-service-key' };
const SHORT_PLAN = { stages: [{ share: 0.2, minDurationMs: 0, minGradedPerArm: 30 }, { share: 0.5, minDurationMs: 0, minGradedPerArm: 30 }, { share: 1 }] };

let db: TestDatabase;
let ctx: AppContext;
const app = () => ctx.app!;

beforeAll(async () => {
  db = await createTestDatabase('console_api');
  ctx = await createAppContext(testAppConfig({ db }), { role: 'api', migrate: false, decoder: createFakeDecoder() });
});
afterAll(async () => {
  await ctx?.close();
  await db?.drop();
});

async function create(key: string, specsShare = 0) {
  await request(app()).post('/api/experiments').set(ADMIN).send({ key, specsShare }).expect(201);
}

/** Graded rows in the experiment's current analysis stage, through the real writer. */
async function traffic(key: string, counts: { baseline: number; specs: number }, accuracy = { baseline: 0.75, specs: 0.75 }) {
  const { analysisStage } = (await request(app()).get(`/api/experiments/${key}/rollout`).set(VIEWER).expect(200)).body;
  const now = Date.now();
  const rows = (['baseline', 'specs'] as const).flatMap((variant) =>
    Array.from({ length: counts[variant] }, (_, i) => {
      const correct = (i * 0.618) % 1 < accuracy[variant];
      return makeRequestLogRow(i, { experiment: key, stage: analysisStage, variant, strategy: variant === 'specs' ? 'specs' : 'beam-target', status: 'ok', error: null, reference: 7, answer: correct ? 7 : 1, correct, gradingSource: 'reference', receivedAt: new Date(now - 10 * 60_000 + i * 1000) }, `${key}-${analysisStage}-${variant}`);
    }),
  );
  await writeRequests(db.pool, rows);
  ctx.kpi!.invalidate(key);
}

describe('GET /api/experiments/:key/rollout/assessment', () => {
  it('says what Start would begin when there is no plan, with every guardrail and its threshold', async () => {
    await create('assess-none');
    const a: AssessmentJson = (await request(app()).get('/api/experiments/assess-none/rollout/assessment').set(VIEWER).expect(200)).body;
    expect(a.status).toBe('none');
    expect(a.acting).toBe(false);
    expect(a.headline).toBe('No rollout yet: SPECS gets 0 % outside any plan. Start would begin stage 1 of 5 (1 %).');
    expect(a.stage).toMatchObject({ number: 1, count: 5, label: 'stage 1 of 5 (1 %)', minGradedPerArm: 200 });
    expect(a.guardrails.map((g) => [g.name, g.threshold, g.status])).toEqual([
      ['accuracy', -0.02, 'pending'],
      ['errorRate', 0.005, 'pending'],
      ['p95Latency', 0.1, 'pending'],
      ['cost', 0.1, 'pending'],
    ]);
    expect(a.guardrails.every((g) => g.interval === null && typeof g.insufficient === 'string')).toBe(true);
    expect(a.stages.map((s) => s.state)).toEqual(['upcoming', 'upcoming', 'upcoming', 'upcoming', 'upcoming']);
  });

  it('holds a running stage short of its minimum and names what is missing, per metric', async () => {
    await create('assess-hold');
    await request(app()).put('/api/experiments/assess-hold/rollout/plan').set(ADMIN).send(SHORT_PLAN).expect(200);
    await request(app()).post('/api/experiments/assess-hold/rollout/start').set(ADMIN).expect(200);
    await traffic('assess-hold', { baseline: 60, specs: 12 });
    const a: AssessmentJson = (await request(app()).get('/api/experiments/assess-hold/rollout/assessment').set(ADMIN).expect(200)).body;
    expect(a).toMatchObject({ status: 'running', acting: true, verdict: 'hold', share: 0.2 });
    expect(a.headline).toBe('Holding: SPECS needs 18 more graded answers at 20 %; nothing is breached.');
    expect(a.stage).toMatchObject({ label: 'stage 1 of 3 (20 %)', graded: { baseline: 60, specs: 12 }, remainingGraded: { baseline: 0, specs: 18 } });
    expect(a.stages.map((s) => s.state)).toEqual(['current', 'upcoming', 'upcoming']);
    // Every reason names its metric.
    expect(a.reasons.map((r) => r.metric)).toEqual(expect.arrayContaining(['samples', 'accuracy', 'errorRate']));
    expect(a.reasons.every((r) => typeof r.metric === 'string')).toBe(true);
    // Before the minimums the proportion guardrails use exact bounds, inside the possible range.
    const acc = a.guardrails.find((g) => g.name === 'accuracy')!;
    expect(acc.interval?.regime).toBe('exact');
    expect(acc.interval!.low).toBeGreaterThanOrEqual(-1);
    expect(acc.interval!.high).toBeLessThanOrEqual(1);
  });

  it.each([
    ['an unknown experiment', '/api/experiments/no-such-exp/rollout/assessment', VIEWER, 404, 'params.key'],
    ['a malformed key', '/api/experiments/BAD%20KEY/rollout/assessment', VIEWER, 400, 'params.key'],
    ['the service role', '/api/experiments/assess-none/rollout/assessment', SERVICE, 403, undefined],
    ['no key', '/api/experiments/assess-none/rollout/assessment', {}, 401, undefined],
  ])('refuses %s', async (_name, path, headers, status, field) => {
    const res = await request(app()).get(path).set(headers).expect(status);
    expect(res.body.error.field).toBe(field);
  });
});

describe('POST /api/experiments/:key/rollout/preview', () => {
  beforeAll(async () => {
    await create('preview-exp', 0.5);
    await traffic('preview-exp', { baseline: 300, specs: 300 });
  });

  it.each([
    [{ runs: 5 }, 'body.runs', /at least 10/],
    [{ runs: 1000 }, 'body.runs', /at most 200/],
    [{ ratePerMinute: -3 }, 'body.ratePerMinute', /> 0/],
    [{ ratePerMinute: 'fast' }, 'body.ratePerMinute', /number/],
    [{ plan: { stages: [{ share: 0.5 }, { share: 0.4 }] } }, 'body.plan.stages.1.share', /increase/],
    [{ plan: { stages: [] } }, 'body.plan.stages', /at least one gated stage/],
    [{ plan: { guardrails: { alpha: 0.9 } } }, 'body.plan.guardrails.alpha', /0.5/],
    [{ seeds: 3 }, 'body', /seeds/],
  ])('400 for %j, naming %s and why', async (body, field, reason) => {
    const res = await request(app()).post('/api/experiments/preview-exp/rollout/preview').set(ADMIN).send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(res.body.error.message).toMatch(reason);
  });

  it('is for admins: a viewer gets 403, an unknown experiment 404', async () => {
    await request(app()).post('/api/experiments/preview-exp/rollout/preview').set(VIEWER).send({}).expect(403);
    const res = await request(app()).post('/api/experiments/no-such-exp/rollout/preview').set(ADMIN).send({}).expect(404);
    expect(res.body.error.field).toBe('params.key');
  });

  it('says so when there is no traffic to preview at, and uses a given rate instead', async () => {
    await create('preview-empty');
    const none = (await request(app()).post('/api/experiments/preview-empty/rollout/preview').set(ADMIN).send({}).expect(200)).body;
    expect(none).toEqual({ experiment: 'preview-empty', insufficient: true, reason: expect.stringMatching(/no traffic observed.*ratePerMinute/) });
    const given: PlanPreview = (await request(app()).post('/api/experiments/preview-empty/rollout/preview').set(ADMIN).send({ ratePerMinute: 600, runs: 10, plan: SHORT_PLAN }).expect(200)).body;
    expect(given.traffic).toMatchObject({ ratePerMinute: 600, source: 'given' });
    expect(given.assumptions.join('; ')).toMatch(/baseline: only 0 requests, so assumed: accuracy 0.5/);
  });

  it('simulates the saved plan at the observed traffic', async () => {
    await request(app()).put('/api/experiments/preview-exp/rollout/plan').set(ADMIN).send(SHORT_PLAN).expect(200);
    const a: PlanPreview = (await request(app()).post('/api/experiments/preview-exp/rollout/preview').set(ADMIN).send({ runs: 10, seed: 7 }).expect(200)).body;
    expect(a.plan.stages.map((s) => s.share)).toEqual([0.2, 0.5, 1]);
    expect(a.traffic.source).toBe('observed');
    expect(a.traffic.ratePerMinute).toBeGreaterThan(0);
    expect(a.traffic.gradedShare).toBe(1);
    expect(a.simulation.requestedRuns).toBe(10);
    for (const c of [a.falseRollback, a.regressionShipped, a.hoursToShip.shipped]) {
      expect(c.runs).toBe(a.simulation.runs);
      expect(c.probability).toBe(c.count / c.runs);
      expect(c.ci[0]).toBeLessThanOrEqual(c.probability);
      expect(c.ci[1]).toBeGreaterThanOrEqual(c.probability);
    }
    expect(a.simulation.runs).toBeGreaterThan(0);
    expect(a.simulation.runs).toBeLessThanOrEqual(10);
    expect(a.hoursToShip.shipped.probability + a.hoursToShip.rolledBack.probability + a.hoursToShip.stuck.probability).toBeCloseTo(1, 9);
  });
});

describe('roll back while SPECS has traffic', () => {
  it('after a ship', async () => {
    await create('rb-shipped');
    await request(app()).put('/api/experiments/rb-shipped/rollout/plan').set(ADMIN).send({ stages: [{ share: 0.5, minDurationMs: 0, minGradedPerArm: 0 }, { share: 1 }] }).expect(200);
    await request(app()).post('/api/experiments/rb-shipped/rollout/start').set(ADMIN).expect(200);
    const shipped = (await request(app()).post('/api/experiments/rb-shipped/rollout/advance').set(ADMIN).expect(200)).body;
    expect(shipped).toMatchObject({ status: 'completed', currentShare: 1 });
    const after = (await request(app()).post('/api/experiments/rb-shipped/rollout/rollback').set(ADMIN).send({ reason: 'regression seen after ship' }).expect(200)).body;
    expect(after).toMatchObject({ status: 'rolled_back', currentShare: 0 });
    expect(after.decisions[0]).toMatchObject({ verdict: 'manual-rollback', reasons: [{ code: 'MANUAL', message: 'regression seen after ship' }] });
  });

  it('with a share set by hand and no rollout, then 409 once SPECS has none', async () => {
    await create('rb-manual');
    await request(app()).put('/api/experiments/rb-manual/share').set(ADMIN).send({ specsShare: 0.3, reason: 'manual test' }).expect(200);
    const after = (await request(app()).post('/api/experiments/rb-manual/rollout/rollback').set(ADMIN).send({}).expect(200)).body;
    expect(after).toMatchObject({ status: 'none', currentShare: 0 });
    expect(after.decisions[0]).toMatchObject({ verdict: 'manual-rollback', metrics: { share: 0, previousShare: 0.3 } });
    const again = await request(app()).post('/api/experiments/rb-manual/rollout/rollback').set(ADMIN).send({}).expect(409);
    expect(again.body.error.message).toMatch(/SPECS has no traffic/);
    // Every share change is in the audit log with who made it, before and after.
    const audit = (await request(app()).get('/api/experiments/rb-manual/audit').set(VIEWER).expect(200)).body.entries;
    expect(audit.filter((e: { action: string }) => e.action === 'set-share').map((e: { actor: string; before: { specsShare: number }; after: { specsShare: number } }) => [e.actor, e.before.specsShare, e.after.specsShare])).toEqual([
      ['config-admin (admin)', 0.3, 0],
      ['config-admin (admin)', 0, 0.3],
    ]);
  });
});
