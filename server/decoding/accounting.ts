import type { ModelRole } from './types';

export interface ModelUsage {
  /** Prompt tokens run through the model (a prompt shared by forked rows counts once). */
  promptTokens: number;
  /** Every other token run through the model: generated, verified (scored) or caught up. */
  generatedTokens: number;
  tokens: number;
  /** Wall time inside session.run. */
  computeMs: number;
  calls: number;
}

export type Usage = Record<ModelRole, ModelUsage>;

export const emptyModelUsage = (): ModelUsage => ({ promptTokens: 0, generatedTokens: 0, tokens: 0, computeMs: 0, calls: 0 });
export const emptyUsage = (): Usage => ({ draft: emptyModelUsage(), target: emptyModelUsage(), prm: emptyModelUsage() });

export function recordCall(usage: ModelUsage, promptTokens: number, generatedTokens: number, ms: number): void {
  usage.promptTokens += promptTokens;
  usage.generatedTokens += generatedTokens;
  usage.tokens += promptTokens + generatedTokens;
  usage.computeMs += ms;
  usage.calls += 1;
}
