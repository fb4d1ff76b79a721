import request from 'supertest';
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import type { Solver } from '../../server/queue';
import { createTestDatabase, testAppConfig, type TestDatabase } from '../support';
import { createFakeDecoder } from '../support/stand-in-decoders';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const KEYS = { admin: 'test-admin-key', service: 'test-service-key', viewer: 'test-viewer-key' } as const;
const CLIENT_KEY = 'sdk-http-app-test-client-key';

/** The real composition root on this file's Postgres schema, with a stand-in decoder (answers right, at once). */
async function startApp(db: TestDatabase, o: { decoder?: Solver; solveTimeoutMs?: number; env?: Record<string, string> } = {}): Promise<AppContext & { keys: typeof KEYS }> {
  const config = testAppConfig({
    db,
    env: {
      FEATURES_CLIENT_KEY: CLIENT_KEY,
      ADMIN_API_KEY: KEYS.admin,
      SERVICE_API_KEY: KEYS.service,
      VIEWER_API_KEY: KEYS.viewer,
      LOG_FLUSH_INTERVAL_MS: '20',
      SOLVE_TIMEOUT_MS: String(o.solveTimeoutMs ?? 10_000),
      ...o.env,
    },
  });
  const ctx = await createAppContext(config, { role: 'api', migrate: false, decoder: o.decoder ?? createFakeDecoder() });
  return Object.assign(ctx, { keys: KEYS });
}

/** The logged row of a request, once the batched writer has committed it. */
async function loggedRow(db: TestDatabase, requestId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const r = await db.pool.query('SELECT * FROM request_log WHERE request_id = $1', [requestId]);
    if (r.rows[0]) return r.rows[0];
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`request ${requestId} was never logged`);
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('http_app');
});
afterAll(async () => {
  await db?.drop();
});

