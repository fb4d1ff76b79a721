import type { RequestHandler } from 'express';
import { RateLimitedError } from '../errors';
import { actorOf } from './auth';

/**
 * Token bucket per API key (the authenticated actor): `ratePerSecond` sustained, bursts up to
 * `burst`. One key flooding the service gets 429s with Retry-After instead of crowding out
 * the others. In memory, per process: a limit per API instance.
 */
export function createRateLimit(options: { ratePerSecond: number; burst?: number; now?: () => number }): RequestHandler {
  const now = options.now ?? Date.now;
  const burst = options.burst ?? Math.max(1, Math.ceil(options.ratePerSecond * 2));
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (_req, res, next) => {
    const key = actorOf(res)?.name ?? 'anonymous';
    const t = now();
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * options.ratePerSecond);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens < 1) {
      next(new RateLimitedError(`rate limit of ${options.ratePerSecond} requests/s for this key exceeded`, (1 - b.tokens) / options.ratePerSecond));
      return;
    }
    b.tokens -= 1;
    next();
  };
}
