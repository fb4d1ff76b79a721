import type { AppConfig } from '../config/config';
import type { Logger } from '../observability/logger';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  url: string;
  schema: string;
  /** true when the embedded Postgres was started for this process. */
  embedded: boolean;
  /** Stops the embedded server if one was started; a no-op for an external database. */
  stop(): Promise<void>;
}

/** `config.database.url` when set, otherwise the embedded Postgres in `config.database.embeddedDir`. */
export async function resolveDatabase(config: AppConfig, logger?: Logger): Promise<ResolvedDatabase> {
  const { url, schema, embeddedDir, embeddedPort } = config.database;
  if (url) return { url, schema, embedded: false, stop: async () => undefined };
  const handle = await startEmbeddedPostgres({ dir: embeddedDir, port: embeddedPort, logger });
  return { url: handle.url, schema, embedded: true, stop: handle.stop };
}
