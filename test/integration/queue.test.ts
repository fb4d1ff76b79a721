import request from 'supertest';
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import { createFakeDecoder } from '../support/stand-in-decoders';
import { createTestDatabase, createTestRedis, testAppConfig, type TestDatabase, type TestRedis } from '../support';

const ADMIN = { Authorization: 'Bearer dev-admin-key' };
const SERVICE = { Authorization: 'Bearer dev-service-key' };

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const config = (db: TestDatabase, redis: TestRedis | undefined, over: Record<string, string> = {}) =>
  testAppConfig({ db, redis, env: { WORKER_CONCURRENCY: '4', LOG_FLUSH_INTERVAL_MS: '50', ...over } });

const rowsOf = async (db: TestDatabase, ids: string[]) =>
  (await db.pool.query('SELECT request_id, variant, status, error, queue_wait_ms, decode_ms, latency_ms, correct FROM request_log WHERE request_id = ANY($1)', [ids])).rows as {
    request_id: string;
    variant: string;
    status: string;
    error: string | null;
    queue_wait_ms: number;
    decode_ms: number;
    latency_ms: number;
    correct: boolean | null;
  }[];

describe.each(['bullmq', 'in-process'] as const)('decode queue (%s) with a constant-cost decoder', (mode) => {
  let db: TestDatabase;
  let redis: TestRedis | undefined;
  let ctx: AppContext;

  beforeAll(async () => {
    db = await createTestDatabase(`queue_${mode}`);
    redis = mode === 'bullmq' ? createTestRedis('queue') : undefined;
    ctx = await createAppContext(config(db, redis), {
      role: 'all',
      migrate: false,
      decoder: createFakeDecoder({ decodeMs: 10, fail: (q) => q === '99*99' }),
    });
    expect(ctx.queueMode).toBe(mode);
    await request(ctx.app!).post('/api/experiments').set(ADMIN).send({ key: 'queue-exp', specsShare: 0.5 }).expect(201);
  });
  afterAll(async () => {
    await ctx?.close();
    await redis?.cleanup();
    await db?.drop();
  });

  it('runs concurrent solves through the queue and the worker logs every one', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => request(ctx.app!).post('/v1/solve').set(SERVICE).send({ question: `${i}+1`, reference: i + 1, unitId: `u${i}` })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    const ids = responses.map((r) => r.body.requestId as string);
    const rows = await waitFor(async () => {
      const rs = await rowsOf(db, ids);
      return rs.length === ids.length ? rs : undefined;
    }, 'request_log rows');
    for (const row of rows) {
      const res = responses.find((r) => r.body.requestId === row.request_id)!;
      expect(row).toMatchObject({ status: 'ok', variant: res.body.variant, correct: true });
      expect(row.latency_ms).toBeGreaterThanOrEqual(row.decode_ms);
      expect(row.queue_wait_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('a decode failure answers 502 and is logged as an error row', async () => {
    const res = await request(ctx.app!).post('/v1/solve').set(SERVICE).send({ question: '99*99' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('DECODE_FAILED');
    const [row] = await waitFor(async () => {
      const rs = await rowsOf(db, [res.body.requestId]);
      return rs.length ? rs : undefined;
    }, 'error row');
    expect(row).toMatchObject({ status: 'error', error: 'fake decoder failure' });
  });

  it('queue depth and request counts reach /metrics', async () => {
    const res = await request(ctx.app!).get('/metrics').expect(200);
    expect(res.text).toMatch(/requests_total\{variant="(baseline|specs)",status="ok"\} \d+/);
    expect(res.text).toContain('queue_depth');
    expect(res.text).toContain('assignment_exposures_total');
  });
});

describe.each(['bullmq', 'in-process'] as const)('solve timeout (%s)', (mode) => {
  it('answers 504 with the requestId; the request is logged once, as a timeout', async () => {
    const db = await createTestDatabase(`timeout_${mode}`);
    const redis = mode === 'bullmq' ? createTestRedis('timeout') : undefined;
    const ctx = await createAppContext(config(db, redis, { SOLVE_TIMEOUT_MS: '1' }), {
      role: 'all',
      migrate: false,
      decoder: createFakeDecoder({ decodeMs: 100 }),
    });
    try {
      await request(ctx.app!).post('/api/experiments').set(ADMIN).send({ key: 'slow-exp', specsShare: 0.5 }).expect(201);
      const res = await request(ctx.app!).post('/v1/solve').set(SERVICE).send({ question: '1+2', reference: 3 });
      expect(res.status).toBe(504);
      expect(res.body.error.code).toBe('TIMEOUT');
      expect(typeof res.body.requestId).toBe('string');
      const rows = await waitFor(async () => {
        const rs = await rowsOf(db, [res.body.requestId]);
        return rs.length ? rs : undefined;
      }, 'timed-out row');
      expect(rows).toHaveLength(1);
      // The client got no answer in time: a timeout, wrong when graded (outcome.ts).
      expect(rows[0]).toMatchObject({ status: 'timeout', correct: false });
    } finally {
      await ctx.close();
      await redis?.cleanup();
      await db.drop();
    }
  });
});

describe.each(['bullmq', 'in-process'] as const)('client gone before decoding (%s)', (mode) => {
  it('the job is logged once, as an error, and never decoded', async () => {
    const db = await createTestDatabase(`gone_${mode}`);
    const redis = mode === 'bullmq' ? createTestRedis('gone') : undefined;
    const fake = createFakeDecoder({ decodeMs: 1500 });
    const decoded: string[] = [];
    const ctx = await createAppContext(config(db, redis, { WORKER_CONCURRENCY: '1' }), {
      role: 'all',
      migrate: false,
      decoder: { solve: (q, o) => (decoded.push(q), fake.solve(q, o)) },
    });
    try {
      await request(ctx.app!).post('/api/experiments').set(ADMIN).send({ key: 'gone-exp', specsShare: 0.5 }).expect(201);
      const { url } = await ctx.listen(0, '127.0.0.1');
      const solve = (question: string, signal?: AbortSignal) =>
        fetch(`${url}/v1/solve`, { method: 'POST', headers: { ...SERVICE, 'content-type': 'application/json' }, body: JSON.stringify({ question }), signal });
      // The one worker slot is busy with the first solve while the second waits; its client hangs up.
      const first = solve('1+1');
      await waitFor(async () => (decoded.length > 0 ? true : undefined), 'the first decode to start');
      const hangUp = new AbortController();
      const second = solve('2+2', hangUp.signal).catch((err: Error) => err.name);
      await new Promise((r) => setTimeout(r, 300));
      hangUp.abort();
      expect(await second).toBe('AbortError');
      expect((await first).status).toBe(200);
      const rows = await waitFor(async () => {
        const { rows } = await db.pool.query(`SELECT status, error FROM request_log ORDER BY received_at`);
        return rows.length === 2 ? (rows as { status: string; error: string | null }[]) : undefined;
      }, 'both rows');
      expect(rows[0]).toMatchObject({ status: 'ok' });
      expect(rows[1]!.status).toBe('error');
      expect(rows[1]!.error).toMatch(/^client disconnected after \d+ ms, before decoding started; not decoded$/);
      expect(decoded).toEqual(['1+1']);
    } finally {
      await ctx.close();
      await redis?.cleanup();
      await db.drop();
    }
  });
});
