import type { RequestLogRepository } from './request-log-repository';

export interface FeedbackService {
  /**
   * Records a late correctness label. `applied: true` when the request's row was already logged
   * (row and rollup updated in the same transaction); otherwise the label waits in `feedback`
   * and the request-log writer applies it when the row arrives.
   */
  recordFeedback(requestId: string, correct: boolean): Promise<{ applied: boolean }>;
}

export function createFeedbackService(deps: { repo: RequestLogRepository }): FeedbackService {
  return { recordFeedback: (requestId, correct) => deps.repo.recordFeedback(requestId, correct) };
}
