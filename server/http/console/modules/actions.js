// Which rollout actions make sense now, how each is labelled, and what its confirmation says.
// Every action that can change traffic asks first; overriding the gate says so and is never
// the primary button; roll back is offered whenever SPECS has traffic (the API agrees).
import { fmt, stageLabel } from './format.js';

/**
 * @returns {{action: string, label: string, kind: 'primary'|'normal'|'override'|'danger', enabled: boolean,
 *   confirm: null | {title: string, text: string, ok: string}}[]}
 */
export function actionPlan({ exp, rollout, assessment }) {
  const status = rollout?.status ?? 'none';
  const plan = rollout?.plan ?? rollout?.defaultPlan;
  const stages = plan?.stages ?? [];
  const share = rollout?.currentShare ?? exp?.specsShare ?? 0;
  const cur = rollout?.currentStage ?? 0;
  const stopped = exp?.status === 'stopped' || exp?.status === 'completed';
  const running = status === 'running';
  const active = running || status === 'paused';
  const gateSays = assessment?.headline ?? '';
  const out = [];

  const first = stages[0];
  out.push({
    action: 'start',
    label: status === 'rolled_back' || status === 'completed' ? 'Restart rollout' : 'Start rollout',
    kind: status === 'none' || status === 'pending' ? 'primary' : 'normal',
    enabled: !stopped && ['none', 'pending', 'rolled_back', 'completed'].includes(status) && !!first,
    confirm: first && {
      title: 'Start the rollout?',
      text: `SPECS share goes from ${fmt.share(share)} to ${fmt.share(first.share)} (${stageLabel(0, stages.length, first.share)}). A new analysis stage begins; the gate then advances or rolls back on its own.`,
      ok: 'Start',
    },
  });

  const awaiting = active && stages[cur]?.requiresApproval && rollout?.approvedStage !== cur;
  out.push({
    action: 'approve',
    label: `Approve ${stages[cur] ? stageLabel(cur, stages.length, stages[cur].share) : 'stage'}`,
    kind: awaiting ? 'primary' : 'normal',
    enabled: !!awaiting,
    confirm: { title: 'Approve this stage?', text: 'Approval lets the gate advance once every other check passes; it changes no traffic by itself.', ok: 'Approve' },
  });

  const next = stages[cur + 1];
  const override = assessment?.verdict !== 'advance';
  out.push({
    action: 'advance',
    label: next ? `${override ? 'Override: advance' : 'Advance'} to ${stageLabel(cur + 1, stages.length, next.share)}` : 'Advance',
    kind: override ? 'override' : 'normal',
    enabled: active && !!next,
    confirm: next && {
      title: override ? 'Override the gate and advance?' : 'Advance now?',
      text: `${override ? `This overrides the gate, which says: “${gateSays}” ` : ''}SPECS share goes from ${fmt.share(share)} to ${fmt.share(next.share)}.`,
      ok: override ? 'Override and advance' : 'Advance',
    },
  });

  out.push({ action: 'pause', label: 'Pause gate', kind: 'normal', enabled: running, confirm: null });
  out.push({ action: 'resume', label: 'Resume gate', kind: 'normal', enabled: status === 'paused', confirm: null });
  out.push({
    action: 'evaluate',
    label: 'Evaluate now',
    kind: 'normal',
    enabled: running,
    confirm: { title: 'Run the gate now?', text: `The gate acts on its verdict: it may advance or roll back. It would say: “${gateSays}”`, ok: 'Evaluate' },
  });
  out.push({
    action: 'rollback',
    label: 'Roll back',
    kind: 'danger',
    enabled: !stopped && share > 0,
    confirm: { title: 'Roll back SPECS?', text: `SPECS share goes from ${fmt.share(share)} to 0 %; all traffic returns to the baseline${active || status === 'completed' ? ' and the rollout stops' : ''}.`, ok: 'Roll back' },
  });
  return out;
}
