import type { ModelUsage } from '../vocabulary';

export function recordCall(usage: ModelUsage, promptTokens: number, generatedTokens: number, ms: number): void {
  usage.promptTokens += promptTokens;
  usage.generatedTokens += generatedTokens;
  usage.tokens += promptTokens + generatedTokens;
  usage.computeMs += ms;
  usage.calls += 1;
}
