import { formatAnswer, formatPrompt, formatSolutionText, formatStep, parseLine } from './format';

describe('format', () => {
  it('formats the spec example', () => {
    expect(formatSolutionText('47*41-(71-51)+95', ['47*41-20+95', '1927-20+95', '1907+95', '2002'], 2002)).toBe(
      'Q: 47*41-(71-51)+95\n= 47*41-20+95\n= 1927-20+95\n= 1907+95\n= 2002\nA: 2002\n',
    );
    expect(formatPrompt('1+2')).toBe('Q: 1+2\n');
    expect(formatStep('3')).toBe('= 3\n');
    expect(formatAnswer(3)).toBe('A: 3\n');
  });

  it.each([
    ['= 1+2\n', { kind: 'step', expression: '1+2' }],
    ['A: 3', { kind: 'answer', text: '3' }],
    ['=1+2', { kind: 'invalid' }],
  ])('parseLine(%j)', (line, expected) => {
    expect(parseLine(line)).toMatchObject(expected);
  });
});
