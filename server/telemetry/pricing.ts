import { MODEL_ROLES, type ModelRole } from '../vocabulary';
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/config';

/**
 * Default price, in USD per 1M tokens, for each MFLOP per token of forward pass: a model's cost
 * is proportional to its compute. 0.10 USD/1M tokens per MFLOP/token puts the 2.56 MFLOP target at
 * ≈0.26 USD/1M tokens and the 0.23 MFLOP draft at ≈0.023 (an 11:1 price ratio, its FLOPs ratio).
 */
export const USD_PER_1M_TOKENS_PER_MFLOP = 0.1;


/** USD per 1M tokens, per model role. */
export type PriceTable = Readonly<Record<ModelRole, number>>;

export class ModelManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelManifestError';
  }
}

/** `models.{draft,target,prm}.flopsPerToken` from `<modelsDir>/manifest.json`. */
export function readModelFlops(modelsDir: string): Record<ModelRole, number> {
  const file = path.join(modelsDir, 'manifest.json');
  let manifest: { models?: Record<string, { flopsPerToken?: unknown }> };
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read: ${(err as Error).message}`;
    throw new ModelManifestError(
      `model manifest ${file} ${why}; it is needed for default prices (set PRICE_DRAFT_USD_PER_1M, PRICE_TARGET_USD_PER_1M and PRICE_PRM_USD_PER_1M, or run npm run models:train)`,
    );
  }
  const out = {} as Record<ModelRole, number>;
  for (const role of MODEL_ROLES) {
    const flops = manifest.models?.[role]?.flopsPerToken;
    if (typeof flops !== 'number' || !(flops > 0)) {
      throw new ModelManifestError(`model manifest ${file}: models.${role}.flopsPerToken is missing or not a positive number`);
    }
    out[role] = flops;
  }
  return out;
}

/**
 * Price table: config.prices where set, else proportional to FLOPs per token. The manifest is
 * read only when some price is missing.
 */
export function createPriceTable(options: { modelsDir: string; prices?: AppConfig['prices'] }): PriceTable {
  const given = options.prices ?? {};
  const missing = MODEL_ROLES.some((r) => given[r] === undefined);
  const flops = missing ? readModelFlops(options.modelsDir) : undefined;
  const table = {} as Record<ModelRole, number>;
  for (const role of MODEL_ROLES) {
    table[role] = given[role] ?? (flops![role] / 1e6) * USD_PER_1M_TOKENS_PER_MFLOP;
  }
  return Object.freeze(table);
}

export function computeCostUsd(prices: PriceTable, tokens: { draftTokens: number; targetTokens: number; prmTokens: number }): number {
  return (tokens.draftTokens * prices.draft + tokens.targetTokens * prices.target + tokens.prmTokens * prices.prm) / 1e6;
}
