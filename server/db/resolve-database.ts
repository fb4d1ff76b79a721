import type { AppConfig } from '../config/config';
import type { Logger } from '../observability/logger';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface EmbeddedDatabaseInfo {
  dataDir: string;
  port: number;
  /** Another process (an `npm start`) runs this server; this one only connected to it. */
  joined: boolean;
  /** The configured EMBEDDED_PG_DIR, when the data had to live elsewhere (see embedded-layout.ts). */
  relocatedFrom?: string;
}

export interface ResolvedDatabase {
  url: string;
  schema: string;
  /** true when the embedded Postgres is used (started or joined by this process). */
  embedded: boolean;
  /** Where the embedded server lives (absent for DATABASE_URL). */
  embeddedInfo?: EmbeddedDatabaseInfo;
  /** Stops the embedded server if this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

/** `config.database.url` when set, otherwise the embedded Postgres in `config.database.embeddedDir`. */
export async function resolveDatabase(config: AppConfig, logger?: Logger): Promise<ResolvedDatabase> {
  const { url, schema, embeddedDir, embeddedPort } = config.database;
  if (url) return { url, schema, embedded: false, stop: async () => undefined };
  const h = await startEmbeddedPostgres({ dir: embeddedDir, port: embeddedPort, logger });
  return {
    url: h.url,
    schema,
    embedded: true,
    embeddedInfo: { dataDir: h.dataDir, port: h.port, joined: h.joined, relocatedFrom: h.relocatedFrom },
    stop: h.stop,
  };
}
