import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads the environment. Everything else receives the
 * frozen `AppConfig` through its factory's dependencies.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalUrl = z.string().trim().min(1).optional();
const positiveInt = z.coerce.number().int().positive();
const nonNegativeNumber = z.coerce.number().nonnegative();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalUrl,
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('public'),
  EMBEDDED_PG_DIR: z.string().default('.data/postgres'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  REDIS_URL: optionalUrl,
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('specs'),

  ADMIN_API_KEY: z.string().min(8).optional(),
  SERVICE_API_KEY: z.string().min(8).optional(),
  VIEWER_API_KEY: z.string().min(8).optional(),

  // No longer read: the rollout is the one authority for the split (see assigner.ts). Kept in the
  // schema only to refuse them with a message instead of ignoring them silently.
  GROWTHBOOK_API_HOST: optionalUrl,
  GROWTHBOOK_CLIENT_KEY: z.string().min(1).optional(),
  STICKY_BUCKETING: bool.default(false),

  MODELS_DIR: z.string().default('models'),
  ORT_INTRA_OP_THREADS: positiveInt.default(1),
  WORKER_CONCURRENCY: positiveInt.default(1),
  SOLVE_TIMEOUT_MS: positiveInt.default(30_000),
  QUEUE_MAX_PENDING: positiveInt.default(64),
  // Shed a solve whose expected wait (queue + decode, by Little's law) exceeds this; 0: depth cap only.
  QUEUE_MAX_WAIT_MS: nonNegativeNumber.default(2_000),
  RATE_LIMIT_PER_KEY_RPS: nonNegativeNumber.default(0),

  PRICE_DRAFT_USD_PER_1M: nonNegativeNumber.optional(),
  PRICE_TARGET_USD_PER_1M: nonNegativeNumber.optional(),
  PRICE_PRM_USD_PER_1M: nonNegativeNumber.optional(),

  LOG_BATCH_MAX_ROWS: positiveInt.default(5000),
  LOG_FLUSH_INTERVAL_MS: positiveInt.default(200),
  SPOOL_DIR: z.string().default('.spool'),

  WORKER_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  FEATURES_CLIENT_KEY: z.string().min(16).optional(),

  GATE_EVAL_INTERVAL_MS: positiveInt.default(60_000),
  WEBHOOK_URLS: z.string().default(''),
});

export type Env = z.input<typeof envSchema>;

const PLACEHOLDER_KEY = /^dev-|change-?me|placeholder|example|secret|password|^test-/i;
const MIN_PRODUCTION_KEY_LENGTH = 20;

export interface AppConfig {
  readonly env: 'development' | 'production' | 'test';
  readonly http: { readonly host: string; readonly port: number };
  readonly logLevel: string;
  readonly database: {
    /** Absent: the embedded Postgres in `embeddedDir` is started and used. */
    readonly url?: string;
    readonly schema: string;
    readonly embeddedDir: string;
    readonly embeddedPort: number;
  };
  readonly redis: { readonly url?: string; readonly queuePrefix: string };
  readonly apiKeys: { readonly admin?: string; readonly service?: string; readonly viewer?: string };
  readonly growthbook: { readonly stickyBucketing: boolean };
  readonly decoding: { readonly modelsDir: string; readonly intraOpThreads: number };
  readonly worker: { readonly concurrency: number; readonly opsPort: number };
  readonly featuresClientKey?: string;
  readonly solveTimeoutMs: number;
  /** Solves one API process keeps queued or running before it answers 503; per-key request rate (0: no limit). */
  readonly queue: { readonly maxPending: number; readonly maxWaitMs: number | undefined; readonly ratePerKeyPerSecond: number };
  /** USD per 1M tokens; a missing entry defaults to a price proportional to that model's FLOPs per token. */
  readonly prices: { readonly draft?: number; readonly target?: number; readonly prm?: number };
  readonly requestLog: { readonly batchMaxRows: number; readonly flushIntervalMs: number; readonly spoolDir: string };
  readonly rollout: { readonly evalIntervalMs: number; readonly webhookUrls: readonly string[] };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
};

