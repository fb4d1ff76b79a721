import { runAaSimulation } from './aa-simulation';
import { createRng } from '../../task/rng';

describe('A/A simulation', () => {
  const run = () => runAaSimulation({ rng: createRng(7), runs: 300, peeks: 20, batchSize: 50 });

  it('is reproducible for a seed', () => {
    expect(run().falsePositiveRate).toEqual(run().falsePositiveRate);
  });

  it('peeking inflates the fixed-horizon error while the sequential test stays below alpha', () => {
    const f = run().falsePositiveRate;
    expect(f.fixedPeeking.rate).toBeGreaterThan(f.fixedOnce.rate);
    expect(f.fixedPeeking.rate).toBeGreaterThan(0.1);
    expect(f.sequentialPeeking.rate).toBeLessThanOrEqual(0.05);
  });
});
