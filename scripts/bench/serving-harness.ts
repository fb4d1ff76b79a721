/**
 * The platform as deployed, for the serving and load benchmarks: the API and a worker as
 * child processes (scripts/bench/serving-role.ts) on a scratch schema and queue prefix,
 * with the load generator in the caller's process, so the client's work is not charged to
 * the platform.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { quantile } from '../traffic-runner';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Dist {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export const dist = (xs: number[]): Dist => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    p50: quantile(s, 0.5) ?? NaN,
    p90: quantile(s, 0.9) ?? NaN,
    p99: quantile(s, 0.99) ?? NaN,
    max: s[s.length - 1] ?? NaN,
  };
};

export interface Role {
  url: string;
  stop(): Promise<void>;
}

/** A serving process; resolves once it prints "ready <url>". */
export function startRole(role: 'api' | 'worker' | 'api-inline', decoder: string, env: Record<string, string>): Promise<Role> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench/serving-role.ts'), role, '--decoder', decoder], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, stop });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code} before it was ready`)));
  });
}

export const BENCH_KEYS = Object.freeze({ ADMIN_API_KEY: 'bench-admin-key-0123456789', SERVICE_API_KEY: 'bench-service-key-0123456789' });

export interface Platform {
  url: string;
  schema: string;
  /** Creates a running experiment with this SPECS share. */
  createExperiment(key: string, specsShare: number): Promise<void>;
  /** Graceful stop (the request log is flushed), then the schema is read by `query` until `dispose`. */
  stop(): Promise<void>;
  query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>;
  dispose(): Promise<void>;
}

export async function startPlatform(opts: {
  mode: 'bullmq' | 'in-process';
  databaseUrl: string;
  redisUrl: string;
  decoder: string;
  /** Environment for both processes (WORKER_CONCURRENCY, QUEUE_MAX_PENDING, …). */
  env?: Record<string, string>;
}): Promise<Platform> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    ...BENCH_KEYS,
    DATABASE_URL: opts.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: opts.mode === 'bullmq' ? opts.redisUrl : '',
    QUEUE_PREFIX: schema,
    PORT: '0',
    WORKER_OPS_PORT: '0',
    ...opts.env,
  };
  const roles: Role[] = [];
  const stopRoles = async () => {
    for (const r of roles.splice(0).reverse()) await r.stop();
  };
  const spool = (name: string) => mkdtempSync(path.join(tmpdir(), `bench-${name}-spool-`));
  try {
    // The API migrates the schema; the worker starts after it.
    const api = await startRole(opts.mode === 'bullmq' ? 'api' : 'api-inline', opts.decoder, { ...env, SPOOL_DIR: spool('api') });
    roles.push(api);
    if (opts.mode === 'bullmq') roles.push(await startRole('worker', opts.decoder, { ...env, SPOOL_DIR: spool('worker') }));
  } catch (err) {
    await stopRoles();
    throw err;
  }
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1, options: `-c search_path=${schema}` });
  const url = roles[0]!.url;
  return {
    url,
    schema,
    async createExperiment(key, specsShare) {
      const res = await fetch(`${url}/api/experiments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_KEYS.ADMIN_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key, specsShare }),
      });
      if (res.status !== 201) throw new Error(`cannot create experiment ${key}: HTTP ${res.status} ${await res.text()}`);
    },
    stop: stopRoles,
    query: async (sql, values) => (await pool.query(sql, values)).rows,
    async dispose() {
      await stopRoles();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pool.end();
    },
  };
}
