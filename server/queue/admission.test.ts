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
