import { checkStep, expressionAfter } from './step-checker';

describe('checkStep', () => {
  it.each([
    ['47*41-(71-51)+95', '= 47*41-20+95\n', true, 2002],
    ['47*41-20+95', '= 1927-20+95', true, 2002],
    ['1907+95', '= 2002', true, 2002],
    ['2002', 'A: 2002\n', true, 2002],
    ['1907+95', '= 2003', false, 2003],
    ['2002', 'A: 2001', false, 2001],
    ['1+2', '= 3+0', true, 3],
    ['5-2', '= 3-0*7', true, 3],
  ])('%s then %j -> ok=%s', (prev, line, ok, value) => {
    const r = checkStep(prev, line);
    expect(r.ok).toBe(ok);
    expect(r.value).toBe(value);
    expect(r.reason === null).toBe(ok);
  });

  it.each([
    ['1+2', '= 1+', /does not parse/],
    ['1+2', '3', /must start with/],
    ['1+2', 'A: 1+2', /single non-negative integer/],
    ['1+2', '= -3+6', /unary minus/],
    ['1+2', '= 03', /leading zero/],
    ['1+', '= 3', /previous expression is invalid/],
  ])('%s then %j is wrong: %s', (prev, line, reason) => {
    const r = checkStep(prev, line);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(reason);
  });

  it('compares exactly beyond float precision', () => {
    expect(checkStep('99999999*99999999+1', '= 9999999800000002').ok).toBe(true);
    expect(checkStep('99999999*99999999+1', '= 9999999800000003').ok).toBe(false);
  });
});

describe('expressionAfter', () => {
  it.each([
    ['a step line', '1+2*3', '= 1+6\n', '1+6'],
    ['an answer line', '7', 'A: 7\n', '7'],
    ['an unparsable line', '2*3', '6\n', '2*3'],
  ])('%s', (_, previous, line, expected) => {
    expect(expressionAfter(previous, line)).toBe(expected);
  });
});
