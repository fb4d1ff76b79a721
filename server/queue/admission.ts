import { OverloadedError } from '../errors';

/**
 * Bounds the solves one API process has queued or running. Beyond `maxPending` a request is
 * answered 503 at once with Retry-After: past capacity, a queue that keeps growing only
 * turns every request into a 504 after it has waited the whole timeout. The retry hint is
 * the time the current backlog takes to drain at the recent completion rate.
 */
export interface Admission {
  /** Takes a slot or throws OverloadedError; call the returned function once the solve settles. */
  admit(): () => void;
  readonly pending: number;
}

export function createAdmission(options: { maxPending: number; now?: () => number }): Admission {
  const now = options.now ?? Date.now;
  let pending = 0;
  // Completions per second, exponentially weighted over roughly the last 5 s.
  let rate = 0;
  let last = now();
  const completed = () => {
    const t = now();
    const dt = Math.max(1, t - last) / 1000;
    last = t;
    const w = Math.exp(-dt / 5);
    rate = w * rate + (1 - w) * (1 / dt);
  };
  return {
    admit() {
      if (pending >= options.maxPending) {
        const drainSeconds = rate > 0 ? pending / rate : 1;
        throw new OverloadedError(`overloaded: ${pending} solves already queued here; retry later`, Math.min(30, Math.max(1, Math.ceil(drainSeconds))));
      }
      pending += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        pending -= 1;
        completed();
      };
    },
    get pending() {
      return pending;
    },
  };
}
