import type { Redis } from 'ioredis';

/**
 * Requests whose client went away before the answer. The API marks them; the worker looks a
 * job up before decoding it and, if its client has left, logs it (an error: the user got no
 * answer) without spending compute on it. One row per request either way, written by the worker.
 */
export interface AbandonedRequests {
  mark(requestId: string, at: number): Promise<void>;
  /** When the client left, or null if it did not (or the mark has expired). */
  leftAt(requestId: string): Promise<number | null>;
  /**
   * Jobs that waited less than this are not looked up: no client gives up that fast, and
   * the lookup would add a Redis round trip to every request on the hot path.
   */
  readonly lookupAfterWaitMs: number;
}

/** The in-process queue's: a map, swept of marks older than `ttlMs`. */
export function createInMemoryAbandoned(options: { ttlMs: number; now?: () => number }): AbandonedRequests {
  const now = options.now ?? Date.now;
  const marks = new Map<string, number>();
  return {
    lookupAfterWaitMs: 0,
    async mark(requestId, at) {
      marks.set(requestId, at);
      if (marks.size % 1024 === 0) for (const [id, t] of marks) if (now() - t > options.ttlMs) marks.delete(id);
    },
    async leftAt(requestId) {
      const at = marks.get(requestId);
      marks.delete(requestId);
      return at ?? null;
    },
  };
}

/** Shared by the API and the workers through Redis, with a TTL past any job's deadline. */
export function createRedisAbandoned(options: { redis: Redis; prefix: string; ttlMs: number; lookupAfterWaitMs?: number }): AbandonedRequests {
  const key = (id: string) => `${options.prefix}:abandoned:${id}`;
  return {
    lookupAfterWaitMs: options.lookupAfterWaitMs ?? 100,
    async mark(requestId, at) {
      await options.redis.set(key(requestId), String(at), 'PX', options.ttlMs);
    },
    async leftAt(requestId) {
      const v = await options.redis.get(key(requestId));
      return v === null ? null : Number(v);
    },
  };
}
