/** One request as stored in `request_log` (prisma/schema.prisma, model RequestLog). */
import type { GradingSource, Outcome, VariantKey } from '../vocabulary';

export interface RequestLogRow {
  requestId: string;
  experiment: string;
  stage: number;
  variant: VariantKey;
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
  status: Outcome;
}

/**
 * How a column is written in COPY text: `real3`/`real6` are float4 columns rounded to 3 or 6
 * decimals (what the database keeps of them, see outcome.ts `storedReal`), `float` a float8.
 */
export type CopyEncoding = 'text' | 'int' | 'timestamp' | 'real3' | 'real6' | 'float' | 'bool';

/**
 * The request_log columns: [column, RequestLogRow field, COPY encoding]. The one list for the
 * COPY encoder, the staging table, the spool and reads: their column order is this order.
 */
export const REQUEST_LOG_COLUMNS = [
  ['request_id', 'requestId', 'text'],
  ['experiment', 'experiment', 'text'],
  ['stage', 'stage', 'int'],
  ['variant', 'variant', 'text'],
  ['strategy', 'strategy', 'text'],
  ['unit_hash', 'unitHash', 'text'],
  ['received_at', 'receivedAt', 'timestamp'],
  ['started_at', 'startedAt', 'timestamp'],
  ['finished_at', 'finishedAt', 'timestamp'],
  ['queue_wait_ms', 'queueWaitMs', 'real3'],
  ['decode_ms', 'decodeMs', 'real3'],
  ['latency_ms', 'latencyMs', 'real3'],
  ['draft_tokens', 'draftTokens', 'int'],
  ['target_tokens', 'targetTokens', 'int'],
  ['prm_tokens', 'prmTokens', 'int'],
  ['draft_ms', 'draftMs', 'real3'],
  ['target_ms', 'targetMs', 'real3'],
  ['prm_ms', 'prmMs', 'real3'],
  ['model_calls', 'modelCalls', 'int'],
  ['target_fallbacks', 'targetFallbacks', 'int'],
  ['draft_acceptance', 'draftAcceptance', 'real6'],
  ['cost_usd', 'costUsd', 'float'],
  ['prm_score', 'prmScore', 'real6'],
  ['answer', 'answer', 'int'],
  ['reference', 'reference', 'int'],
  ['correct', 'correct', 'bool'],
  ['grading_source', 'gradingSource', 'text'],
  ['error', 'error', 'text'],
  ['status', 'status', 'text'],
] as const satisfies readonly (readonly [string, keyof RequestLogRow, CopyEncoding])[];

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
