/**
 * The wired application (create-app-context): results and rollout routes are
 * mounted, and the serving path stamps each request_log row with the
 * experiment's current analysis stage, which the rollout opens afresh on every
 * stage change. Stand-in decoder (the real one is covered by rollout.test.ts).
 */
import request from 'supertest';
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import { createFakeDecoder } from '../support/stand-in-decoders';
import { createTestDatabase, createTestRedis, testAppConfig, type TestDatabase, type TestRedis } from '../support';

jest.setTimeout(120_000);

const ADMIN = { Authorization: 'Bearer dev-admin-key' };
const SERVICE = { Authorization: 'Bearer dev-service-key' };
const VIEWER = { Authorization: 'Bearer dev-viewer-key' };
const KEY = 'wired-rollout';

let db: TestDatabase;
let redis: TestRedis;
let ctx: AppContext;

beforeAll(async () => {
  db = await createTestDatabase('rollout_wiring');
  redis = createTestRedis('rollout_wiring');
  const config = testAppConfig({ db, redis, env: { LOG_FLUSH_INTERVAL_MS: '50', GATE_EVAL_INTERVAL_MS: '3600000' } });
  ctx = await createAppContext(config, { role: 'all', migrate: false, decoder: createFakeDecoder() });
});

afterAll(async () => {
  await ctx?.close();
  await redis?.cleanup();
  await db?.drop();
});

async function solve(count: number, offset: number) {
  for (let i = 0; i < count; i++) {
    await request(ctx.app!)
      .post('/v1/solve')
      .set(SERVICE)
      .send({ question: `${i + 1}+${offset}`, reference: i + 1 + offset, unitId: `u-${offset}-${i}`, experiment: KEY })
      .expect(200);
  }
}

/** Waits (bounded by the jest timeout, no timing assertion) until the batched writer has committed `n` rows. */
async function logged(n: number) {
  for (;;) {
    const r = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM request_log WHERE experiment = $1`, [KEY]);
    if (r.rows[0]!.n >= n) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

it('serves results and rollout through the wired app, with rows stamped by analysis stage', async () => {
  await request(ctx.app!).post('/api/experiments').set(ADMIN).send({ key: KEY, specsShare: 0.5 }).expect(201);
  await solve(12, 0);
  await logged(12);
  const before = await request(ctx.app!).get(`/api/experiments/${KEY}/results?stage=0`).set(VIEWER).expect(200);
  expect(before.body.variants.baseline.n + before.body.variants.specs.n).toBe(12);
  expect(before.body.variants.baseline.accuracy ?? before.body.variants.specs.accuracy).toBe(1);

  await request(ctx.app!).get(`/api/experiments/${KEY}/rollout`).set(VIEWER).expect(200, /"status":"none"/);
  await request(ctx.app!).post(`/api/experiments/${KEY}/rollout/start`).set(VIEWER).expect(403);
  const started = await request(ctx.app!).post(`/api/experiments/${KEY}/rollout/start`).set(ADMIN).expect(200);
  expect(started.body).toMatchObject({ status: 'running', currentStage: 0, currentShare: 0.01, analysisStage: 1 });

  // The serving path reads the experiment snapshot that the rollout just changed.
  await solve(8, 50);
  await logged(20);
  const stages = await db.pool.query<{ stage: number; n: number }>(
    `SELECT stage, count(*)::int AS n FROM request_log WHERE experiment = $1 GROUP BY stage ORDER BY stage`,
    [KEY],
  );
  expect(stages.rows).toEqual([
    { stage: 0, n: 12 },
    { stage: 1, n: 8 },
  ]);
  const current = await request(ctx.app!).get(`/api/experiments/${KEY}/results`).set(VIEWER).expect(200);
  expect(current.body).toMatchObject({ stage: 1, srm: { expectedShare: 0.01 } });
  expect(current.body.variants.baseline.n + current.body.variants.specs.n).toBe(8);

  const evaluated = await request(ctx.app!).post(`/api/experiments/${KEY}/rollout/evaluate`).set(ADMIN).expect(200);
  expect(evaluated.body.verdict).toBe('hold');
  const rolled = await request(ctx.app!).post(`/api/experiments/${KEY}/rollout/rollback`).set(ADMIN).send({ reason: 'wiring test' }).expect(200);
  expect(rolled.body).toMatchObject({ status: 'rolled_back', currentShare: 0 });
});
