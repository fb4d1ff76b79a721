import { extractAnswer, grade } from './grader';

describe('grader', () => {
  it.each([
    ['answer line', '= 1907+95\n= 2002\nA: 2002\n', 2002],
    ['answer line without newline', '= 5\nA: 5', 5],
    ['first answer line wins', 'A: 3\nA: 4\n', 3],
    ['fallback to last single-number step', '= 2+3\n= 5\n', 5],
    ['fallback ignores non-number steps', '= 5\n= 2+3\n', 5],
    ['malformed answer', '= 5\nA: 5x\n', null],
    ['answer with leading zero', 'A: 05\n', null],
    ['nothing', '= 2+3\n', null],
    ['prompt included', 'Q: 2+3\n= 5\nA: 5\n', 5],
    ['empty', '', null],
  ])('%s', (_name, text, expected) => {
    expect(extractAnswer(text)).toBe(expected);
  });

  it.each([
    ['= 2002\nA: 2002\n', 2002, true],
    ['= 2002\nA: 2003\n', 2002, false],
    ['garbage', 1, false],
  ])('grade(%j, %d) = %s', (text, reference, expected) => {
    expect(grade(text, reference)).toBe(expected);
  });
});
