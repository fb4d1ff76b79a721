// The rollout's story and its audit trail. The decision log holds one row per change of the
// gate's verdict (the service writes only those), every manual rollout action, and every
// change of the SPECS share from any source (PUT share included, from the audit log, with
// who made it). The audit log shows who changed what, with before and after.
import { h, replace, $ } from './dom.js';
import { fmt, isNum, stageLabel } from './format.js';
import { reasonItems } from './rollout-view.js';

const TRAFFIC_ACTIONS = new Set(['create', 'set-share', 'pause', 'resume', 'stop']);

/** The share_history row an audit entry wrote (same analysis stage and share), for its reason. */
function reasonFor(entry, shareHistory) {
  const a = entry.after ?? {};
  const row = (shareHistory ?? []).find((x) => x.stage === a.stage && x.specsShare === a.specsShare && (entry.action !== 'set-share' || !['pause', 'resume'].includes(x.reason)));
  return row?.reason ?? null;
}

export function logRows(rollout, audit) {
  const plan = rollout?.plan ?? rollout?.defaultPlan;
  const n = plan?.stages?.length ?? 0;
  const decisions = (rollout?.decisions ?? []).map((d) => ({
    at: d.at,
    kind: 'decision',
    stage: n && plan.stages[d.stage] ? stageLabel(d.stage, n, plan.stages[d.stage].share) : `stage ${d.stage + 1}`,
    event: d.verdict,
    actor: d.actor,
    details: reasonItems(d.reasons),
  }));
  const shares = (audit ?? []).filter((e) => TRAFFIC_ACTIONS.has(e.action)).map((e) => {
    const before = e.before?.specsShare, after = e.after?.specsShare;
    const reason = reasonFor(e, rollout?.shareHistory);
    const change = isNum(before) && before !== after ? `share ${fmt.share(before)} → ${fmt.share(after)}` : `share ${fmt.share(after)}`;
    return {
      at: e.at,
      kind: 'share',
      stage: isNum(e.after?.stage) ? `analysis stage ${e.after.stage}` : '–',
      event: e.action === 'set-share' ? change : `${e.action} (${change})`,
      actor: e.actor,
      details: reason ? [h('li', { 'data-code': 'SHARE' }, h('span', { class: 'metric-chip' }, 'reason'), ' ', reason)] : [],
    };
  });
  return [...decisions, ...shares].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.kind === 'decision' ? -1 : 1));
}

export function renderDecisionLog(rollout, audit) {
  const rows = logRows(rollout, audit);
  replace($('decision-body'), rows.length ? rows.map((r) => h('tr', { 'data-kind': r.kind },
    h('td', { class: 'nowrap' }, fmt.timeSec(r.at)), h('td', {}, r.stage),
    h('td', {}, h('span', { class: `verdict ${r.kind === 'decision' ? r.event : 'share'}` }, r.event)),
    h('td', {}, r.actor), h('td', {}, h('ul', { class: 'reasons' }, r.details))))
    : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No decisions yet.')));
}

const SHOWN = ['status', 'specsShare', 'stage', 'bucketVersion', 'name', 'variants'];
const show = (k, v) => (v === undefined ? '–' : k === 'specsShare' && isNum(v) ? fmt.share(v) : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Before and after, each as "field value; …" over the fields that changed (all shown ones for a create). */
export function auditColumns(before, after) {
  const keys = SHOWN.filter((k) => (before ? JSON.stringify(before[k]) !== JSON.stringify(after?.[k]) : after?.[k] !== undefined));
  const side = (o) => (o ? keys.map((k) => `${k} ${show(k, o[k])}`).join('; ') || 'no change' : '–');
  return { before: side(before), after: side(after) };
}

export function renderAudit(audit) {
  const rows = audit ?? [];
  replace($('audit-body'), rows.length ? rows.map((e) => {
    const c = auditColumns(e.before, e.after);
    return h('tr', { 'data-action': e.action },
      h('td', { class: 'nowrap' }, fmt.timeSec(e.at)), h('td', {}, e.actor), h('td', {}, e.action),
      h('td', { class: 'diff' }, c.before), h('td', { class: 'diff' }, c.after));
  }) : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No changes recorded.')));
}
