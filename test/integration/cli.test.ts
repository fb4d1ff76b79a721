/**
 * Every CLI behaves alike (scripts/lib/cli.ts): `--help` prints the usage and exits 0 without
 * doing any work, and an unknown flag is a one-line error naming it, exit 2. The list comes from
 * package.json, so a CLI added later is held to the same rules. Runs the real scripts, a few at
 * a time (each is a Node process of a second or two).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** `npm run <name>` scripts that are `tsx scripts/<file>.ts`, plus `npm start`'s own script. */
const CLIS: [string, string][] = [
  ...Object.entries(pkg.scripts).flatMap(([name, cmd]): [string, string][] => {
    const m = /^tsx (scripts\/[\w-]+\.ts)$/.exec(cmd);
    return m ? [[name, m[1]!]] : [];
  }),
  ['start', 'scripts/start.ts'],
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the run left in its own TMPDIR (scratch folders are made there). */
  scratch: string[];
}

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      // tsx keeps its compile cache in TMPDIR (tsx-<uid>); anything else is the CLI's.
      const scratch = fs.readdirSync(tmp).filter((f) => !f.startsWith('tsx-'));
      fs.rmSync(tmp, { recursive: true, force: true });
      resolve({ code, stdout, stderr, scratch });
    });
  });
}

/** Runs the jobs a few at a time: the machine is shared, and each is a whole Node process. */
async function pool<T>(jobs: (() => Promise<T>)[], width = 3): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

/** Names and modification times under experiments/results: the committed results. */
function committedResults(): string {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? walk(p) : [`${path.relative(ROOT, p)} ${fs.statSync(p).mtimeMs}`];
    });
  return walk(path.join(ROOT, 'experiments/results')).sort().join('\n');
}

const help = new Map<string, Run>();
const bogus = new Map<string, Run>();
let resultsBefore = '';

/** Bad values of known flags, and a question the models' context cannot hold: each a one-line error before any work. */
const BAD_INPUT: [cli: string, args: string[], message: RegExp][] = [
  ['solve', ['--threads', '1.5', '1+1'], /--threads must be an integer, got "1\.5"/],
  ['solve', ['--temperature', 'hot', '1+1'], /--temperature must be a number, got "hot"/],
  ['solve', ['99*99+98*97+96*95+94*93'], /its step-by-step solution takes 289 tokens and the models' context holds 256/],
  ['bench:decoding', ['--threads', '0'], /--threads must be between 1 and 64, got 0/],
  ['bench:decoding', ['--n', '4,x'], /--n must be an integer, got "x"/],
  ['bench:decoding', ['--strategies', 'beam'], /--strategies: unknown strategy "beam"/],
  ['bench:decoding', ['--verifier', 'bogus'], /--verifier: unknown verifier "bogus" \(one of prm, oracle\)/],
];
const badInput = new Map<string, Run>();
const cliFile = (name: string) => CLIS.find(([n]) => n === name)![1];

beforeAll(async () => {
  resultsBefore = committedResults();
  const jobs = CLIS.flatMap(([name, file]) => [
    async () => help.set(name, await run(file, ['--help'])),
    async () => bogus.set(name, await run(file, ['--bogus-flag'])),
  ]);
  for (const [name, args] of BAD_INPUT) jobs.push(async () => badInput.set(`${name} ${args.join(' ')}`, await run(cliFile(name), args)));
  await pool(jobs);
});

it('finds the CLIs in package.json', () => {
  expect(CLIS.map(([name]) => name)).toEqual(expect.arrayContaining(['traffic', 'task:generate', 'stats', 'sim:aa', 'bench:decoding', 'bench:kpi', 'bench:logging', 'bench:serving', 'report', 'start']));
});

describe.each(CLIS)('%s (%s)', (name) => {
  it('--help prints the usage, exits 0 and writes nothing', () => {
    const r = help.get(name)!;
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^usage: npm (run \S+|start) -- /);
    expect(r.scratch).toEqual([]);
  });

  it('an unknown flag is a one-line error naming it, exit 2', () => {
    const r = bogus.get(name)!;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--bogus-flag');
    expect(r.scratch).toEqual([]);
  });
});

it.each(BAD_INPUT)('%s %j is a one-line error saying what is wrong, exit 2, nothing written', (name, args, message) => {
  const r = badInput.get(`${name} ${args.join(' ')}`)!;
  expect({ code: r.code, stdout: r.stdout, scratch: r.scratch }).toEqual({ code: 2, stdout: '', scratch: [] });
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
});

it('leaves the committed results alone', () => {
  expect(committedResults()).toBe(resultsBefore);
});

it('npm run worker without REDIS_URL says what it needs in one line, without a stack', async () => {
  const r = await run('server/main-worker.ts', [], { REDIS_URL: '' });
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain('REDIS_URL');
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

it('npm start on a busy port names PORT in one line before starting anything', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    // An unreachable DATABASE_URL: the port check must fail first, so nothing connects to it.
    const r = await run('scripts/start.ts', ['--no-demo'], { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`port ${port}`);
    expect(r.stderr).toContain(`PORT=${port + 1}`);
  } finally {
    busy.close();
  }
});
