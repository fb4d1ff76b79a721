/** The API and the decode worker as real child processes (node + tsx), killable and restartable. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AppProcess {
  readonly name: string;
  /** Base URL of its HTTP endpoints (the API, or the worker's ops port). */
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: no shutdown hooks, no flush. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown. */
  stop(): Promise<void>;
  running(): boolean;
}

export function appProcess(o: { name: string; entry: 'server/main-api.ts' | 'server/main-worker.ts'; port: number; env: Record<string, string>; logFile: string }): AppProcess {
  let proc: ChildProcess | undefined;
  const url = `http://127.0.0.1:${o.port}`;
  const log = fs.openSync(o.logFile, 'a');
  const waitReady = async () => {
    for (let i = 0; i < 600; i++) {
      if (!proc || proc.exitCode !== null) throw new Error(`${o.name} exited while starting (see ${o.logFile})`);
      try {
        const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${o.name} not ready after 60 s (see ${o.logFile})`);
  };
  const exited = (p: ChildProcess) => (p.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())));
  return {
    name: o.name,
    url,
    async start() {
      proc = spawn(process.execPath, ['--import', 'tsx', o.entry], { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', log, log] });
      await waitReady();
    },
    async kill() {
      if (!proc) return;
      const p = proc;
      p.kill('SIGKILL');
      await exited(p);
      proc = undefined;
    },
    async stop() {
      if (!proc) return;
      const p = proc;
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
      await exited(p);
      clearTimeout(t);
      proc = undefined;
    },
    running: () => Boolean(proc && proc.exitCode === null),
  };
}
