import { canonicalSolution, productTerms } from './canonical-solution';

describe('productTerms', () => {
  it.each([
    [73n, 12n, [730n, 146n]],
    [12n, 73n, [840n, 36n]],
    [179n, 23n, [3580n, 537n]],
    [23n, 179n, [3580n, 537n]],
    [7n, 99n, [693n]],
    [99n, 7n, [693n]],
    [73n, 40n, [2920n]],
    [0n, 55n, [0n]],
  ])('%s * %s -> %j', (a, b, terms) => {
    const out = productTerms(a, b);
    expect(out).toEqual(terms);
    expect(out.reduce((x, y) => x + y, 0n)).toBe(a * b);
  });
});

describe('canonicalSolution', () => {
  it.each([
    ['spec example', '47*41-(71-51)+95', ['47*41-20+95', '(1880+47)-20+95', '1927-20+95', '1907+95', '2002'], 2002],
    ['two-digit product split into tens and ones', '69*23', ['(1380+207)', '1587'], 1587],
    ['split product keeps precedence after "-"', '99-12*34', ['99-(360+48)', '99-408', '-309'], -309],
    ['split product keeps precedence before "*"', '12*34*2', ['(360+48)*2', '408*2', '816'], 816],
    ['a group that is one product reuses its parens', '(47*41)+1', ['(1880+47)+1', '1927+1', '1928'], 1928],
    ['a multiple of ten is one step', '73*40', ['2920'], 2920],
    ['leftmost * first in scope', '2+3*4*5', ['2+12*5', '2+60', '62'], 62],
    ['no * : leftmost + or -', '10-3+2', ['7+2', '9'], 9],
    ['subtraction left to right', '50-20-10', ['30-10', '20'], 20],
    ['group reduced to a number loses parens', '(2+3)*4', ['5*4', '20'], 20],
    ['group keeps parens while it has operations', '(2+3*4)*2', ['(2+12)*2', '14*2', '28'], 28],
    ['nested parens: innermost first', '2*(3+(4-1))', ['2*(3+3)', '2*6', '12'], 12],
    ['leftmost innermost group first', '(1+2)*(3+4)', ['3*(3+4)', '3*7', '21'], 21],
    ['deeply nested', '((1+2)*3)-4', ['(3*3)-4', '9-4', '5'], 5],
    ['* after + inside group', '(1+2*3)+4', ['(1+6)+4', '7+4', '11'], 11],
    ['redundant parens around a product', '(5*6)+1', ['30+1', '31'], 31],
    ['subtraction of a group', '99-(50-1)', ['99-49', '50'], 50],
    ['zero operands', '0*7+0', ['0+0', '0'], 0],
  ])('%s: %s', (_name, question, steps, answer) => {
    const s = canonicalSolution(question);
    expect(s.steps).toEqual(steps);
    expect(s.answer).toBe(answer);
  });

  it.each([['1a+2'], ['01+2'], ['-1+2'], ['(1+2'], ['100+1'], ['1++2']])('rejects malformed question %s', (q) => {
    expect(() => canonicalSolution(q)).toThrow();
  });
});
