import { isDatabaseUnavailable } from './unavailable';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, true],
    [{ code: '08006' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [{ code: 'P1001' }, true],
    [{ message: 'wrapped', cause: { code: 'ECONNRESET' } }, true],
    [{ code: '23505', message: 'duplicate key' }, false],
    [{ code: '42P01', message: 'relation does not exist' }, false],
    [new TypeError('x is undefined'), false],
    [null, false],
  ])('%j → %s', (err, expected) => {
    expect(isDatabaseUnavailable(err)).toBe(expected);
  });
});
