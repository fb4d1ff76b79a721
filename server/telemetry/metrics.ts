import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requestsTotal: Counter<'variant' | 'status'>;
  requestLatencyMs: Histogram<'variant'>;
  queueDepth: Gauge;
  requestLogRowsWritten: Counter;
  requestLogSpooledRows: Gauge;
  requestLogFlushSeconds: Histogram;
}

/** Latency buckets for the Prometheus histogram (ms), roughly ×2 steps from 5 ms to 60 s. */
export const REQUEST_LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

/** Metrics on their own Registry (never prom-client's global one), so apps and tests don't collide. */
export function createMetrics(options: { defaultMetrics?: boolean; prefix?: string } = {}): Metrics {
  const registry = new Registry();
  const p = options.prefix ?? '';
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: p });
  return {
    registry,
    requestsTotal: new Counter({ name: `${p}requests_total`, help: 'Requests served, by variant and status', labelNames: ['variant', 'status'] as const, registers: [registry] }),
    requestLatencyMs: new Histogram({
      name: `${p}request_latency_ms`,
      help: 'End-to-end request latency in milliseconds',
      labelNames: ['variant'] as const,
      buckets: REQUEST_LATENCY_BUCKETS_MS,
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: `${p}queue_depth`, help: 'Decode jobs waiting in the queue', registers: [registry] }),
    requestLogRowsWritten: new Counter({ name: `${p}request_log_rows_written_total`, help: 'Request-log rows committed to Postgres', registers: [registry] }),
    requestLogSpooledRows: new Gauge({ name: `${p}request_log_spooled_rows`, help: 'Request-log rows waiting in the on-disk spool', registers: [registry] }),
    requestLogFlushSeconds: new Histogram({
      name: `${p}request_log_flush_seconds`,
      help: 'Duration of one request-log batch flush (COPY + insert + rollup)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
