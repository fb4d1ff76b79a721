import { firstWrongStep } from './step-audit';

const step = (text: string, model: 'draft' | 'target' = 'target', accepted = model === 'draft') => ({ text, model, accepted });

describe('firstWrongStep', () => {
  it.each([
    ['all right', '1+2*3', [step('= 1+6\n', 'target'), step('= 7\n'), step('A: 7\n')], null],
    ['a wrong accepted draft', '1+2*3', [step('= 1+6\n'), step('= 8\n', 'draft'), step('A: 8\n')], { index: 1, model: 'draft', accepted: true }],
    ['a wrong target step', '1+2*3', [step('= 1+5\n'), step('= 6\n', 'draft'), step('A: 6\n', 'draft')], { index: 0, model: 'target', accepted: false }],
    ['a wrong answer line', '1907+95', [step('= 2002\n', 'draft'), step('A: 1002\n')], { index: 1, model: 'target', accepted: false }],
    ['an unparsable line', '2*3', [step('6\n')], { index: 0, model: 'target', accepted: false }],
    ['no steps', '2*3', [], null],
  ] as const)('%s', (_, question, steps, expected) => {
    expect(firstWrongStep(question, steps)).toEqual(expected);
  });
});
