/** One request as stored in `request_log` (prisma/schema.prisma, model RequestLog). */
export type Variant = 'baseline' | 'specs';
export type RequestStatus = 'ok' | 'error' | 'timeout';
export type GradingSource = 'reference' | 'feedback' | 'none';

export interface RequestLogRow {
  requestId: string;
  experiment: string;
  stage: number;
  variant: Variant;
  strategy: string;
  unitHash: string;
  receivedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  queueWaitMs: number | null;
  decodeMs: number | null;
  /** Total: received → response. */
  latencyMs: number;
  draftTokens: number;
  targetTokens: number;
  prmTokens: number;
  draftMs: number;
  targetMs: number;
  prmMs: number;
  modelCalls: number;
  targetFallbacks: number | null;
  draftAcceptance: number | null;
  costUsd: number;
  prmScore: number | null;
  answer: number | null;
  reference: number | null;
  correct: boolean | null;
  gradingSource: GradingSource;
  error: string | null;
  status: RequestStatus;
}

/** Column order used by COPY, the staging table and the spool; `key` is the RequestLogRow field. */
export const REQUEST_LOG_COLUMNS = [
  ['request_id', 'requestId'],
  ['experiment', 'experiment'],
  ['stage', 'stage'],
  ['variant', 'variant'],
  ['strategy', 'strategy'],
  ['unit_hash', 'unitHash'],
  ['received_at', 'receivedAt'],
  ['started_at', 'startedAt'],
  ['finished_at', 'finishedAt'],
  ['queue_wait_ms', 'queueWaitMs'],
  ['decode_ms', 'decodeMs'],
  ['latency_ms', 'latencyMs'],
  ['draft_tokens', 'draftTokens'],
  ['target_tokens', 'targetTokens'],
  ['prm_tokens', 'prmTokens'],
  ['draft_ms', 'draftMs'],
  ['target_ms', 'targetMs'],
  ['prm_ms', 'prmMs'],
  ['model_calls', 'modelCalls'],
  ['target_fallbacks', 'targetFallbacks'],
  ['draft_acceptance', 'draftAcceptance'],
  ['cost_usd', 'costUsd'],
  ['prm_score', 'prmScore'],
  ['answer', 'answer'],
  ['reference', 'reference'],
  ['correct', 'correct'],
  ['grading_source', 'gradingSource'],
  ['error', 'error'],
  ['status', 'status'],
] as const satisfies readonly (readonly [string, keyof RequestLogRow])[];

const DATE_FIELDS = ['receivedAt', 'startedAt', 'finishedAt'] as const;

/** Rebuilds a row parsed from JSON (dates arrive as ISO strings). */
export function reviveRequestLogRow(value: Record<string, unknown>): RequestLogRow {
  const row = { ...value } as Record<string, unknown>;
  for (const f of DATE_FIELDS) {
    const v = row[f];
    row[f] = v === null || v === undefined ? null : new Date(v as string);
  }
  return row as unknown as RequestLogRow;
}

/** Maps a `request_log` row as pg returns it (snake_case) to RequestLogRow. */
export function fromDbRow(r: Record<string, unknown>): RequestLogRow {
  const out: Record<string, unknown> = {};
  for (const [col, key] of REQUEST_LOG_COLUMNS) out[key] = r[col] ?? null;
  return out as unknown as RequestLogRow;
}
