import { evaluateStatsInput } from './stats-case';

const gb = {
  control: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 },
  treatment: { n: 3461, sum: 2422.7, sumSquares: 134698.29 },
};

describe('stats CLI input', () => {
  it.each([
    ['single case → object', gb, false],
    ['array → array', [gb, { ...gb, difference: 'absolute' }], true],
  ])('%s', (_name, input, isArray) => {
    const out = evaluateStatsInput(input);
    expect(out.ok).toBe(true);
    if (out.ok) expect(Array.isArray(out.value)).toBe(isArray);
  });

  it.each([
    ['missing sumSquares for a mean', { ...gb, control: { n: 10, sum: 3 } }, 'control.sumSquares'],
    ['alpha out of range', { ...gb, alpha: 1.5 }, 'alpha'],
    ['unknown metric', { ...gb, metric: 'median' }, 'metric'],
    ['bad element of an array', [gb, { ...gb, treatment: { n: -1, sum: 0, sumSquares: 0 } }], '1.treatment.n'],
    ['unknown field', { ...gb, sequental: { tuning: 1 } }, '(root)'],
    ['sumSquares below sum²/n', { ...gb, control: { n: 10, sum: 30, sumSquares: 80 } }, 'control.sumSquares'],
    ['negative successes', { ...gb, metric: 'proportion', control: { n: 10, sum: -1 } }, 'control.sum'],
    ['fractional successes', { ...gb, metric: 'proportion', treatment: { n: 10, sum: 2.5 } }, 'treatment.sum'],
    ['more successes than n', { ...gb, metric: 'proportion', treatment: { n: 10, sum: 11 } }, 'treatment.sum'],
  ])('%s names the field', (_name, input, field) => {
    const out = evaluateStatsInput(input);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.errors.some((e) => e.startsWith(`${field}:`))).toBe(true);
  });
});
