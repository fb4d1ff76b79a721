/**
 * npm run docker:dry-run -- [--keep]
 *
 * There is no container engine on the machines this project is built and tested on, so the
 * Dockerfile is checked the closest way available: its own instructions are executed on the
 * host, one folder per stage (FROM … AS, WORKDIR, ENV, COPY [--from=stage], RUN), with this
 * host's Node 20 standing in for the base image. Then the runtime stage's ENTRYPOINT + CMD
 * start the API in production mode on DATABASE_URL (the test database by default), and the
 * HEALTHCHECK command must pass. What this cannot check: the base image itself, USER and
 * file ownership, and anything the network would fetch that the host already has.
 */
import { execSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseCli, runCli } from './lib/cli';

const ROOT = path.resolve(__dirname, '..');

const spec = {
  name: 'docker:dry-run',
  usage: `[--database-url URL] [--keep]
  --database-url  Postgres for the started API (default TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test)
  --keep          leave the stage folders in place (printed) for inspection`,
  options: { 'database-url': { type: 'string' }, keep: { type: 'boolean', default: false } },
} as const;

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, with line continuations joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const jsonArgs = (args: string): string[] => JSON.parse(args) as string[];

/**
 * USER and ownership are the image's business: on the host, `chown` to the image's users is a
 * no-op (a shim first on PATH), so a RUN line that hands a folder to `node` still runs.
 */
function hostShims(work: string): string {
  const bin = path.join(work, 'shims');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'chown'), '#!/bin/sh\nexit 0\n');
  chmodSync(path.join(bin, 'chown'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

function execute(instructions: Instruction[], work: string) {
  const PATH = hostShims(work);
  const stages = new Map<string, string>();
  let dir = '';
  let workdir = '/';
  let env: Record<string, string> = {};
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: string[] = [];
  const inStage = (p: string) => path.join(dir, path.resolve(workdir, p));
  for (const { op, args } of instructions) {
    switch (op) {
      case 'FROM': {
        const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
        dir = mkdtempSync(path.join(work, `${m[2] ?? 'stage'}-`));
        stages.set(m[2] ?? dir, dir);
        process.stderr.write(`▶ FROM ${m[1]} (host Node ${process.version} stands in) → ${dir}\n`);
        workdir = '/';
        env = {};
        break;
      }
      case 'WORKDIR':
        workdir = path.resolve(workdir, args);
        mkdirSync(inStage('.'), { recursive: true });
        break;
      case 'ENV': {
        const m = /^(\S+?)[= ](.*)$/.exec(args)!;
        env[m[1]!] = m[2]!;
        break;
      }
      case 'COPY': {
        const from = /^--from=(\S+)\s+/.exec(args);
        const parts = (from ? args.slice(from[0].length) : args).split(/\s+/);
        const dest = parts.pop()!;
        const source = from ? path.join(stages.get(from[1]!)!, '') : ROOT;
        for (const src of parts) {
          const s = from ? path.join(source, path.resolve('/', src)) : path.join(source, src);
          const d = dest.endsWith('/') || parts.length > 1 ? path.join(inStage(dest), path.basename(src)) : inStage(dest);
          mkdirSync(path.dirname(d), { recursive: true });
          cpSync(s, d, { recursive: true, dereference: false, filter: (p) => !/\/node_modules\/\.cache\//.test(p) });
        }
        process.stderr.write(`  COPY ${args}\n`);
        break;
      }
      case 'RUN':
        process.stderr.write(`  RUN ${args}\n`);
        execSync(args, { cwd: inStage('.'), stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env, PATH }, shell: '/bin/bash' });
        break;
      case 'ENTRYPOINT':
        entrypoint = jsonArgs(args);
        break;
      case 'CMD':
        cmd = jsonArgs(args);
        break;
      case 'HEALTHCHECK': {
        const m = /CMD\s+(\[.*\])$/.exec(args);
        if (m) healthcheck = jsonArgs(m[1]!);
        break;
      }
      default:
        // USER, EXPOSE, LABEL: nothing to do on the host.
        break;
    }
  }
  return { dir: inStage('.'), env, command: [...entrypoint, ...cmd], healthcheck };
}

async function waitHealthy(check: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      execSync(check.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '), { cwd, env, stdio: 'ignore', shell: '/bin/bash' });
      return;
    } catch {
      if (Date.now() > until) throw new Error(`HEALTHCHECK did not pass within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

runCli(spec.name, async () => {
  const { values } = parseCli(spec);
  const work = mkdtempSync(path.join(tmpdir(), 'docker-dry-run-'));
  const run = execute(parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')), work);
  const schema = `docker_dry_run_${process.pid}`;
  const databaseUrl = values['database-url'] ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const port = String(30000 + (process.pid % 20000));
  const env = {
    PATH: process.env.PATH,
    ...run.env,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    PORT: port,
    ADMIN_API_KEY: 'dry-run-admin-Zq8xkP2mW9vLr4Tn7',
    SERVICE_API_KEY: 'dry-run-service-Hf3jQ6sN0pXa5Ue8',
    SPOOL_DIR: path.join(work, 'spool'),
    LOG_LEVEL: 'warn',
  };
  process.stderr.write(`▶ ${run.command.join(' ')} (NODE_ENV=${run.env.NODE_ENV ?? '-'}, schema ${schema}, port ${port})\n`);
  const child = spawn(process.execPath, run.command.slice(1), { cwd: run.dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  try {
    await Promise.race([
      waitHealthy(run.healthcheck, run.dir, env, 90_000),
      exited.then((code) => Promise.reject(new Error(`the API exited with ${code} before it was healthy`))),
    ]);
    process.stdout.write(`docker:dry-run: the image's API started in production mode and passed its HEALTHCHECK (${run.healthcheck.join(' ').slice(0, 60)}…)\n`);
  } finally {
    child.kill('SIGTERM');
    await exited;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.end());
    if (values.keep) process.stderr.write(`stage folders kept in ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
});
