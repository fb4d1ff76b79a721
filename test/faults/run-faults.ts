/**
 * The fault suite: the API and a decode worker as real processes on their own Postgres and
 * Redis, steady traffic, one fault at a time, then the checks every fault must pass:
 * every request answered 200 or 504 has exactly one request_log row, the rollups equal the
 * log, the queue drains, the gate evaluates again within two intervals, clients never hang,
 * and a rollback is never undone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import pg from 'pg';
import { rollupVsLog } from '../support/request-log-assertions';
import { appProcess, type AppProcess } from './processes';
import { freePort, startPgCluster, startRedis, type PgCluster, type RedisServer } from './services';
import { startTraffic, type Answer } from './traffic';

const KEYS = { admin: 'faults-admin-key-0123456789', service: 'faults-service-key-0123456789' };
const SOLVE_TIMEOUT_MS = 5_000;
const GATE_INTERVAL_MS = 2_000;
const RATE = 4;
/** Reconnection backoff of the Redis clients on top of the two intervals. */
const GATE_GRACE_MS = 2_000;
const EXPERIMENT = 'faults';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FaultResult {
  scenario: string;
  requests: number;
  ok: number;
  unavailable: number;
  timedOut: number;
  noAnswer: number;
  hangs: number;
  lost: number;
  duplicated: number;
  rollupsMatch: boolean;
  queueDrained: boolean;
  gateBackSeconds: number | null;
  maxAnswerMs: number;
  rollbackHeld: boolean | null;
  passed: boolean;
  notes: string[];
}

interface Env {
  pg: PgCluster;
  redis: RedisServer;
  api: AppProcess;
  api2: AppProcess;
  worker: AppProcess;
  pool: pg.Pool;
  redisClient: IORedis;
  log: (line: string) => void;
}

