/** How the quickstart prints the gate's decisions and the serving banner (pure: strings in, strings out). */
import type { AppConfig } from '../../server/config';
import { shareText as pct, stageLabel } from '../../server/rollout/rollout-assessment';
import type { DecisionJson, RolloutView } from '../../server/rollout/rollout-service';

const clock = (iso: string) => new Date(iso).toISOString().slice(11, 19);

const messages = (d: DecisionJson): string =>
  Array.isArray(d.reasons) ? (d.reasons as { message?: string }[]).map((r) => r.message).filter(Boolean).join('; ') : '';

/** One line per decision-log entry, as a person reads the rollout: what happened, at which stage, why. */
export function decisionLine(d: DecisionJson, view: Pick<RolloutView, 'plan' | 'stageCount'>): string {
  const stages = view.plan?.stages ?? [];
  const count = view.stageCount ?? stages.length;
  // Worded as the console and the API word it.
  const at = (i: number) => (stages[i] ? stageLabel(i, count, stages[i]!.share) : `stage ${i + 1} of ${count}`);
  const summary = typeof (d.metrics as { summary?: unknown } | null)?.summary === 'string' ? String((d.metrics as { summary: string }).summary) : '';
  const by = d.actor.startsWith('rollout-gate') ? 'gate' : d.actor;
  const text = ((): string => {
    switch (d.verdict) {
      case 'start':
        return `START     ${at(0)}, by ${by}`;
      case 'hold':
        return `HOLD      ${at(d.stage)}: ${summary || messages(d)}`;
      case 'advance':
        return `ADVANCE   ${at(d.stage)} → ${d.stage + 1 >= count - 1 ? `${at(d.stage + 1)}: SHIPPED` : at(d.stage + 1)}. ${summary}`.trim();
      case 'rollback':
        return `ROLLBACK  ${at(d.stage)} → 0 % SPECS: ${summary || messages(d)}`;
      case 'manual-rollback':
        return `ROLLBACK  ${at(d.stage)} → 0 % SPECS, by ${by}: ${messages(d)}`;
      case 'manual-advance':
        return `ADVANCE   ${at(d.stage)} → next stage, by ${by} (override)`;
      default:
        return `${d.verdict.toUpperCase().padEnd(9)} ${at(d.stage)}, by ${by}${messages(d) ? `: ${messages(d)}` : ''}`;
    }
  })();
  return `  ${clock(d.at)}  ${text}`;
}

/** Decisions made at or after `since`, oldest first, that are not in `seen` (which is updated). */
export function newDecisions(view: Pick<RolloutView, 'decisions'>, since: number, seen: Set<string>): DecisionJson[] {
  const fresh = view.decisions.filter((d) => !seen.has(d.id) && Date.parse(d.at) >= since && d.verdict !== 'plan');
  for (const d of fresh) seen.add(d.id);
  return fresh.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** Where things are and which key opens them. Configured keys are named, not echoed. */
export function bannerLines(url: string, config: Pick<AppConfig, 'apiKeys'>, experiment: string | null): string[] {
  const dev = (k: string | undefined, name: string) => (k && k.startsWith('dev-') ? k : `your ${name}`);
  const admin = dev(config.apiKeys.admin, 'ADMIN_API_KEY');
  const service = dev(config.apiKeys.service, 'SERVICE_API_KEY');
  const body = JSON.stringify({ question: '12+7*3', reference: 33, ...(experiment ? { experiment } : {}) });
  return [
    '',
    `  Console   ${url}/      paste the admin key ${admin} into its "API key" field and press Connect`,
    `  API       POST ${url}/v1/solve   (Authorization: Bearer ${service})`,
    `  Metrics   ${url}/metrics         GrowthBook payload ${url}/api/features`,
    `  Try       curl -s -H 'Authorization: Bearer ${service}' -H 'content-type: application/json' -d '${body}' ${url}/v1/solve`,
    '',
  ];
}

/** The rollout's state in a few words, for the progress line and the closing message. */
export function rolloutState(view: Pick<RolloutView, 'status' | 'currentStage' | 'stageCount' | 'currentShare' | 'experimentStatus'>): string {
  if (view.experimentStatus !== 'running') return `experiment ${view.experimentStatus}`;
  switch (view.status) {
    case 'completed':
      return 'shipped: SPECS serves 100 %';
    case 'rolled_back':
      return 'rolled back: SPECS serves 0 %';
    case 'none':
      return `no rollout, ${pct(view.currentShare)} SPECS`;
    default:
      return `${view.status} at ${stageLabel(view.currentStage!, view.stageCount!, view.currentShare)}`;
  }
}
