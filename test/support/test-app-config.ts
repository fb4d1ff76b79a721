import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type AppConfig, type Env } from '../../server/config';
import type { TestDatabase } from './test-database';
import type { TestRedis } from './test-redis';

export interface TestAppConfigOptions {
  db: TestDatabase;
  /** BullMQ on this file's Redis namespace; without it the app uses the in-process queue. */
  redis?: TestRedis;
  /** Request-log spool folder; default a fresh temporary one, so parallel files never share a spool. */
  spoolDir?: string;
  /** Further variables (they win over the ones set here). */
  env?: Partial<Record<keyof Env, string>>;
}

/** Config for createAppContext on this test file's own Postgres schema (and Redis prefix), logging silenced. */
export function testAppConfig({ db, redis, spoolDir, env = {} }: TestAppConfigOptions): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    DATABASE_SCHEMA: db.schema,
    ...(redis ? { REDIS_URL: redis.url, QUEUE_PREFIX: redis.queuePrefix } : {}),
    SPOOL_DIR: spoolDir ?? mkdtempSync(path.join(tmpdir(), `spool-${db.schema}-`)),
    ...env,
  });
}
