import type { PoolConfig } from 'pg';
import { parse } from 'pg-connection-string';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid Postgres schema name: ${JSON.stringify(schema)}`);
  return schema;
}

/**
 * pg pool settings for `url` with `schema` as the only schema on the search path, so that
 * unqualified names never fall through to another schema's tables. Returned as discrete fields, not a connectionString: pg lets a
 * connectionString override `database`, which would break Prisma's shadow database.
 */
export function pgConfigFromUrl(url: string, schema?: string, extra: PoolConfig = {}): PoolConfig {
  const p = parse(url);
  const searchPath = schema ? assertSchemaName(schema) : undefined;
  const options = [p.options, searchPath ? `-c search_path=${searchPath}` : undefined].filter(Boolean).join(' ');
  return {
    host: p.host ?? undefined,
    port: p.port ? Number(p.port) : undefined,
    user: p.user ?? undefined,
    password: p.password ?? undefined,
    database: p.database ?? undefined,
    ssl: (p.ssl as PoolConfig['ssl']) ?? undefined,
    application_name: p.application_name ?? 'specs-ab',
    ...(options ? { options } : {}),
    // A database that stops answering (frozen, partitioned) must fail calls, not hang them forever.
    connectionTimeoutMillis: 5_000,
    query_timeout: 60_000,
    keepAlive: true,
    ...extra,
  };
}
