import type { RewardModel, Step } from '../../../server/decoding/types';
import { oracleVerifier } from './reference-verifier';

/** A PRM that scores every step 0.8 and keeps the text so far as its state. */
const flatPrm: RewardModel<string> = {
  start: (prompt) => prompt,
  scoreSteps: async (states, steps) => steps.map((s, i) => ({ score: 0.8, state: states[i]! + s.text })),
  scorePath: async (_state, steps) => steps.map(() => 0.8),
};
const step = (text: string): Step => ({ text, eos: false });

describe('oracleVerifier', () => {
  it.each([
    ['right steps score in the upper half', '1+2*3', ['= 1+6\n', '= 7\n', 'A: 7\n'], [0.9, 0.9, 0.9]],
    ['a wrong step and all after it score in the lower half', '1+2*3', ['= 1+5\n', '= 6\n', 'A: 6\n'], [0.4, 0.4, 0.4]],
    ['a wrong answer line', '1907+95', ['= 2002\n', 'A: 1002\n'], [0.9, 0.4]],
    ['an unparsable line', '2*3', ['6\n'], [0.4]],
  ])('%s', async (_, question, lines, expected) => {
    const oracle = oracleVerifier(flatPrm);
    const byPath = await oracle.scorePath(oracle.start(`Q: ${question}\n`), lines.map(step));
    let state = oracle.start(`Q: ${question}\n`);
    const byStep: number[] = [];
    for (const line of lines) {
      const [r] = await oracle.scoreSteps([state], [step(line)]);
      byStep.push(r!.score);
      state = r!.state;
    }
    expect(byPath.map((x) => Number(x.toFixed(6)))).toEqual(expected);
    expect(byStep.map((x) => Number(x.toFixed(6)))).toEqual(expected);
    expect(state.prm).toBe(`Q: ${question}\n${lines.join('')}`);
  });

  it('rejects a prompt that is not a question', () => {
    expect(() => oracleVerifier(flatPrm).start('1+2')).toThrow(/not a prompt/);
  });
});
