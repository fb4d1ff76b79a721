import type { Comparison } from '../analysis/kpi-service';
import { DEFAULT_GUARDRAILS, type Guardrails, type ReportData, type ReportDecision } from './report-types';

export type Action = 'ship' | 'hold' | 'rollback';

export interface Recommendation {
  action: Action;
  /** One sentence, e.g. "Ship: SPECS cuts mean latency by 31% [25%, 37%] with accuracy non-inferior (…)". */
  headline: string;
  reasons: string[];
}

const GATE_VERDICTS = new Set(['advance', 'hold', 'rollback']);
const pct = (x: number) => `${Math.abs(x * 100).toFixed(0)}%`;
const signedPct = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x * 100).toFixed(0)}%`;
const pts = (x: number) => `${x < 0 ? '−' : x > 0 ? '+' : '±'}${Math.abs(x * 100).toFixed(1)} pts`;
const ciPct = (c: Comparison) => `[${(c.ci[0] * 100).toFixed(0)}%, ${(c.ci[1] * 100).toFixed(0)}%]`;
/** A reduction's CI as magnitudes: a cut of 31% [25%, 37%]. */
const ciCut = (ci: [number, number]) => `[${Math.abs(ci[1] * 100).toFixed(0)}%, ${Math.abs(ci[0] * 100).toFixed(0)}%]`;

/** The latest automatic gate verdict, and the latest decision of any kind. */
export function latestDecisions(decisions: readonly ReportDecision[]): { gate?: ReportDecision; last?: ReportDecision } {
  const sorted = [...decisions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { gate: [...sorted].reverse().find((d) => GATE_VERDICTS.has(d.verdict)), last: sorted[sorted.length - 1] };
}

const usable = (c: Comparison | undefined): c is Comparison => Boolean(c && !c.insufficient);
const better = (c: Comparison) => (c.betterIs === 'lower' ? c.effect < 0 : c.effect > 0);

/** `x` as a fraction of the baseline: relative effects as they are, absolute ones divided by the baseline value. */
function relative(c: Comparison): { effect: number; ci: [number, number] } | null {
  if (c.difference === 'relative') return { effect: c.effect, ci: c.ci };
  if (!c.baseline) return null;
  return { effect: c.effect / c.baseline, ci: [c.ci[0] / c.baseline, c.ci[1] / c.baseline] };
}

/**
 * Ship, hold or roll back, in plain words. Precedence mirrors the gate: a broken
 * split means nothing can be trusted (hold); a rolled-back rollout, a rollback
 * verdict or a guardrail breached with confidence means roll back; a ship needs
 * accuracy non-inferior at the plan's margin, a significant latency or cost gain,
 * no significant loss, and no open gate hold.
 */
export function recommend(data: Pick<ReportData, 'results' | 'rollout'>): Recommendation {
  const g: Guardrails = { ...DEFAULT_GUARDRAILS, ...(data.rollout?.guardrails ?? {}) };
  const margin = g.accuracyNonInferiorityPts / 100;
  const by = new Map(data.results.comparisons.map((c) => [c.metric, c]));
  const acc = by.get('accuracy');
  const mean = by.get('latencyMean');
  const p95 = by.get('latencyP95');
  const cost = by.get('costPerRequest');
  const { gate, last } = latestDecisions(data.rollout?.decisions ?? []);
  const reasons: string[] = [];

  if (data.results.srm.flagged) {
    const o = data.results.srm.observed;
    return {
      action: 'hold',
      headline: `Hold: the traffic split is broken (SRM p = ${data.results.srm.pValue.toExponential(1)}), so no metric can be trusted yet.`,
      reasons: [`Observed ${o.baseline} baseline vs ${o.specs} SPECS requests against an expected SPECS share of ${data.results.srm.expectedShare === null ? '–' : pct(data.results.srm.expectedShare)}; fix assignment before reading results.`],
    };
  }

  // Guardrail breaches, with confidence (the whole CI beyond the limit).
  const breaches: string[] = [];
  if (usable(acc) && acc.ci[1] < -margin) breaches.push(`accuracy is down ${pts(acc.effect)} (CI upper bound ${pts(acc.ci[1])}), beyond the ${g.accuracyNonInferiorityPts} pts margin`);
  const p95Rel = usable(p95) ? relative(p95) : null;
  if (p95Rel && p95Rel.ci[0] > g.p95LatencyMaxIncreasePct / 100) breaches.push(`p95 latency is up ${pct(p95Rel.effect)} ${ciPct({ ...p95!, ci: p95Rel.ci })}, above the ${g.p95LatencyMaxIncreasePct}% limit`);
  const costRel = usable(cost) ? relative(cost) : null;
  if (costRel && costRel.ci[0] > g.costMaxIncreasePct / 100) breaches.push(`cost per request is up ${pct(costRel.effect)} ${ciPct({ ...cost!, ci: costRel.ci })}, above the ${g.costMaxIncreasePct}% limit`);

  const rolledBack = data.rollout?.status === 'rolled_back' || last?.verdict === 'manual-rollback' || gate?.verdict === 'rollback';
  if (rolledBack || breaches.length) {
    if (gate?.verdict === 'rollback') reasons.push(...gate.reasons.map((r) => `Gate: ${r.message}`));
    if (data.rollout?.status === 'rolled_back' || last?.verdict === 'manual-rollback') reasons.push(`The rollout was rolled back${last ? ` by ${last.actor}` : ''}.`);
    reasons.push(...breaches.map((b) => `Guardrail: ${b}.`));
    const why = breaches[0] ?? gate?.reasons[0]?.message ?? 'the rollout was rolled back';
    return { action: 'rollback', headline: `Roll back: ${why}.`, reasons };
  }

  // Ship conditions.
  const accOk = usable(acc) && acc.ci[0] > -margin;
  const meanRel = usable(mean) ? relative(mean) : null;
  const gains: string[] = [];
  if (usable(mean) && mean.significant && better(mean) && meanRel) gains.push(`cuts mean latency by ${pct(meanRel.effect)} ${ciCut(meanRel.ci)}`);
  if (usable(cost) && cost.significant && better(cost) && costRel) gains.push(`cuts cost per request by ${pct(costRel.effect)} ${ciCut(costRel.ci)}`);
  const losses = [mean, p95, cost].filter((c): c is Comparison => usable(c) && c.significant && !better(c));
  const gateHolds = gate?.verdict === 'hold';

  if (accOk && gains.length && !losses.length && !gateHolds) {
    const costNote = costRel && !gains.some((x) => x.includes('cost')) ? ` and cost ${signedPct(costRel.effect)}` : '';
    const headline = `Ship: SPECS ${gains.join(' and ')} with accuracy non-inferior (${pts(acc!.effect)}, margin ${g.accuracyNonInferiorityPts} pts)${costNote}.`;
    reasons.push(`Accuracy difference ${pts(acc!.effect)} [${pts(acc!.ci[0])}, ${pts(acc!.ci[1])}]: the lower bound clears −${g.accuracyNonInferiorityPts} pts.`);
    if (gate) reasons.push(`Latest gate verdict: ${gate.verdict} (stage ${gate.stage}).`);
    else reasons.push('No gate verdict yet: the recommendation rests on the comparisons alone.');
    return { action: 'ship', headline, reasons };
  }

  if (gateHolds) reasons.push(...gate!.reasons.map((r) => `Gate: ${r.message}`));
  if (!usable(acc)) reasons.push('Accuracy cannot be compared yet (too few graded requests).');
  else if (!accOk) reasons.push(`Accuracy non-inferiority not shown yet: ${pts(acc.effect)} with lower bound ${pts(acc.ci[0])} against a margin of −${g.accuracyNonInferiorityPts} pts.`);
  if (!gains.length) reasons.push('No significant gain in mean latency or cost per request yet.');
  for (const c of losses) reasons.push(`${c.metric} is significantly worse (${c.difference === 'relative' ? signedPct(c.effect) : c.effect.toPrecision(3)}).`);
  return { action: 'hold', headline: `Hold: ${reasons[0]?.replace(/^Gate: /, '').replace(/\.$/, '') ?? 'the evidence is not conclusive yet'}.`, reasons };
}
