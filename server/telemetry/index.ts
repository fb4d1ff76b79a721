export * from './request-log-row';
export * from './pricing';
export * from './metrics';
export { createSpool, type Spool, type SpoolSegment } from './spool';
export {
  createRequestLogWriter,
  type Clock,
  type RequestLogWriter,
  type RequestLogWriterOptions,
  type RequestLogWriterStats,
} from './request-log-writer';
export { createRequestLogRepository, toCopyText, type RequestLogRepository, type InsertBatchResult } from './request-log-repository';
export { createFeedbackService, type FeedbackService } from './feedback';
export { encodeCopyRows } from './copy-encoder';
export { aggregateRollup, type RollupDelta } from './rollup-aggregate';
export { REQUEST_LOG_BATCH_SQL } from './request-log-repository';
export { DEAD_LETTER_FILE } from './spool';
