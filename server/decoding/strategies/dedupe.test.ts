import { dedupe, stepKey } from './dedupe';

describe('dedupe', () => {
  it.each([
    [[], [], []],
    [['a', 'b', 'a', 'a', 'c'], [0, 1, 4], [0, 1, 0, 0, 2]],
    [['x', 'x'], [0], [0, 0]],
  ])('%j → unique %j, slots %j', (keys, unique, slot) => {
    expect(dedupe(keys)).toEqual({ unique, slot });
  });
  it('keeps <eos>-terminated steps apart from the same text without it', () => {
    expect(stepKey({ text: '= 1', eos: true })).not.toBe(stepKey({ text: '= 1', eos: false }));
  });
});