describe('HTTP app (real composition root, stand-in decoder)', () => {
  let ctx: AppContext & { keys: typeof KEYS };
  const admin = () => bearer(ctx.keys.admin);
  const service = () => bearer(ctx.keys.service);
  const viewer = () => bearer(ctx.keys.viewer);

  beforeAll(async () => {
    ctx = await startApp(db);
  });
  afterAll(() => ctx?.close());
  beforeEach(async () => {
    // The previous test's rows may still be committing in the background writer: retry a deadlock.
    for (let attempt = 0; ; attempt++) {
      try {
        await db.pool.query('TRUNCATE experiment, audit_log, api_key, request_log, request_rollup, request_unit_rollup, feedback CASCADE');
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== '40P01' || attempt > 5) throw err;
      }
    }
    await ctx.experiments.refresh();
  });

  const createExp = (body: Record<string, unknown> = {}) =>
    request(ctx.app!).post('/api/experiments').set(admin()).send({ key: 'exp-one', specsShare: 0.5, ...body });

  it.each([
    ['get', '/api/experiments', undefined],
    ['post', '/api/experiments', {}],
    ['post', '/v1/solve', { question: '1+2' }],
    ['post', '/api/keys', { name: 'x', role: 'viewer' }],
  ] as const)('%s %s without a key → 401', async (method, path, body) => {
    const res = await request(ctx.app!)[method](path).send(body);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('an unknown key → 401', async () => {
    const res = await request(ctx.app!).get('/api/experiments').set(bearer('nope-nope-nope'));
    expect(res.status).toBe(401);
  });

  it.each([
    ['viewer', 'post', '/api/experiments', { key: 'abc', specsShare: 0.1 }],
    ['viewer', 'post', '/v1/solve', { question: '1+2' }],
    ['service', 'get', '/api/experiments', undefined],
    ['service', 'put', '/api/experiments/exp-one/share', { specsShare: 0.2 }],
  ] as const)('%s may not %s %s → 403', async (role, method, path, body) => {
    const res = await request(ctx.app!)[method](path).set(bearer(ctx.keys[role])).send(body);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it.each([
    [{ key: 'A', specsShare: 0.5 }, 'body.key'],
    [{ key: 'ok-key', specsShare: 1.5 }, 'body.specsShare'],
    [{ key: 'ok-key', specsShare: -0.1 }, 'body.specsShare'],
    [{ key: 'ok-key' }, 'body.specsShare'],
    [{ key: 'ok-key', specsShare: 0.5, specs: { strategy: 'nope' } }, 'body.specs.strategy'],
    [{ key: 'ok-key', specsShare: 0.5, specs: { strategy: 'specs', params: { n: 0 } } }, 'body.specs.params.n'],
  ])('POST /api/experiments %j → 400 naming %s', async (body, field) => {
    const res = await request(ctx.app!).post('/api/experiments').set(admin()).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
  });

  it('creates a running experiment with default variants, then 409 on a duplicate key', async () => {
    const res = await createExp();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      key: 'exp-one',
      status: 'running',
      specsShare: 0.5,
      variants: { baseline: { strategy: 'beam-target', params: { n: 8 } }, specs: { strategy: 'specs', params: { n: 8 } } },
    });
    expect((await createExp()).status).toBe(409);
    const list = await request(ctx.app!).get('/api/experiments').set(viewer());
    expect(list.body.experiments).toHaveLength(1);
  });

  it.each([1.01, -0.5, 'half'])('PUT share %p → 400 naming body.specsShare', async (specsShare) => {
    await createExp();
    const res = await request(ctx.app!).put('/api/experiments/exp-one/share').set(admin()).send({ specsShare });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('body.specsShare');
  });

  it.each([
    ['get', '/api/experiments/nope-exp'],
    ['put', '/api/experiments/nope-exp/share'],
    ['post', '/api/experiments/nope-exp/pause'],
    ['get', '/api/experiments/nope-exp/audit'],
  ] as const)('%s %s (unknown experiment) → 404', async (method, path) => {
    const res = await request(ctx.app!)[method](path).set(admin()).send({ specsShare: 0.3 });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('share changes, pause/resume/stop are audited with who, before and after', async () => {
    await createExp();
    await request(ctx.app!).put('/api/experiments/exp-one/share').set(admin()).send({ specsShare: 0.25 }).expect(200);
    await request(ctx.app!).post('/api/experiments/exp-one/pause').set(admin()).expect(200);
    expect((await request(ctx.app!).post('/api/experiments/exp-one/pause').set(admin())).status).toBe(409);
    await request(ctx.app!).post('/api/experiments/exp-one/resume').set(admin()).expect(200);
    const stopped = await request(ctx.app!).post('/api/experiments/exp-one/stop').set(admin()).expect(200);
    expect(stopped.body.bucketVersion).toBe(2);
    const audit = await request(ctx.app!).get('/api/experiments/exp-one/audit').set(viewer()).expect(200);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(['stop', 'resume', 'pause', 'set-share', 'create']);
    expect(audit.body.entries[3]).toMatchObject({ actor: 'config-admin (admin)', before: { specsShare: 0.5 }, after: { specsShare: 0.25, stage: 1 } });
  });

  it('serves the GrowthBook payload to its SDK client key or a bearer key, to nobody else', async () => {
    await createExp({ specsShare: 0.3 });
    await request(ctx.app!).get('/api/features').expect(401);
    await request(ctx.app!).get('/api/features/not-the-key').expect(401);
    await request(ctx.app!).get('/api/features').set(viewer()).expect(200);
    const res = await request(ctx.app!).get(`/api/features/${CLIENT_KEY}`).expect(200);
    expect(res.body).toMatchObject({ status: 200, experiments: [] });
    expect(res.body.features['decoding-strategy:exp-one'].rules[0]).toMatchObject({ weights: [0.7, 0.3], hashAttribute: 'unitId', hashVersion: 2 });
  });

  it('solve: assigns, decodes, logs the row with timings; feedback applies', async () => {
    await createExp();
    const res = await request(ctx.app!).post('/v1/solve').set(service()).send({ question: '2+3*4', unitId: 'u-1', reference: 14 }).expect(200);
    expect(res.body).toMatchObject({ experiment: 'exp-one', answer: 14, correct: true, unitId: 'u-1', gradingSource: 'reference' });
    expect(['baseline', 'specs']).toContain(res.body.variant);
    expect(res.body.strategy).toBe(res.body.variant === 'specs' ? 'specs' : 'beam-target');
    const row = await loggedRow(db, res.body.requestId);
    expect(row).toMatchObject({ request_id: res.body.requestId, experiment: 'exp-one', variant: res.body.variant, status: 'ok', correct: true });
    expect(row.latency_ms as number).toBeGreaterThanOrEqual(row.decode_ms as number);
    expect((row.finished_at as Date).getTime()).toBeGreaterThanOrEqual((row.received_at as Date).getTime());

    const again = await request(ctx.app!).post('/v1/solve').set(service()).send({ question: '1+1', unitId: 'u-1' }).expect(200);
    expect(again.body.variant).toBe(res.body.variant);
    expect(again.body.correct).toBeNull();

    await loggedRow(db, again.body.requestId);
    const fb = await request(ctx.app!).post('/v1/feedback').set(service()).send({ requestId: again.body.requestId, correct: true }).expect(200);
    expect(fb.body.applied).toBe(true);
    expect((await loggedRow(db, again.body.requestId)).correct).toBe(true);
  });

  it.each([
    [{ question: 'hello' }, 'body.question'],
    [{ question: '' }, 'body.question'],
    [{}, 'body.question'],
    [{ question: '1+2', experiment: 'BAD KEY' }, 'body.experiment'],
    [{ question: '1+2', reference: 1.5 }, 'body.reference'],
  ])('POST /v1/solve %j → 400 naming %s', async (body, field) => {
    await createExp();
    const res = await request(ctx.app!).post('/v1/solve').set(service()).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
  });

  it('solve without a running experiment → 404 naming body.experiment', async () => {
    const res = await request(ctx.app!).post('/v1/solve').set(service()).send({ question: '1+2' });
    expect(res.status).toBe(404);
    expect(res.body.error.field).toBe('body.experiment');
    const named = await request(ctx.app!).post('/v1/solve').set(service()).send({ question: '1+2', experiment: 'missing-one' });
    expect(named.status).toBe(404);
  });

  it.each(['constructor', 'prototype', 'hasownproperty', 'tostring'])('an experiment keyed %s works like any other', async (key) => {
    await createExp({ key });
    const res = await request(ctx.app!).post('/v1/solve').set(service()).send({ question: '1+2', experiment: key, unitId: 'u-9' });
    expect(res.status).toBe(200);
    expect(res.body.experiment).toBe(key);
  });

  it.each([
    ['a malformed path encoding', () => request(ctx.app!).get('/api/experiments/%zz').set(admin()), 400],
    ['an unsupported content-encoding', () => request(ctx.app!).post('/api/experiments').set(admin()).set('content-type', 'application/json').set('content-encoding', 'zstd-x').send('{}'), 415],
    ['a gzip header on a plain body', () => request(ctx.app!).post('/api/experiments').set(admin()).set('content-type', 'application/json').set('content-encoding', 'gzip').send('{"key":"a"}'), 400],
    ['a NUL character in a string', () => request(ctx.app!).post('/api/experiments').set(admin()).send({ key: 'nul-key', name: 'a\u0000b', specsShare: 0.5 }), 400],
    ['a reference beyond int4', () => request(ctx.app!).post('/v1/solve').set(service()).send({ question: '1+2', reference: 2 ** 40 }), 400],
    ['an empty plan', () => request(ctx.app!).put('/api/experiments/exp-one/rollout/plan').set(admin()).send({ stages: [] }), 400],
  ] as const)('%s → %d, never 500', async (_name, send, status) => {
    await createExp();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.message).not.toMatch(/\n\s+at /);
  });

  it('an anonymous body is not even parsed: 401 before 400', async () => {
    const res = await request(ctx.app!).post('/api/experiments').set('content-type', 'application/json').send('{"key": ');
    expect(res.status).toBe(401);
  });

  it('feedback names a request id the service issued (a UUID), or is refused', async () => {
    const res = await request(ctx.app!).post('/v1/feedback').set(service()).send({ requestId: 'anything-at-all', correct: true });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('body.requestId');
  });

  it('malformed JSON → 400, never 500', async () => {
    const res = await request(ctx.app!).post('/api/experiments').set(admin()).set('content-type', 'application/json').send('{"key": ');
    expect(res.status).toBe(400);
  });

  it('API keys: created once-visible, usable, revocable', async () => {
    const created = await request(ctx.app!).post('/api/keys').set(admin()).send({ name: 'ci', role: 'viewer' }).expect(201);
    expect(created.body.key).toMatch(/^sk_viewer_/);
    await request(ctx.app!).get('/api/experiments').set(bearer(created.body.key)).expect(200);
    await request(ctx.app!).delete(`/api/keys/${created.body.id}`).set(admin()).expect(200);
    await request(ctx.app!).get('/api/experiments').set(bearer(created.body.key)).expect(401);
    expect((await request(ctx.app!).delete('/api/keys/not-a-uuid').set(admin())).status).toBe(400);
  });

  it('ops endpoints are open', async () => {
    await request(ctx.app!).get('/healthz').expect(200);
    const ready = await request(ctx.app!).get('/readyz').expect(200);
    expect(ready.body.checks).toEqual({ database: 'ok', queue: 'ok' });
    const metrics = await request(ctx.app!).get('/metrics').expect(200);
    expect(metrics.text).toContain('requests_total');
  });
});

describe('solve timeout', () => {
  it('answers 504 with the requestId; the request is logged as a timeout at its deadline', async () => {
    const ctx = await startApp(db, { decoder: createFakeDecoder({ decodeMs: 150 }), solveTimeoutMs: 20 });
    try {
      await db.pool.query('TRUNCATE experiment, request_log CASCADE');
      await ctx.experiments.refresh();
      await request(ctx.app!).post('/api/experiments').set(bearer(ctx.keys.admin)).send({ key: 'exp-t', specsShare: 0.5 }).expect(201);
      const res = await request(ctx.app!).post('/v1/solve').set(bearer(ctx.keys.service)).send({ question: '1+2', reference: 3 });
      expect(res.status).toBe(504);
      expect(res.body.error.code).toBe('TIMEOUT');
      const row = await loggedRow(db, res.body.requestId);
      // The user waited 20 ms and got no answer: a timeout, counted at the deadline, graded wrong.
      expect(row).toMatchObject({ status: 'timeout', correct: false });
      expect(row.latency_ms).toBeCloseTo(20, 0);
    } finally {
      await ctx.close();
    }
  });
});

describe('admission control', () => {
  it.each([
    ['a full queue sheds load with 503 and Retry-After', { QUEUE_MAX_PENDING: '2', WORKER_CONCURRENCY: '1' }, 503, 'OVERLOADED'],
    ['a key over its rate gets 429 and Retry-After', { RATE_LIMIT_PER_KEY_RPS: '1' }, 429, 'RATE_LIMITED'],
  ])('%s', async (_name, env, status, code) => {
    const ctx = await startApp(db, { decoder: createFakeDecoder({ decodeMs: 200 }), env });
    try {
      await db.pool.query('TRUNCATE experiment CASCADE');
      await ctx.experiments.refresh();
      await request(ctx.app!).post('/api/experiments').set(bearer(ctx.keys.admin)).send({ key: `adm-${status}`, specsShare: 0.5 }).expect(201);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => request(ctx.app!).post('/v1/solve').set(bearer(ctx.keys.service)).send({ question: `${i}+1`, unitId: `u${i}` })));
      const refused = results.filter((r) => r.status === status);
      expect(refused.length).toBeGreaterThan(0);
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
      expect(results.every((r) => r.status === 200 || r.status === status)).toBe(true);
      for (const r of refused) {
        expect(r.body.error.code).toBe(code);
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await ctx.close();
    }
  });
});
