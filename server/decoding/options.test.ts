import { DecodingOptionsError } from './errors';
import { STRATEGIES } from '../vocabulary';
import { parseSolveOptions } from './options';

describe('parseSolveOptions', () => {
  it('fills defaults', () => {
    expect(parseSolveOptions({ strategy: 'specs' })).toMatchObject({ strategy: 'specs', n: 8, beamWidth: 4, seed: 0, maxTokensPerStep: 40 });
    expect(STRATEGIES).toContain('beam-target');
  });

  it.each([
    [{ strategy: 'nope' }, 'strategy'],
    [{ strategy: 'specs', tau: 1.5 }, 'tau'],
    [{ strategy: 'specs', n: 0 }, 'n'],
    [{ strategy: 'specs', n: 2.5 }, 'n'],
    [{ strategy: 'specs', lambda: -1 }, 'lambda'],
    [{ strategy: 'specs', topP: 0 }, 'topP'],
    [{ strategy: 'specs', temperature: 9 }, 'temperature'],
    [{ strategy: 'specs', firstStep: 'prm' }, 'firstStep'],
    [{ strategy: 'beam-target', answerSelection: 'majority' }, 'answerSelection'],
    [{ strategy: 'beam-target', prmAggregation: 'mean' }, 'prmAggregation'],
    [{ strategy: 'beam-target', pruneRatio: 1 }, 'pruneRatio'],
    [{ strategy: 'beam-target', pruneRatio: -0.1 }, 'pruneRatio'],
    [{ strategy: 'beam-target', likelihoodWeight: -0.5 }, 'likelihoodWeight'],
    [{ strategy: 'beam-target', likelihoodWeight: 'high' }, 'likelihoodWeight'],
    [{ strategy: 'specs', bogus: 1 }, undefined],
  ])('rejects %j (field %s)', (input, field) => {
    try {
      parseSolveOptions(input);
      throw new Error('expected a validation error');
    } catch (e) {
      expect(e).toBeInstanceOf(DecodingOptionsError);
      expect((e as DecodingOptionsError).code).toBe('VALIDATION_FAILED');
      expect((e as DecodingOptionsError).field).toBe(field);
      if (field) expect((e as Error).message).toContain(`option "${field}"`);
    }
  });
});
