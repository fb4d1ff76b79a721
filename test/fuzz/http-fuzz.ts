/**
 * A seeded HTTP fuzzer: requests across every route of the app, as every role (and none,
 * and forged keys), with valid, mutated and hostile bodies, content types and encodings.
 * Checks the three promises of the error contract: no response ≥ 500, no request that
 * hangs past its timeout, no stack trace in a body.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { createRng, type Rng } from '../../server/task/rng';
import type { RouteEntry } from '../support/routes';

export interface FuzzOptions {
  baseUrl: string;
  routes: readonly RouteEntry[];
  /** Bearer keys per role; 'none' and forged keys are added by the fuzzer. */
  keys: Record<string, string>;
  count: number;
  seed: number;
  timeoutMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FuzzFailure {
  kind: 'status' | 'hang' | 'stack' | 'transport';
  method: string;
  path: string;
  detail: string;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  failures: FuzzFailure[];
  maxMs: number;
}

const PARAM_VALUES = ['fuzz-exp', 'constructor', '__proto__', '%zz', '%00', 'a'.repeat(300), '..%2F..%2Fetc', '00000000-0000-0000-0000-000000000000', 'Ünïcødé', '12345', ''];
const STRINGS = ['', 'x', '1+2', '47*41-(71-51)+95', 'a'.repeat(600), 'nul\u0000byte', '\u202e\ud800', '<script>alert(1)</script>', "'; DROP TABLE experiment; --", '99*'.repeat(80) + '1'];
const NUMBERS = [0, -1, 1, 0.5, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, Number.NaN];

function template(path: string, rng: Rng): unknown {
  const pick = <T>(xs: readonly T[]) => rng.pick(xs);
  if (path.endsWith('/v1/solve')) return { question: pick(STRINGS.concat(['1+2', '3*(4+5)'])), unitId: pick(['u1', '', 'x'.repeat(300)]), reference: pick<unknown>([3, ...NUMBERS, null, 'three']), experiment: pick(['fuzz-exp', 'nope', 'BAD KEY']) };
  if (path.endsWith('/v1/feedback')) return { requestId: pick(['00000000-0000-4000-8000-000000000000', 'nope', '']), correct: pick<unknown>([true, false, 'yes', 1]) };
  if (path.endsWith('/share')) return { specsShare: pick<unknown>([0.1, 0.5, ...NUMBERS, '0.5', null]) };
  if (path.endsWith('/rollout/plan')) return { stages: pick<unknown>([[], [{ share: 0.5 }, { share: 1 }], [{ share: 1 }], 'none', [{ share: 2 }], [{ share: 0.1, minDurationMs: -5 }, { share: 1 }]]), guardrails: pick<unknown>([{}, { alpha: 0.9 }, null, { errorRateMaxIncreasePts: 'x' }]) };
  // Few runs: a preview is real simulation work.
  if (path.endsWith('/rollout/preview')) return { ratePerMinute: pick<unknown>([60, 0, -1, 1e9, 'x', null]), runs: pick<unknown>([10, 0, 1000, 10.5]), plan: pick<unknown>([undefined, { stages: [{ share: 0.5, minDurationMs: 0, minGradedPerArm: 5 }, { share: 1 }] }, { stages: [] }]) };
  if (path.endsWith('/rollout/rollback')) return { reason: pick<unknown>(['fuzz', '', 'r'.repeat(500), 5]) };
  if (path === '/api/keys') return { name: pick(STRINGS), role: pick(['admin', 'viewer', 'service', 'root', '']) };
  if (path === '/api/experiments') return { key: pick(['fuzz-exp', 'constructor', 'BAD', '', 'k'.repeat(80)]), specsShare: pick<unknown>([0.5, ...NUMBERS]), specs: pick<unknown>([undefined, { strategy: 'specs', params: { n: pick<unknown>([8, 0, 1e9, 'x']) } }, { strategy: 'nope' }]) };
  return {};
}

