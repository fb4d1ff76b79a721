/**
 * The quickstart's embedded Postgres as a person meets it: `npm start` from a folder that only
 * its owner may enter (as root, the postgres OS user cannot: the data moves where it can), a
 * database CLI while it runs (joins the server instead of starting a second one on the same
 * data), and Ctrl-C (the app closes first, Postgres last, nothing logged as an error).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function spawnScript(file: string, args: string[], env: Record<string, string>): ChildProcess & { out: () => string; err: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return Object.assign(child, { out: () => stdout, err: () => stderr });
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

async function until(what: string, check: () => boolean, child: ChildProcess): Promise<void> {
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let home: string;
let start: ReturnType<typeof spawnScript> | undefined;
let dataDir: string | undefined;

beforeAll(() => {
  // mkdtemp makes the folder 0700: as root, a clone the postgres OS user cannot enter.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'quickstart-'));
});

afterAll(async () => {
  if (start && start.exitCode === null) {
    start.kill('SIGINT');
    await exited(start);
  }
  if (dataDir && dataDir !== path.join(home, 'clone/.data/postgres')) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(`${dataDir}.log`, { force: true });
  }
  fs.rmSync(home, { recursive: true, force: true });
});

it('starts from a private folder, lets a CLI join its Postgres, and stops cleanly on Ctrl-C', async () => {
  const env = {
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    EMBEDDED_PG_DIR: path.join(home, 'clone/.data/postgres'),
    EMBEDDED_PG_PORT: String(await freePort()),
    DATABASE_URL: '',
    REDIS_URL: '',
    SPOOL_DIR: path.join(home, 'spool'),
    LOG_LEVEL: 'warn',
  };
  start = spawnScript('scripts/start.ts', ['--no-demo'], env);
  const s = start;
  await until('serving', () => s.out().includes('serving (--no-demo)'), s);
  dataDir = /data in (\S+?)( \(|;|\n)/.exec(s.out())?.[1];
  expect(dataDir).toBeDefined();
  expect(fs.existsSync(path.join(dataDir!, 'PG_VERSION'))).toBe(true);
  if (process.getuid?.() === 0) expect(dataDir).not.toBe(env.EMBEDDED_PG_DIR);

  // A second process on the same data folder joins the running server: the report's answer
  // comes from the database (the experiment does not exist), not from a failed second start.
  const report = spawnScript('scripts/report.ts', ['--experiment', 'no-such-experiment'], env);
  expect(await exited(report)).toBe(2);
  expect(report.err().trim()).toBe('report: experiment no-such-experiment not found');
  // …and leaves it running for its owner.
  const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
  expect(ready.status).toBe(200);

  s.kill('SIGINT');
  expect(await exited(s)).toBe(0);
  expect(s.out()).toContain('• stopped');
  expect(s.err()).not.toMatch(/"level":(50|60)/);
  expect(fs.existsSync(path.join(dataDir!, 'postmaster.pid'))).toBe(false);
});
