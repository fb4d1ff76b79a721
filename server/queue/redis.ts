import IORedis, { type Redis } from 'ioredis';

/** BullMQ needs maxRetriesPerRequest: null on every connection it blocks on (workers, event streams, schedulers). */
export const createRedis = (url: string): Redis => new IORedis(url, { maxRetriesPerRequest: null });

/**
 * A producer's connection fails fast instead: with Redis down, an add must fail at once
 * (a 503 for a solve), not hang while ioredis queues commands for a server that is gone.
 */
export const createProducerRedis = (url: string): Redis =>
  new IORedis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
