import type { Outcome } from '../vocabulary';
import type { RequestLogRow } from '../telemetry/request-log-row';

/** What the wiring needs from the metrics registry (telemetry's, adapted in telemetry-ports.ts). */
export interface MetricsPort {
  observeRequest(variant: string, status: Outcome, latencyMs: number): void;
  setQueueDepth(depth: number): void;
  countExposure(experiment: string, variant: string): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/** The request-log writer as the worker uses it. */
export interface WriterPort {
  write(row: RequestLogRow): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
