import type { ReportData } from './report-types';

export type Action = 'ship' | 'hold' | 'rollback';

export interface Recommendation {
  action: Action;
  /** One sentence: the gate's own summary (gate-explain.ts), or what the rollout already did. */
  headline: string;
  reasons: string[];
}

/**
 * Ship, hold or roll back, taken from the gate function the evaluator runs (the report
 * never re-tests the data another way): a finished rollout shipped, a rolled-back one
 * stays rolled back; otherwise the gate's verdict on the current stage decides, advance
 * meaning "ship: every guardrail passes".
 */
export function recommend(data: Pick<ReportData, 'gate' | 'rollout'>): Recommendation {
  const { gate } = data;
  const guardrails = gate.checks.filter((c) => c.kind === 'guardrail').map((c) => `${c.status.toUpperCase()} · ${c.message}`);
  const status = data.rollout?.status;
  if (status === 'rolled_back') {
    const last = [...(data.rollout?.decisions ?? [])].reverse().find((d) => d.verdict === 'rollback' || d.verdict === 'manual-rollback');
    const why = last?.reasons.map((r) => r.message).join('; ');
    return { action: 'rollback', headline: `Rolled back${last ? ` by ${last.actor}` : ''}${why ? `: ${why}` : ''}.`, reasons: guardrails };
  }
  if (status === 'completed') return { action: 'ship', headline: 'Shipped: SPECS serves all traffic; the gate passed every stage.', reasons: guardrails };
  const action: Action = gate.verdict === 'advance' ? 'ship' : gate.verdict;
  return { action, headline: gate.summary, reasons: [...gate.reasons.map((r) => r.message), ...guardrails] };
}
