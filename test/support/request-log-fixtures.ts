import type { RequestLogRow } from '../../server/telemetry/request-log-row';

/** A realistic request-log row; `i` makes it deterministic and unique within a prefix. */
export function makeRequestLogRow(i: number, overrides: Partial<RequestLogRow> = {}, prefix = 'req'): RequestLogRow {
  const specs = i % 2 === 1;
  const receivedAt = new Date(Date.UTC(2025, 0, 1, 12, Math.floor(i / 50) % 60, i % 60, i % 1000));
  const latency = 20 + ((i * 7919) % 5000) / 7 + (specs ? 15 : 0);
  const status = i % 97 === 0 ? 'error' : 'ok';
  const graded = i % 3 !== 0;
  return {
    requestId: `${prefix}-${i}`,
    experiment: 'exp-a',
    stage: 0,
    variant: specs ? 'specs' : 'baseline',
    strategy: specs ? 'specs' : 'beam',
    unitHash: (((i % 1000) * 2654435761) >>> 0).toString(16).padStart(8, '0'),
    receivedAt,
    startedAt: new Date(receivedAt.getTime() + 2),
    finishedAt: new Date(receivedAt.getTime() + latency),
    queueWaitMs: 2,
    decodeMs: latency - 3,
    latencyMs: latency,
    draftTokens: specs ? 120 + (i % 40) : 0,
    targetTokens: specs ? 30 + (i % 10) : 150 + (i % 50),
    prmTokens: 40 + (i % 20),
    draftMs: specs ? latency * 0.3 : 0,
    targetMs: latency * 0.5,
    prmMs: latency * 0.1,
    modelCalls: 10 + (i % 5),
    targetFallbacks: specs ? i % 3 : null,
    draftAcceptance: specs ? 0.5 + (i % 50) / 100 : null,
    costUsd: (100 + (i % 37)) * 1e-7,
    prmScore: 0.5,
    answer: i % 100,
    reference: graded ? i % 100 : null,
    correct: status === 'error' ? null : graded ? i % 5 !== 0 : null,
    gradingSource: graded && status !== 'error' ? 'reference' : 'none',
    error: status === 'error' ? 'boom\twith\ttabs\nand "quotes" \\ backslash' : null,
    status,
    ...overrides,
  };
}