/** `defaults` replaces the schema default of a variable the environment leaves unset (a CLI's own default). */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd(), defaults: Partial<Record<keyof Env, string>> = {}): AppConfig {
  // Empty strings mean "unset", as docker-compose and shells commonly pass them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse({ ...defaults, ...cleaned });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const keys = { ADMIN_API_KEY: e.ADMIN_API_KEY, SERVICE_API_KEY: e.SERVICE_API_KEY, VIEWER_API_KEY: e.VIEWER_API_KEY };
  if (e.NODE_ENV === 'production') {
    const issues: string[] = [];
    if (!e.ADMIN_API_KEY || !e.SERVICE_API_KEY) issues.push('ADMIN_API_KEY and SERVICE_API_KEY are required in production');
    for (const [name, key] of Object.entries(keys)) {
      if (key && (PLACEHOLDER_KEY.test(key) || key.length < MIN_PRODUCTION_KEY_LENGTH)) {
        issues.push(`${name}: looks like a development or placeholder key; use a random key of at least ${MIN_PRODUCTION_KEY_LENGTH} characters (e.g. openssl rand -hex 24)`);
      }
    }
    if (issues.length > 0) throw new ConfigError(issues);
  }
  if (e.GROWTHBOOK_API_HOST || e.GROWTHBOOK_CLIENT_KEY) {
    throw new ConfigError([
      'GROWTHBOOK_API_HOST / GROWTHBOOK_CLIENT_KEY: remote GrowthBook payloads are not supported; the rollout sets the split in Postgres and serves it at /api/features, so a rollback always moves traffic. Unset them.',
    ]);
  }
  // Development keys only when no key is configured at all: once someone sets a key, the
  // service accepts only the keys it was given, never ones it invented.
  const anyKey = Object.values(keys).some(Boolean);
  const devKey = (name: string) => (e.NODE_ENV === 'production' || anyKey ? undefined : `dev-${name}-key`);
  return deepFreeze({
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT },
    logLevel: e.LOG_LEVEL,
    database: {
      url: e.DATABASE_URL,
      schema: e.DATABASE_SCHEMA,
      embeddedDir: path.resolve(cwd, e.EMBEDDED_PG_DIR),
      embeddedPort: e.EMBEDDED_PG_PORT,
    },
    redis: { url: e.REDIS_URL, queuePrefix: e.QUEUE_PREFIX },
    apiKeys: {
      admin: e.ADMIN_API_KEY ?? devKey('admin'),
      service: e.SERVICE_API_KEY ?? devKey('service'),
      viewer: e.VIEWER_API_KEY ?? devKey('viewer'),
    },
    growthbook: { stickyBucketing: e.STICKY_BUCKETING },
    decoding: { modelsDir: path.resolve(cwd, e.MODELS_DIR), intraOpThreads: e.ORT_INTRA_OP_THREADS },
    worker: { concurrency: e.WORKER_CONCURRENCY, opsPort: e.WORKER_OPS_PORT },
    featuresClientKey: e.FEATURES_CLIENT_KEY,
    solveTimeoutMs: e.SOLVE_TIMEOUT_MS,
    queue: { maxPending: e.QUEUE_MAX_PENDING, maxWaitMs: e.QUEUE_MAX_WAIT_MS || undefined, ratePerKeyPerSecond: e.RATE_LIMIT_PER_KEY_RPS },
    prices: { draft: e.PRICE_DRAFT_USD_PER_1M, target: e.PRICE_TARGET_USD_PER_1M, prm: e.PRICE_PRM_USD_PER_1M },
    requestLog: {
      batchMaxRows: e.LOG_BATCH_MAX_ROWS,
      flushIntervalMs: e.LOG_FLUSH_INTERVAL_MS,
      spoolDir: path.resolve(cwd, e.SPOOL_DIR),
    },
    rollout: {
      evalIntervalMs: e.GATE_EVAL_INTERVAL_MS,
      webhookUrls: e.WEBHOOK_URLS.split(',').map((s) => s.trim()).filter(Boolean),
    },
  } satisfies AppConfig);
}
