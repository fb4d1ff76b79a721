/**
 * Wall-clock epoch milliseconds with sub-millisecond resolution. Request timings
 * cross processes (API receives, worker starts/finishes), so they must be wall
 * clock; performance.now() gives the fraction that Date.now() would round away.
 */
export type Clock = () => number;
export const wallClockMs: Clock = () => performance.timeOrigin + performance.now();
