/**
 * Core of `npm run traffic` (and the demo in `npm start`): an open-loop load
 * generator for POST /v1/solve with references, bounded in count and time, and
 * a per-variant summary. Pure except for `fetch` and timers, both injectable.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Problem {
  question: string;
  answer: number;
}

export interface RequestResult {
  status: number;
  /** The id the API gave the request (x-request-id), when it answered at all. */
  requestId: string | null;
  variant: string | null;
  correct: boolean | null;
  /** Server-reported total latency (received → finished), ms. */
  latencyMs: number | null;
  /** Server-reported model work alone (no queue wait), ms. */
  decodeMs?: number | null;
  /** Client round trip, ms. */
  rttMs: number;
  costUsd: number | null;
  error?: string;
}

export interface VariantSummary {
  variant: string;
  n: number;
  errors: number;
  graded: number;
  accuracy: number | null;
  latencyMean: number | null;
  latencyP50: number | null;
  latencyP95: number | null;
  /** Mean of the model work alone: what the strategies cost, whatever the queue did. */
  decodeMean: number | null;
  costMean: number | null;
  costTotal: number;
}

export interface TrafficReport {
  sent: number;
  completed: number;
  failed: number;
  /** Not sent because `maxInFlight` requests were outstanding (the client sheds, it does not queue). */
  shed: number;
  durationS: number;
  byStatus: Record<string, number>;
  variants: VariantSummary[];
}

export interface TrafficOptions {
  url: string;
  key: string;
  rps: number;
  durationS: number;
  problems: readonly Problem[];
  experiment?: string;
  /** Stop after this many requests even if time remains. */
  maxRequests?: number;
  maxInFlight?: number;
  /** Per-request client timeout (ms). */
  timeoutMs?: number;
  onProgress?: (p: { elapsedS: number; sent: number; completed: number; failed: number; inFlight: number }) => void;
  /** Every request's result as it completes (benchmarks that need more than the summary). */
  onResult?: (r: RequestResult) => void;
  /** Checked before each request: true ends the run early (requests in flight still finish). */
  shouldStop?: () => boolean;
  progressIntervalMs?: number;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

export function loadProblems(file: string): Problem[] {
  const problems = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const p = JSON.parse(l) as { question?: unknown; answer?: unknown };
      if (typeof p.question !== 'string' || typeof p.answer !== 'number') throw new Error(`${file}:${i + 1}: expected {"question": string, "answer": number}`);
      return { question: p.question, answer: p.answer };
    });
  if (problems.length === 0) throw new Error(`${file}: no problems`);
  return problems;
}

/** Linear-interpolated quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(results: readonly RequestResult[]): VariantSummary[] {
  const groups = new Map<string, RequestResult[]>();
  for (const r of results) {
    const key = r.variant ?? '(none)';
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([variant, rs]) => {
      const ok = rs.filter((r) => r.status === 200);
      const graded = ok.filter((r) => r.correct !== null);
      const lat = ok.map((r) => r.latencyMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
      const costs = ok.map((r) => r.costUsd).filter((x): x is number => x !== null);
      const decode = ok.map((r) => r.decodeMs).filter((x): x is number => typeof x === 'number');
      const costTotal = costs.reduce((s, c) => s + c, 0);
      return {
        variant,
        n: rs.length,
        errors: rs.length - ok.length,
        graded: graded.length,
        accuracy: graded.length ? graded.filter((r) => r.correct).length / graded.length : null,
        latencyMean: lat.length ? lat.reduce((s, x) => s + x, 0) / lat.length : null,
        latencyP50: quantile(lat, 0.5),
        latencyP95: quantile(lat, 0.95),
        decodeMean: decode.length ? decode.reduce((s, x) => s + x, 0) / decode.length : null,
        costMean: costs.length ? costTotal / costs.length : null,
        costTotal,
      };
    });
}

/** A plain decimal with `significant` digits, never exponent notation (0.0000856, not 8.56e-5). */
export function plainDecimal(x: number, significant = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const digits = Math.min(12, Math.max(0, significant - 1 - Math.floor(Math.log10(Math.abs(x)))));
  return x.toFixed(digits);
}

const ms = (x: number | null) => (x === null ? '-' : x.toFixed(1));

