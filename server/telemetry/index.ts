export * from './request-log-row';
export * from './pricing';
export * from './metrics';
export { createSpool, type Spool, type SpoolSegment } from './spool';
export {
  createRequestLogWriter,
  type RequestLogWriter,
  type RequestLogWriterOptions,
  type RequestLogWriterStats,
} from './request-log-writer';
export { createRequestLogRepository, withLabel, type RequestLogRepository, type InsertBatchResult } from './request-log-repository';
export { createFeedbackService, type FeedbackService } from './feedback';
export { encodeCopyRows } from './copy-encoder';
export { aggregateRollup, rollupDeltas, type RollupDelta, type RollupDeltas, type UnitDelta } from './rollup-aggregate';
export { createRollupRepository, type RollupRepository } from './rollup-repository';
export { DEAD_LETTER_FILE } from './spool';
export { createJournal, type Journal } from './journal';