function mutate(value: unknown, rng: Rng, depth = 0): unknown {
  const r = rng.next();
  if (r < 0.05) return null;
  if (r < 0.1) return rng.pick(STRINGS);
  if (r < 0.15) return rng.pick(NUMBERS);
  if (r < 0.18) return [value, value];
  if (r < 0.2 && depth < 3) return { nested: mutate(value, rng, depth + 1) };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (rng.next() > 0.1) out[k] = rng.next() < 0.3 ? mutate(v, rng, depth + 1) : v;
    if (rng.next() < 0.1) out[rng.pick(['__proto__', 'constructor', 'extra', ''])] = rng.pick(STRINGS);
    return out;
  }
  return value;
}

function bodyFor(path: string, rng: Rng): { data: Buffer; headers: Record<string, string> } {
  const kind = rng.next();
  const json = JSON.stringify(kind < 0.7 ? mutate(template(path, rng), rng) : template(path, rng)) ?? 'null';
  const headers: Record<string, string> = { 'content-type': rng.pick(['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) };
  let data = Buffer.from(json);
  const enc = rng.next();
  if (enc < 0.05) data = Buffer.from(rng.pick(['{"key": ', '[[[[', '\u0000\u0001', '{"a":' + '['.repeat(5000)]));
  else if (enc < 0.08) {
    headers['content-encoding'] = 'gzip';
    data = zlib.gzipSync(data);
  } else if (enc < 0.1) headers['content-encoding'] = rng.pick(['gzip', 'br', 'deflate', 'zstd', 'x-made-up']);
  else if (enc < 0.12) data = Buffer.alloc(70_000, 'a');
  return { data, headers };
}

function pathFor(route: RouteEntry, rng: Rng): string {
  let p = route.path.replace(/:([A-Za-z]+)/g, () => encodeURIComponent(rng.pick(PARAM_VALUES)).replace(/%25/g, rng.next() < 0.3 ? '%' : '%25'));
  if (rng.next() < 0.15) p += `?${rng.pick(['stage=all', 'stage=-1', 'alpha=2', 'granularity=year', 'from=notadate', 'stage=1&stage=2', 'x=%00', 'sequential=maybe'])}`;
  return p;
}

function send(base: URL, method: string, path: string, headers: Record<string, string>, data: Buffer | null, timeoutMs: number): Promise<{ status: number; body: string; ms: number } | { error: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers: data ? { ...headers, 'content-length': String(data.length) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('hang')));
    req.on('error', (e) => resolve({ error: e.message, ms: Date.now() - started }));
    req.end(data ?? undefined);
  });
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const rng = createRng(o.seed);
  const base = new URL(o.baseUrl);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const roles = [...Object.entries(o.keys), ['none', ''], ['forged', 'sk_admin_' + 'A'.repeat(32)], ['garbage', 'not a key at all; DROP TABLE api_key']] as [string, string][];
  const report: FuzzReport = { requests: 0, byStatus: {}, failures: [], maxMs: 0 };
  const jobs = Array.from({ length: o.count }, () => {
    const route = rng.pick(o.routes);
    const method = rng.next() < 0.05 ? rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) : route.method;
    const [, key] = rng.pick(roles);
    const path = pathFor(route, rng);
    const withBody = method !== 'GET' && method !== 'DELETE';
    const { data, headers } = withBody ? bodyFor(route.path, rng) : { data: null, headers: {} as Record<string, string> };
    if (key) headers.authorization = rng.next() < 0.05 ? key : `Bearer ${key}`;
    return { method, path, headers, data };
  });
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      let res;
      try {
        res = await send(base, job.method, job.path, job.headers, job.data, timeoutMs);
      } catch (err) {
        res = { error: (err as Error).message, ms: 0 };
      }
      report.requests += 1;
      report.maxMs = Math.max(report.maxMs, res.ms);
      if ('error' in res) {
        // A request Node itself refuses to send (an invalid header) is not a server failure.
        if (/Invalid character|ERR_INVALID/.test(res.error)) continue;
        report.failures.push({ kind: res.error === 'hang' ? 'hang' : 'transport', method: job.method, path: job.path, detail: res.error });
      } else {
        report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
        if (res.status >= 500) report.failures.push({ kind: 'status', method: job.method, path: job.path, detail: `${res.status} ${res.body.slice(0, 200)}` });
        if (/\n\s+at .+:\d+:\d+/.test(res.body)) report.failures.push({ kind: 'stack', method: job.method, path: job.path, detail: res.body.slice(0, 200) });
      }
      o.onProgress?.(report.requests, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  return report;
}
