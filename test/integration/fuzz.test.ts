import { createTestDatabase, type TestDatabase } from '../support';
import type { AppContext } from '../../server/app/create-app-context';
import { runFuzz } from '../fuzz/http-fuzz';
import { startFuzzTarget } from '../fuzz/fuzz-app';
import type { RouteEntry } from '../support/routes';

/**
 * Which roles may call each route. A route the app serves that is missing here fails the
 * matrix test: nothing ships without its roles decided. 'open' routes need no key.
 */
const ROUTE_ROLES: Record<string, readonly ('open' | 'admin' | 'service' | 'viewer')[]> = {
  'GET /healthz': ['open'],
  'GET /readyz': ['open'],
  'GET /metrics': ['open'],
  'GET /': ['open'],
  'GET /index.html': ['open'],
  'GET /console': ['open'],
  'GET /console.js': ['open'],
  'GET /console.css': ['open'],
  'GET /console/:file': ['open'],
  'GET /api/me': ['admin', 'service', 'viewer'],
  'GET /api/features': ['admin', 'service', 'viewer'],
  'GET /api/features/:clientKey': ['admin', 'service', 'viewer'],
  'POST /v1/solve': ['admin', 'service'],
  'POST /v1/feedback': ['admin', 'service'],
  'GET /api/experiments': ['admin', 'viewer'],
  'POST /api/experiments': ['admin'],
  'GET /api/experiments/:key': ['admin', 'viewer'],
  'PUT /api/experiments/:key/share': ['admin'],
  'POST /api/experiments/:key/pause': ['admin'],
  'POST /api/experiments/:key/resume': ['admin'],
  'POST /api/experiments/:key/stop': ['admin'],
  'GET /api/experiments/:key/audit': ['admin', 'viewer'],
  'GET /api/keys': ['admin'],
  'POST /api/keys': ['admin'],
  'DELETE /api/keys/:id': ['admin'],
  'GET /api/experiments/:key/results': ['admin', 'viewer'],
  'GET /api/experiments/:key/timeseries': ['admin', 'viewer'],
  'GET /api/experiments/:key/rollout': ['admin', 'viewer'],
  'GET /api/experiments/:key/rollout/assessment': ['admin', 'viewer'],
  'POST /api/experiments/:key/rollout/preview': ['admin'],
  'PUT /api/experiments/:key/rollout/plan': ['admin'],
  'POST /api/experiments/:key/rollout/start': ['admin'],
  'POST /api/experiments/:key/rollout/advance': ['admin'],
  'POST /api/experiments/:key/rollout/pause': ['admin'],
  'POST /api/experiments/:key/rollout/resume': ['admin'],
  'POST /api/experiments/:key/rollout/approve': ['admin'],
  'POST /api/experiments/:key/rollout/rollback': ['admin'],
  'POST /api/experiments/:key/rollout/evaluate': ['admin'],
};

jest.setTimeout(300_000);

let db: TestDatabase;
let target: Awaited<ReturnType<typeof startFuzzTarget>>;
let ctx: AppContext;

beforeAll(async () => {
  db = await createTestDatabase('fuzz');
  target = await startFuzzTarget(db);
  ctx = target.ctx;
});
afterAll(async () => {
  await ctx?.close();
  await db?.drop();
});

const routeKey = (r: RouteEntry) => `${r.method} ${r.path}`;

describe('route × role matrix', () => {
  it('every served route has its roles decided here', () => {
    const served = target.routes.map(routeKey).sort();
    expect(served.filter((k) => !(k in ROUTE_ROLES))).toEqual([]);
    expect(Object.keys(ROUTE_ROLES).filter((k) => !served.includes(k))).toEqual([]);
  });

  it('each role gets exactly the routes it is allowed: no key → 401, wrong role → 403', async () => {
    const cases = target.routes.flatMap((r) => (['none', 'admin', 'service', 'viewer'] as const).map((role) => ({ r, role })));
    const wrong: string[] = [];
    for (const { r, role } of cases) {
      const allowed = ROUTE_ROLES[routeKey(r)]!;
      const path = r.path.replace(':key', 'fuzz-exp').replace(':clientKey', 'not-the-sdk-key').replace(':id', '00000000-0000-4000-8000-000000000000');
      const headers: Record<string, string> = role === 'none' ? {} : { authorization: `Bearer ${target.keys[role]}` };
      // Never act on the matrix's own requests: a body that fails validation is enough to pass authorization.
      const res = await fetch(`${target.baseUrl}${path}`, { method: r.method, headers: { ...headers, 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{"__invalid__": true}' });
      const expected = allowed.includes('open') ? 'allowed' : role === 'none' ? 401 : allowed.includes(role) ? 'allowed' : 403;
      const ok = expected === 'allowed' ? res.status !== 401 && res.status !== 403 && res.status < 500 : res.status === expected;
      if (!ok) wrong.push(`${role} ${routeKey(r)} → ${res.status} (expected ${expected})`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('HTTP fuzz (1,500 seeded requests; npm run test:fuzz runs 12,000)', () => {
  it('answers every request below 500, within the timeout, without a stack trace', async () => {
    const report = await runFuzz({ baseUrl: target.baseUrl, routes: target.routes, keys: target.keys, count: 1500, seed: 2026, concurrency: 6 });
    expect(report.failures.slice(0, 10)).toEqual([]);
    expect(report.requests).toBe(1500);
  });
});
