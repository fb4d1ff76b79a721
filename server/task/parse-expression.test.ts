import { ExpressionError, evaluateExpression, parseQuestion, parseExpression } from './parse-expression';

describe('parseExpression', () => {
  it.each([
    ['1+2*3', 7n],
    ['(1+2)*3', 9n],
    ['10-4-3', 3n],
    ['2*(3+(4-1))', 12n],
    ['9999', 9999n],
    ['0', 0n],
    ['3-5', -2n],
    ['99*99*99*99*99', 9509900499n],
  ])('evaluates %s exactly', (text, value) => {
    expect(evaluateExpression(text)).toBe(value);
  });

  it.each([
    ['2+x', /letter "x"/],
    ['1'.repeat(201), /maximum is 200/],
    ['07+1', /leading zero/],
    ['-3+4', /unary minus/],
    ['4*(-3)', /unary minus/],
    ['(1+2', /unbalanced parentheses/],
    ['1+2)', /unbalanced parentheses/],
    ['1 + 2', /whitespace/],
    ['', /empty/],
    ['1+', /ends with an operator/],
    ['()', /empty or dangling/],
    ['*2', /missing its left operand/],
    ['2(3)', /missing operator/],
    ['1/2', /unexpected character/],
  ])('rejects %s', (text, message) => {
    expect(() => parseExpression(text)).toThrow(ExpressionError);
    expect(() => parseExpression(text)).toThrow(message);
  });

  it.each([['100+1'], ['5*123']])('question rejects numbers above 99: %s', (q) => {
    expect(() => parseQuestion(q)).toThrow(/larger than 99/);
  });

  it('steps may contain numbers above 99', () => {
    expect(evaluateExpression('1927-20')).toBe(1907n);
  });
});
