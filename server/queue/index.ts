export * from './types';
export * from './decode-processor';
export * from './in-process-queue';
export * from './bullmq-queue';
export * from './redis';
export * from './abandonment';
