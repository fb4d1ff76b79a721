/**
 * What the gate thinks, in one sentence a person can act on ("Holding: SPECS needs 1,340
 * more graded answers and 23 more minutes at 1 %; nothing is breached"). Pure; the console,
 * the report and the decision log all use it, so they never word the same verdict twice.
 */
import { GUARDRAIL_LABELS, type GateCheck, type GateDecision } from './gate-decision';

const int = (x: number) => Math.ceil(x).toLocaleString('en-US');
/** "1 more second", "3 more seconds": counts rounded up, never below one. */
const plural = (x: number, word: string) => `${int(Math.max(1, x))} ${word}${Math.max(1, Math.ceil(x)) === 1 ? '' : 's'}`;
export const shareText = (s: number): string => `${+(100 * s).toFixed(2)} %`;
const share = shareText;

function remaining(checks: readonly GateCheck[]): string[] {
  const out: string[] = [];
  const samples = checks.find((c) => c.name === 'samples');
  if (samples && samples.status !== 'pass') {
    const need = Number(samples.values.minGradedPerArm ?? 0);
    const have = Math.min(Number(samples.values.controlGraded ?? 0), Number(samples.values.treatmentGraded ?? 0));
    const who = Number(samples.values.treatmentGraded ?? 0) <= Number(samples.values.controlGraded ?? 0) ? 'SPECS' : 'the baseline';
    out.push(`${who} needs ${plural(need - have, 'more graded answer')}`);
  }
  const duration = checks.find((c) => c.name === 'duration');
  if (duration && duration.status !== 'pass') {
    const left = Number(duration.values.minDurationMs ?? 0) - Number(duration.values.durationMs ?? 0);
    out.push(`${left >= 60_000 ? plural(left / 60_000, 'more minute') : plural(left / 1000, 'more second')} of the stage must pass`);
  }
  return out;
}

export function explainDecision(d: GateDecision, context: { share: number }): string {
  const at = `at ${share(context.share)}`;
  const label = (name: string) => GUARDRAIL_LABELS[name] ?? name;
  if (d.verdict === 'rollback') {
    const breached = d.checks.filter((c) => c.kind === 'guardrail' && c.status === 'fail');
    return `Rolling back: ${breached.map((c) => c.message).join('; ')}.`;
  }
  if (d.verdict === 'advance') return `Advancing from ${share(context.share)}: every guardrail passes, the stage's minimums are met${d.checks.some((c) => c.kind === 'success') ? ' and the success criteria hold' : ''}.`;
  const codes = new Set(d.reasons.map((r) => r.code));
  if (codes.has('NO_TRAFFIC')) return `Holding: no requests have reached the stage ${at} yet.`;
  if (codes.has('SRM')) return `Holding and alerting: the traffic split is broken (${d.checks.find((c) => c.name === 'srm')?.message}); no metric can be trusted until it is fixed.`;
  const parts = remaining(d.checks);
  const open = d.checks.filter((c) => c.kind === 'guardrail' && c.status === 'pending').map((c) => label(c.name));
  const unmet = d.reasons.filter((r) => r.code === 'SUCCESS_NOT_MET').map((r) => r.metric ?? '');
  if (parts.length === 0 && open.length > 0) parts.push(`${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} not yet conclusive`);
  if (unmet.length > 0) parts.push(`no confident reduction yet in ${unmet.join(', ')}`);
  if (codes.has('AWAITING_APPROVAL')) parts.push('the stage awaits approval');
  return `Holding: ${parts.join(' and ') || 'the evidence is not conclusive yet'} ${at}; nothing is breached.`;
}
