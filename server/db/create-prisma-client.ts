import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { pgConfigFromUrl } from './pg-config';

export type { PrismaClient };

export interface CreatePrismaClientOptions {
  url: string;
  /** Postgres schema: the pool's search_path and the schema Prisma's generated SQL names. */
  schema: string;
  /** Pool size (default 10). */
  max?: number;
}

/** A PrismaClient over `@prisma/adapter-pg`; `$disconnect()` also ends its pg pool. */
export function createPrismaClient(options: CreatePrismaClientOptions): PrismaClient {
  const pool = new pg.Pool(pgConfigFromUrl(options.url, options.schema, { max: options.max ?? 10 }));
  const adapter = new PrismaPg(pool, { schema: options.schema, disposeExternalPool: true });
  return new PrismaClient({ adapter });
}

/** A plain pg pool on `schema` (search_path) for raw SQL and COPY. */
export function createPgPool(options: CreatePrismaClientOptions): pg.Pool {
  return new pg.Pool(pgConfigFromUrl(options.url, options.schema, { max: options.max ?? 10 }));
}
