import { OverloadedError } from '../errors';

/**
 * Bounds the solves one API process has queued or running, two ways:
 *  - by depth: never more than `maxPending` (a hard cap on memory and on Redis);
 *  - by expected wait: by Little's law a newcomer would wait about (pending + 1) / throughput,
 *    with throughput the completions of the last `windowMs`. Beyond `maxWaitMs` it is shed.
 * A shed request is answered 503 at once with Retry-After. Past capacity, a queue that keeps
 * growing only makes every answer later (and, at the deadline, a 504 after the whole wait):
 * shedding keeps the latency of the requests served close to what it is at capacity.
 * The wait rule needs a few recent completions to trust its throughput; until then only the
 * depth cap applies.
 */
export interface Admission {
  /** Takes a slot or throws OverloadedError; call the returned function once the solve settles. */
  admit(): () => void;
  readonly pending: number;
}

export interface AdmissionOptions {
  maxPending: number;
  /** Expected wait (queue and decode) beyond which a request is shed; absent: depth cap only. */
  maxWaitMs?: number;
  /** Throughput window. */
  windowMs?: number;
  /** Completions in the window before the wait rule applies. */
  minCompletions?: number;
  now?: () => number;
}

export function createAdmission(options: AdmissionOptions): Admission {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 10_000;
  const minCompletions = options.minCompletions ?? 5;
  let pending = 0;
  const completions: number[] = [];

  /** Completions per millisecond over the window, or null while there are too few to trust. */
  const throughput = (t: number): number | null => {
    while (completions.length > 0 && completions[0]! < t - windowMs) completions.shift();
    if (completions.length < minCompletions) return null;
    // Intervals since the first completion, up to now: a worker that stops completing lowers it.
    return (completions.length - 1) / Math.max(1, t - completions[0]!);
  };

  return {
    admit() {
      const t = now();
      const rate = throughput(t);
      const expectedWaitMs = rate === null ? null : (pending + 1) / rate;
      const retryAfter = () => Math.min(30, Math.max(1, Math.ceil((rate === null ? 1000 : pending / rate) / 1000)));
      if (pending >= options.maxPending) {
        throw new OverloadedError(`overloaded: ${pending} solves already queued here; retry later`, retryAfter());
      }
      if (options.maxWaitMs !== undefined && expectedWaitMs !== null && expectedWaitMs > options.maxWaitMs) {
        throw new OverloadedError(
          `overloaded: a new solve would wait about ${Math.round(expectedWaitMs)} ms here (limit ${options.maxWaitMs} ms); retry later`,
          retryAfter(),
        );
      }
      pending += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        pending -= 1;
        completions.push(now());
      };
    },
    get pending() {
      return pending;
    },
  };
}
