import { OverloadedError } from '../errors';
import { createAdmission } from './admission';

describe('admission', () => {
  it.each([1, 4, 32])('admits %d solves, sheds the next with a Retry-After, admits again once one settles', (max) => {
    let t = 0;
    const a = createAdmission({ maxPending: max, now: () => t });
    const slots = Array.from({ length: max }, () => a.admit());
    expect(a.pending).toBe(max);
    let shed: unknown;
    try {
      a.admit();
    } catch (err) {
      shed = err;
    }
    expect(shed).toBeInstanceOf(OverloadedError);
    expect((shed as OverloadedError).status).toBe(503);
    expect((shed as OverloadedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    t += 100;
    slots[0]!();
    slots[0]!(); // releasing twice frees one slot only
    expect(a.pending).toBe(max - 1);
    expect(() => a.admit()).not.toThrow();
  });
});

describe('admission by expected wait', () => {
  /** `n` solves completed evenly over the last second, so throughput is n per second. */
  function loaded(perSecond: number, maxWaitMs: number) {
    let t = 0;
    const a = createAdmission({ maxPending: 1000, maxWaitMs, now: () => t });
    for (let i = 0; i < perSecond; i++) {
      const release = a.admit();
      t += 1000 / perSecond;
      release();
    }
    return { a, advance: (ms: number) => (t += ms) };
  }

  it.each([
    // throughput/s, wait limit ms, solves admitted before the first is shed: (pending + 1) / throughput ≤ limit
    [10, 1050, 10],
    [10, 2050, 20],
    [50, 1010, 50],
    [5, 610, 3],
  ])('at %d completions/s and a %d ms limit, admits %d then sheds', (perSecond, maxWaitMs, admitted) => {
    const { a } = loaded(perSecond, maxWaitMs);
    const held = [];
    for (let i = 0; i < admitted; i++) held.push(a.admit());
    expect(() => a.admit()).toThrow(OverloadedError);
    held[0]!();
    expect(() => a.admit()).not.toThrow();
  });

  it('trusts no throughput before a few completions (depth cap only) and forgets old ones', () => {
    let t = 0;
    const a = createAdmission({ maxPending: 3, maxWaitMs: 1, now: () => t });
    const held = [a.admit(), a.admit(), a.admit()];
    expect(() => a.admit()).toThrow(/3 solves already queued/);
    for (const r of held) r();
    const { a: b, advance } = loaded(10, 150);
    b.admit();
    expect(() => b.admit()).toThrow(/would wait about 200 ms/);
    advance(60_000);
    expect(() => b.admit()).not.toThrow();
  });
});
