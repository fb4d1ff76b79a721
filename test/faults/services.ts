/**
 * The fault suite's own PostgreSQL cluster and Redis server, on free ports, so they can be
 * stopped, frozen and killed without touching the machine's shared services.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (fs.existsSync(path.join(root, v, 'bin', 'pg_ctl'))) return path.join(root, v, 'bin');
  throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
}

/** Runs a PostgreSQL tool as the `postgres` OS user when we are root (initdb refuses root). */
function asPostgres(cmd: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
}

export interface PgCluster {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP every process of the cluster: the server is there but answers nothing. */
  freeze(): void;
  thaw(): void;
  destroy(): Promise<void>;
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBin();
  const port = await freePort();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-pg-'));
  fs.chmodSync(base, 0o755);
  const data = path.join(base, 'data');
  const log = path.join(base, 'server.log');
  fs.mkdirSync(data);
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', base]);
  const run = (cmd: string, args: string[]) => {
    const [c, ...a] = asPostgres(path.join(bin, cmd), args);
    execFileSync(c!, a, { stdio: 'pipe' });
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--locale=C.UTF-8']);
  const ctl = (action: string, extra: string[] = []) => run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', ...extra, action]);
  const start = async () => ctl('start', ['-o', `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off`]);
  await start();
  const pids = (): number[] => {
    const master = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(master)], { encoding: 'utf8' })
      .split('\n')
      .map((x) => Number(x.trim()))
      .filter((x) => x > 0);
    return [master, ...children];
  };
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop: async () => ctl('stop', ['-m', 'fast']),
    freeze: () => pids().forEach((p) => process.kill(p, 'SIGSTOP')),
    thaw: () => pids().forEach((p) => process.kill(p, 'SIGCONT')),
    async destroy() {
      try {
        ctl('stop', ['-m', 'immediate']);
      } catch {
        // already down
      }
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

export interface RedisServer {
  url: string;
  start(): Promise<void>;
  /** Clean shutdown (the append-only file keeps the queue), as a restart or an outage would. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** Redis with an append-only file, as docker-compose.yml runs it. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-redis-'));
  let proc: ChildProcess | undefined;
  const ping = () => {
    try {
      return execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'PONG';
    } catch {
      return false;
    }
  };
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !ping(); i++) await sleep(50);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      const p = proc;
      if (!p) return;
      const exited = new Promise((r) => p.once('exit', r));
      try {
        execFileSync('redis-cli', ['-p', String(port), 'shutdown'], { stdio: 'ignore' });
      } catch {
        p.kill('SIGKILL');
      }
      await exited;
      proc = undefined;
    },
    async destroy() {
      proc?.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
