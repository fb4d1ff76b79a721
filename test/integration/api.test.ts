// Real ONNX sessions under jest: must be the first import (see the module).
import '../support/register-host-typed-arrays';
import request from 'supertest';
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import { createFakeDecoder } from '../support/stand-in-decoders';
import { expectedVariation } from '../../server/assignment';
import { createTestDatabase, createTestRedis, testAppConfig, type TestDatabase, type TestRedis } from '../support';

const ADMIN = { Authorization: 'Bearer dev-admin-key' };
const SERVICE = { Authorization: 'Bearer dev-service-key' };
const VIEWER = { Authorization: 'Bearer dev-viewer-key' };

/** End to end with the REAL models: HTTP → GrowthBook assignment → BullMQ → worker (ONNX) → request_log. */
describe('API end to end with the real decoder, BullMQ and worker', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let ctx: AppContext;

  beforeAll(async () => {
    db = await createTestDatabase('api');
    redis = createTestRedis('api');
    const config = testAppConfig({ db, redis, env: { WORKER_CONCURRENCY: '1', LOG_FLUSH_INTERVAL_MS: '50' } });
    ctx = await createAppContext(config, { role: 'all', migrate: false });
  });
  afterAll(async () => {
    await ctx?.close();
    await redis?.cleanup();
    await db?.drop();
  });

  it('readyz runs a token through each real model', async () => {
    const res = await request(ctx.app!).get('/readyz').expect(200);
    expect(res.body.checks).toMatchObject({ database: 'ok', queue: 'ok', models: 'ok' });
  });

  it('solves real questions in both arms and logs rows with timings, tokens and grading', async () => {
    // Small search budgets keep this test quick on two cores.
    await request(ctx.app!)
      .post('/api/experiments')
      .set(ADMIN)
      .send({
        key: 'real-e2e',
        specsShare: 0.5,
        baseline: { strategy: 'beam-target', params: { n: 2, beamWidth: 1, maxSteps: 8 } },
        specs: { strategy: 'specs', params: { n: 2, maxSteps: 8 } },
      })
      .expect(201);
    const exp = ctx.experiments!.cached().find((e) => e.key === 'real-e2e')!;
    const ids = Array.from({ length: 50 }, (_, i) => `user-${i}`);
    const units = [...ids.filter((u) => expectedVariation(exp, u) === 'baseline').slice(0, 2), ...ids.filter((u) => expectedVariation(exp, u) === 'specs').slice(0, 2)];
    const problems = [
      { question: '12+7', answer: 19 },
      { question: '3*4+5', answer: 17 },
      { question: '20-6', answer: 14 },
      { question: '8*(2+3)', answer: 40 },
    ];

    const responses = [];
    for (const [i, unitId] of units.entries()) {
      const p = problems[i]!;
      const res = await request(ctx.app!).post('/v1/solve').set(SERVICE).send({ question: p.question, reference: p.answer, unitId, experiment: 'real-e2e' });
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 200, error: undefined });
      expect(res.body).toMatchObject({ experiment: 'real-e2e', variant: expectedVariation(exp, unitId), unitId });
      expect(res.body.strategy).toBe(res.body.variant === 'specs' ? 'specs' : 'beam-target');
      expect(typeof res.body.correct).toBe('boolean');
      expect(res.body.correct).toBe(res.body.answer === p.answer);
      expect(res.body.decodeMs).toBeGreaterThan(0);
      responses.push(res.body);
    }

    await ctx.close();
    const { rows } = await db.pool.query('SELECT * FROM request_log WHERE experiment = $1', ['real-e2e']);
    expect(rows).toHaveLength(4);
    for (const body of responses) {
      const row = rows.find((r) => r.request_id === body.requestId)!;
      expect(row).toMatchObject({ variant: body.variant, strategy: body.strategy, status: 'ok', grading_source: 'reference', correct: body.correct, answer: body.answer });
      expect(row.reference).not.toBeNull();
      expect(row.latency_ms).toBeGreaterThanOrEqual(row.decode_ms);
      expect(row.target_tokens + row.draft_tokens).toBeGreaterThan(0);
      expect(row.prm_tokens).toBeGreaterThan(0);
      expect(row.cost_usd).toBeGreaterThan(0);
      expect(new Date(row.finished_at).getTime()).toBeGreaterThanOrEqual(new Date(row.received_at).getTime());
      // Baseline never runs the draft; SPECS may (how often depends on the PRM gate, so no count here).
      if (body.variant === 'baseline') expect(row.draft_tokens).toBe(0);
      else expect(row.target_fallbacks).not.toBeNull();
    }
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(['baseline', 'specs']));
  });
});

describe('API guards on the real stack', () => {
  let db: TestDatabase;
  let ctx: AppContext;

  beforeAll(async () => {
    db = await createTestDatabase('api_guards');
    const config = testAppConfig({ db });
    ctx = await createAppContext(config, { role: 'api', migrate: false, decoder: createFakeDecoder() });
    await request(ctx.app!).post('/api/experiments').set(ADMIN).send({ key: 'guarded', specsShare: 0.2 }).expect(201);
  });
  afterAll(async () => {
    await ctx?.close();
    await db?.drop();
  });

  it.each([
    ['no key', 401, {}, 'get', '/api/experiments'],
    ['viewer writes', 403, VIEWER, 'put', '/api/experiments/guarded/share'],
    ['service reads experiments', 403, SERVICE, 'get', '/api/experiments/guarded'],
    ['unknown experiment', 404, ADMIN, 'get', '/api/experiments/no-such-exp'],
  ] as const)('%s → %d', async (_label, status, headers, method, p) => {
    const res = await request(ctx.app!)[method](p).set(headers).send({ specsShare: 0.3 });
    expect(res.status).toBe(status);
  });

  it.each([
    [{ specsShare: 1.2 }, 'body.specsShare'],
    [{ specsShare: -0.01 }, 'body.specsShare'],
    [{}, 'body.specsShare'],
  ])('PUT share %j → 400 naming %s', async (body, field) => {
    const res = await request(ctx.app!).put('/api/experiments/guarded/share').set(ADMIN).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
  });

  it.each([
    [{ question: 'two plus two' }, 'body.question'],
    [{ question: '1+2', experiment: 'nope-nope' }, 'body.experiment'],
  ])('POST /v1/solve %j → error naming %s', async (body, field) => {
    const res = await request(ctx.app!).post('/v1/solve').set(SERVICE).send(body);
    expect([400, 404]).toContain(res.status);
    expect(res.body.error.field).toBe(field);
  });

  it('API keys live in the database as hashes and are revocable', async () => {
    const created = await request(ctx.app!).post('/api/keys').set(ADMIN).send({ name: 'svc-1', role: 'service' }).expect(201);
    const stored = await db.pool.query('SELECT key_hash, role FROM api_key WHERE id = $1', [created.body.id]);
    expect(stored.rows[0].key_hash).not.toContain(created.body.key);
    expect(stored.rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    await request(ctx.app!).post('/v1/solve').set({ Authorization: `Bearer ${created.body.key}` }).send({ question: '1+1' }).expect(200);
    await request(ctx.app!).delete(`/api/keys/${created.body.id}`).set(ADMIN).expect(200);
    await request(ctx.app!).post('/v1/solve').set({ Authorization: `Bearer ${created.body.key}` }).send({ question: '1+1' }).expect(401);
  });

  it('readyz reports database and queue, and no models check for a stand-in decoder', async () => {
    const res = await request(ctx.app!).get('/readyz').expect(200);
    expect(res.body.checks).toEqual({ database: 'ok', queue: 'ok' });
  });
});