async function admin(url: string, method: string, p: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${p}`, { method, headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function queueDrained(r: IORedis): Promise<boolean> {
  const [wait, active, prioritized, delayed] = await Promise.all([r.llen('faults:decode:wait'), r.llen('faults:decode:active'), r.zcard('faults:decode:prioritized'), r.zcard('faults:decode:delayed')]);
  return wait + active + prioritized + delayed === 0;
}

/** First gate heartbeat after `since`, in seconds after it; null when none within `withinMs`. */
async function gateBack(pool: pg.Pool, since: number, withinMs: number): Promise<number | null> {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    const r = await pool.query(`SELECT max(last_evaluated_at) AS at FROM rollout_plan p JOIN experiment e ON e.id = p.experiment_id WHERE e.key = $1`, [EXPERIMENT]).catch(() => ({ rows: [] }));
    const at = r.rows[0]?.at as Date | undefined;
    if (at && at.getTime() > since) return (at.getTime() - since) / 1000;
    await sleep(250);
  }
  return null;
}

async function settle(env: Env, ids: string[]): Promise<{ lost: number; duplicated: number; drained: boolean }> {
  const deadline = Date.now() + 90_000;
  let lost = ids.length;
  let duplicated = 0;
  let drained = false;
  while (Date.now() < deadline) {
    const r = await env.pool.query<{ request_id: string; n: number }>(`SELECT request_id, count(*)::int AS n FROM request_log WHERE request_id = ANY($1) GROUP BY 1`, [ids]).catch(() => ({ rows: [] }));
    lost = ids.length - r.rows.length;
    duplicated = r.rows.filter((x) => x.n > 1).length;
    drained = await queueDrained(env.redisClient).catch(() => false);
    if (lost === 0 && drained) break;
    await sleep(1000);
  }
  return { lost, duplicated, drained };
}

async function runScenario(env: Env, name: string, fault: () => Promise<{ recoveredAt: number }>, extra?: () => Promise<{ rollbackHeld: boolean; notes: string[] }>): Promise<FaultResult> {
  env.log(`▶ ${name}`);
  const traffic = startTraffic({ apiUrls: () => [env.api.url], key: KEYS.service, experiment: EXPERIMENT, ratePerSecond: RATE, timeoutMs: SOLVE_TIMEOUT_MS + 5_000 });
  await sleep(3_000);
  const { recoveredAt } = await fault();
  const gate = gateBack(env.pool, recoveredAt, 2 * GATE_INTERVAL_MS + GATE_GRACE_MS + 5_000);
  await sleep(5_000);
  await traffic.stop();
  const answers: Answer[] = traffic.answers;
  const answered = answers.filter((a) => (a.status === 200 || a.status === 504) && a.requestId).map((a) => a.requestId!);
  const { lost, duplicated, drained } = await settle(env, answered);
  const gateBackSeconds = await gate;
  const rollupsMatch = (await rollupVsLog(env.pool)).mismatches.length === 0;
  const hangs = answers.filter((a) => a.status === -1).length;
  const maxAnswerMs = Math.max(0, ...answers.map((a) => a.ms));
  const more = extra ? await extra() : { rollbackHeld: null as boolean | null, notes: [] as string[] };
  const count = (f: (a: Answer) => boolean) => answers.filter(f).length;
  const result: FaultResult = {
    scenario: name,
    requests: answers.length,
    ok: count((a) => a.status === 200),
    unavailable: count((a) => a.status === 503),
    timedOut: count((a) => a.status === 504),
    noAnswer: count((a) => a.status === 0),
    hangs,
    lost,
    duplicated,
    rollupsMatch,
    queueDrained: drained,
    gateBackSeconds,
    maxAnswerMs,
    rollbackHeld: more.rollbackHeld,
    passed: false,
    notes: more.notes,
  };
  const other = answers.filter((a) => ![200, 503, 504, 0].includes(a.status));
  if (other.length) result.notes.push(`unexpected statuses: ${[...new Set(other.map((a) => a.status))].join(', ')}`);
  result.passed =
    lost === 0 && duplicated === 0 && rollupsMatch && drained && hangs === 0 && other.length === 0 && gateBackSeconds !== null && gateBackSeconds <= (2 * GATE_INTERVAL_MS + GATE_GRACE_MS) / 1000 && maxAnswerMs <= SOLVE_TIMEOUT_MS + 2_000 && more.rollbackHeld !== false;
  env.log(`  ${result.passed ? 'PASS' : 'FAIL'} ${JSON.stringify(result)}`);
  return result;
}

export async function runFaultSuite(o: { log: (line: string) => void; only?: string[] }): Promise<FaultResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-'));
  o.log(`logs in ${dir}`);
  const [pgc, redis] = await Promise.all([startPgCluster(), startRedis()]);
  const [apiPort, api2Port, opsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const common = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: pgc.url,
    DATABASE_SCHEMA: 'public',
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'faults',
    ADMIN_API_KEY: KEYS.admin,
    SERVICE_API_KEY: KEYS.service,
    SOLVE_TIMEOUT_MS: String(SOLVE_TIMEOUT_MS),
    GATE_EVAL_INTERVAL_MS: String(GATE_INTERVAL_MS),
    LOG_FLUSH_INTERVAL_MS: '100',
    WORKER_CONCURRENCY: '1',
    HOST: '127.0.0.1',
  };
  const api = appProcess({ name: 'api', entry: 'server/main-api.ts', port: apiPort, env: { ...common, PORT: String(apiPort), SPOOL_DIR: path.join(dir, 'api-spool') }, logFile: path.join(dir, 'api.log') });
  const api2 = appProcess({ name: 'api2', entry: 'server/main-api.ts', port: api2Port, env: { ...common, PORT: String(api2Port), SPOOL_DIR: path.join(dir, 'api2-spool') }, logFile: path.join(dir, 'api2.log') });
  const worker = appProcess({ name: 'worker', entry: 'server/main-worker.ts', port: opsPort, env: { ...common, WORKER_OPS_PORT: String(opsPort), SPOOL_DIR: path.join(dir, 'worker-spool') }, logFile: path.join(dir, 'worker.log') });
  const pool = new pg.Pool({ connectionString: pgc.url, max: 2, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  const redisClient = new IORedis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: false });
  redisClient.on('error', () => undefined);
  const env: Env = { pg: pgc, redis, api, api2, worker, pool, redisClient, log: o.log };
  const results: FaultResult[] = [];
  try {
    await api.start();
    await worker.start();
    // Small searches keep the real models fast enough for steady traffic on two cores.
    const created = await admin(api.url, 'POST', '/api/experiments', {
      key: EXPERIMENT,
      specsShare: 0.5,
      baseline: { strategy: 'beam-target', params: { n: 2, beamWidth: 1, maxSteps: 10 } },
      specs: { strategy: 'specs', params: { n: 2, maxSteps: 10 } },
    });
    if (created.status !== 201) throw new Error(`cannot create the experiment: ${created.status} ${await created.text()}`);
    // A plan that holds (long minimum): the gate evaluates it every interval, its heartbeat shows it.
    await admin(api.url, 'PUT', `/api/experiments/${EXPERIMENT}/rollout/plan`, { stages: [{ share: 0.5, minDurationMs: 86_400_000, minGradedPerArm: 1_000_000 }, { share: 1 }] });
    await admin(api.url, 'POST', `/api/experiments/${EXPERIMENT}/rollout/start`);

    const scenarios: [string, () => Promise<{ recoveredAt: number }>, (() => Promise<{ rollbackHeld: boolean; notes: string[] }>)?][] = [
      ['postgres stopped 15 s', async () => {
        await pgc.stop();
        await sleep(15_000);
        await pgc.start();
        return { recoveredAt: Date.now() };
      }],
      ['postgres frozen (SIGSTOP) 10 s', async () => {
        pgc.freeze();
        await sleep(10_000);
        pgc.thaw();
        return { recoveredAt: Date.now() };
      }],
      ['redis restarted', async () => {
        await redis.stop();
        await redis.start();
        return { recoveredAt: Date.now() };
      }],
      ['redis down 30 s', async () => {
        await redis.stop();
        await sleep(30_000);
        await redis.start();
        return { recoveredAt: Date.now() };
      }],
      ['worker SIGKILL', async () => {
        await worker.kill();
        await sleep(2_000);
        await worker.start();
        return { recoveredAt: Date.now() };
      }],
      ['API SIGKILL', async () => {
        await api.kill();
        await sleep(1_000);
        await api.start();
        return { recoveredAt: Date.now() };
      }],
      ['two APIs race advance and rollback', async () => {
        await api2.start();
        return { recoveredAt: Date.now() };
      }, async () => {
        const notes: string[] = [];
        let held = true;
        for (let i = 0; i < 10; i++) {
          const key = `race-${i}`;
          await admin(api.url, 'POST', '/api/experiments', { key, specsShare: 0 });
          await admin(api.url, 'POST', `/api/experiments/${key}/rollout/start`);
          await Promise.all([admin(api.url, 'POST', `/api/experiments/${key}/rollout/advance`), admin(api2.url, 'POST', `/api/experiments/${key}/rollout/rollback`, { reason: 'race' })]);
          const r = await pool.query(`SELECT p.status::text AS status, e.specs_share AS share FROM rollout_plan p JOIN experiment e ON e.id = p.experiment_id WHERE e.key = $1`, [key]);
          if (r.rows[0]?.status === 'rolled_back' && r.rows[0]?.share !== 0) {
            held = false;
            notes.push(`${key}: rolled back but SPECS at ${r.rows[0].share}`);
          }
        }
        await api2.stop();
        return { rollbackHeld: held, notes };
      }],
    ];
    for (const [name, fault, extra] of scenarios) {
      if (o.only && !o.only.some((x) => name.includes(x))) continue;
      results.push(await runScenario(env, name, fault, extra));
    }
  } finally {
    await Promise.allSettled([api.stop(), api2.stop(), worker.stop()]);
    await pool.end().catch(() => undefined);
    redisClient.disconnect();
    await Promise.allSettled([pgc.destroy(), redis.destroy()]);
  }
  return results;
}
