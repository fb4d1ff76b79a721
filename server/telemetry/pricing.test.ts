import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { computeCostUsd, createPriceTable, ModelManifestError, USD_PER_1M_TOKENS_PER_MFLOP } from './pricing';

function modelsDir(manifest: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'models-'));
  if (manifest !== undefined) fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const manifest = { models: { draft: { flopsPerToken: 200_000 }, target: { flopsPerToken: 3_000_000 }, prm: { flopsPerToken: 1_000_000 } } };

describe('pricing', () => {
  it('defaults to prices proportional to FLOPs per token', () => {
    const t = createPriceTable({ modelsDir: modelsDir(manifest) });
    expect(t.draft).toBeCloseTo(0.2 * USD_PER_1M_TOKENS_PER_MFLOP, 12);
    expect(t.target).toBeCloseTo(3 * USD_PER_1M_TOKENS_PER_MFLOP, 12);
    expect(t.target / t.draft).toBeCloseTo(15, 9);
  });

  it('lets config prices override, without reading the manifest when all are given', () => {
    expect(createPriceTable({ modelsDir: modelsDir(undefined), prices: { draft: 1, target: 2, prm: 3 } })).toEqual({ draft: 1, target: 2, prm: 3 });
    expect(createPriceTable({ modelsDir: modelsDir(manifest), prices: { target: 9 } }).target).toBe(9);
  });

  it.each([
    [undefined, /manifest\.json is missing/],
    [{ models: { draft: { flopsPerToken: 1 } } }, /models\.target\.flopsPerToken/],
  ])('names the manifest when it cannot price (%#)', (m, msg) => {
    expect(() => createPriceTable({ modelsDir: modelsDir(m) })).toThrow(ModelManifestError);
    expect(() => createPriceTable({ modelsDir: modelsDir(m) })).toThrow(msg);
  });

  it('computes cost in USD from tokens', () => {
    expect(computeCostUsd({ draft: 1, target: 10, prm: 100 }, { draftTokens: 1e6, targetTokens: 2e6, prmTokens: 0 })).toBe(21);
  });
});