export function formatSummary(report: TrafficReport): string {
  const head = ['variant', 'requests', 'errors', 'accuracy (graded)', 'latency mean ms', 'p50 ms', 'p95 ms', 'decode mean ms', 'cost/request USD', 'cost total USD'];
  const rows = report.variants.map((v) => [
    v.variant,
    String(v.n),
    String(v.errors),
    v.accuracy === null ? '-' : `${(v.accuracy * 100).toFixed(1)} % (${v.graded})`,
    ms(v.latencyMean),
    ms(v.latencyP50),
    ms(v.latencyP95),
    ms(v.decodeMean),
    v.costMean === null ? '-' : plainDecimal(v.costMean),
    plainDecimal(v.costTotal),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Text left, numbers right, as people read tables.
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const statuses = Object.entries(report.byStatus).map(([code, n]) => `${code === '0' ? 'no response' : code} × ${n}`).join(', ');
  return [
    `sent ${report.sent}, completed ${report.completed}, failed ${report.failed}, shed ${report.shed} in ${report.durationS.toFixed(1)} s (HTTP status: ${statuses || 'none'})`,
    'latency = server-reported ms from request received to answer, queue wait included (on a busy machine the wait dominates);',
    'decode = the model work alone, the strategies\' own cost in time; cost = model tokens priced in USD',
    line(head),
    ...rows.map(line),
  ].join('\n');
}

export async function runTraffic(opts: TrafficOptions): Promise<TrafficReport> {
  if (!(opts.rps > 0)) throw new Error('rps must be > 0');
  if (!(opts.durationS > 0)) throw new Error('duration must be > 0');
  const fetchImpl = opts.fetchImpl ?? fetch;
  const now = opts.now ?? (() => performance.now());
  const maxRequests = Math.min(opts.maxRequests ?? Infinity, Math.ceil(opts.rps * opts.durationS));
  const maxInFlight = opts.maxInFlight ?? 512;
  const endpoint = `${opts.url.replace(/\/$/, '')}/v1/solve`;
  const results: RequestResult[] = [];
  const byStatus: Record<string, number> = {};
  let sent = 0;
  let shed = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const started = now();

  const fire = async (problem: Problem) => {
    const t0 = now();
    let r: RequestResult;
    try {
      const res = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key}` },
        body: JSON.stringify({ question: problem.question, reference: problem.answer, unitId: `traffic-${randomUUID()}`, experiment: opts.experiment }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000),
      });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      r = {
        status: res.status,
        requestId: res.headers.get('x-request-id'),
        variant: typeof body.variant === 'string' ? body.variant : null,
        correct: typeof body.correct === 'boolean' ? body.correct : null,
        latencyMs: typeof body.latencyMs === 'number' ? body.latencyMs : null,
        decodeMs: typeof body.decodeMs === 'number' ? body.decodeMs : null,
        rttMs: now() - t0,
        costUsd: typeof body.costUsd === 'number' ? body.costUsd : null,
        error: res.status === 200 ? undefined : JSON.stringify(body.error ?? body).slice(0, 200),
      };
    } catch (err) {
      r = { status: 0, requestId: null, variant: null, correct: null, latencyMs: null, rttMs: now() - t0, costUsd: null, error: (err as Error).message };
    }
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    results.push(r);
    opts.onResult?.(r);
  };

  const progress = () =>
    opts.onProgress?.({
      elapsedS: (now() - started) / 1000,
      sent,
      completed: results.filter((r) => r.status === 200).length,
      failed: results.filter((r) => r.status !== 200).length,
      inFlight,
    });
  const timer = opts.onProgress ? setInterval(progress, opts.progressIntervalMs ?? 1_000) : undefined;

  try {
    // Open loop: request i is due at started + i/rps, whatever the server's speed.
    for (let i = 0; i < maxRequests; i++) {
      const due = started + (i * 1000) / opts.rps;
      const wait = due - now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (now() - started > opts.durationS * 1000 || opts.shouldStop?.()) break;
      if (inFlight >= maxInFlight) {
        shed++;
        continue;
      }
      const problem = opts.problems[i % opts.problems.length]!;
      sent++;
      inFlight++;
      const p = fire(problem).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    await Promise.all([...pending]);
  } finally {
    if (timer) clearInterval(timer);
  }
  progress();
  const completed = results.filter((r) => r.status === 200).length;
  return {
    sent,
    completed,
    failed: results.length - completed,
    shed,
    durationS: (now() - started) / 1000,
    byStatus,
    variants: summarize(results),
  };
}
