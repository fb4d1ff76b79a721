import crypto from 'node:crypto';
import { Redis } from 'ioredis';

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export interface TestRedis {
  url: string;
  /** Unique key prefix for this test file, e.g. `t:experiments:ab12cd:` (ends with ':'). */
  keyPrefix: string;
  /** Unique BullMQ queue prefix (BullMQ's `prefix` option): `t_experiments_ab12cd`. */
  queuePrefix: string;
  /** Unique queue name, `<label>-<random>`; call `queueName('x')` for more. */
  queueName(name?: string): string;
  /** A new ioredis connection (maxRetriesPerRequest: null, as BullMQ requires); closed by cleanup(). */
  connect(): Redis;
  /** Deletes every key under keyPrefix and queuePrefix, and closes connections made by connect(). */
  cleanup(): Promise<void>;
}

/** Per-test-file Redis namespace on TEST_REDIS_URL, so files run in parallel on one Redis. */
export function createTestRedis(label = 'test'): TestRedis {
  const url = process.env.TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
  const clean = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30) || 'test';
  const id = crypto.randomBytes(4).toString('hex');
  const keyPrefix = `t:${clean}:${id}:`;
  const queuePrefix = `t_${clean}_${id}`;
  const connections: Redis[] = [];
  return {
    url,
    keyPrefix,
    queuePrefix,
    queueName: (name = clean) => `${name}-${id}`,
    connect: () => {
      const r = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
      connections.push(r);
      return r;
    },
    cleanup: async () => {
      const r = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        for (const pattern of [`${keyPrefix}*`, `${queuePrefix}:*`]) {
          let cursor = '0';
          do {
            const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) await r.del(...keys);
          } while (cursor !== '0');
        }
      } finally {
        r.disconnect();
        for (const c of connections.splice(0)) c.disconnect();
      }
    },
  };
}
