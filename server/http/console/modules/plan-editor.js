// The plan as a table people can edit (shares, minimum durations and samples, approvals,
// guardrail limits), and the preview of what it will do at the observed traffic.
import { h, replace } from './dom.js';
import { fmt, isNum } from './format.js';

const input = (name, value, attrs = {}) => h('input', { type: 'number', name, value: value ?? '', step: 'any', class: 'num-input', ...attrs });

/** The last stage is the ship (100 %, no gate): shown, never edited or removed. */
const shipRow = (i) => h('tr', { 'data-stage-row': i, 'data-ship': '' },
  h('td', {}, `Stage ${i + 1}`), h('td', {}, '100 % · ship'), h('td', { class: 'muted', colspan: 4 }, 'reaching it completes the rollout; no gate'));

function stageRow(st, i, editable) {
  const dis = editable ? undefined : true;
  return h('tr', { 'data-stage-row': i },
    h('td', {}, `Stage ${i + 1}`),
    h('td', {}, input('share', +(st.share * 100).toFixed(4), { min: 0, max: 100, disabled: dis, 'aria-label': `stage ${i + 1} share in percent` }), ' %'),
    h('td', {}, input('minutes', +(st.minDurationMs / 60000).toFixed(3), { min: 0, disabled: dis, 'aria-label': `stage ${i + 1} minimum minutes` }), ' min'),
    h('td', {}, input('graded', st.minGradedPerArm, { min: 0, step: 1, disabled: dis, 'aria-label': `stage ${i + 1} minimum graded per arm` })),
    h('td', {}, h('input', { type: 'checkbox', name: 'approval', checked: st.requiresApproval || undefined, disabled: dis, 'aria-label': `stage ${i + 1} requires approval` })),
    h('td', {}, editable ? h('button', { type: 'button', class: 'btn ghost small', 'data-remove-stage': i, title: 'Remove stage' }, '×') : null));
}

const GUARDRAILS = [
  ['accuracyNonInferiorityPts', 'Accuracy: at most … pts below baseline', 'pts'],
  ['errorRateMaxIncreasePts', 'Error rate: at most … pts above', 'pts'],
  ['p95LatencyMaxIncreasePct', 'p95 latency: at most … % above', '%'],
  ['costMaxIncreasePct', 'Cost per request: at most … % above', '%'],
  ['alpha', 'α (error level of every bound)', ''],
];

export function renderPlan(el, plan, { editable }) {
  const last = plan.stages.length - 1;
  const stages = plan.stages.map((st, i) => (i === last ? shipRow(i) : stageRow(st, i, editable)));
  const guards = GUARDRAILS.map(([k, label, unit]) => h('label', { class: 'guard' }, h('span', {}, label),
    input(k, plan.guardrails[k], { min: 0, disabled: editable ? undefined : true, 'data-guardrail': k }), h('span', { class: 'unit' }, unit)));
  replace(el,
    h('table', { class: 'table plan-table' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'SPECS share'), h('th', {}, 'Min. duration'), h('th', {}, 'Min. graded / arm'), h('th', {}, 'Approval'), h('th', {}, ''))),
      h('tbody', {}, stages)),
    editable ? h('button', { type: 'button', class: 'btn small', 'data-add-stage': '' }, '+ stage') : null,
    h('div', { class: 'guards' }, guards));
  el.dataset.success = JSON.stringify(plan.success ?? { metrics: [], require: 'all' });
}

const num = (el, name) => Number(el.querySelector(`[name="${name}"]`)?.value);

/** The plan body the form describes (the API validates it and names a bad field). */
export function readPlan(el) {
  const stages = [...el.querySelectorAll('[data-stage-row]')].map((row) => (row.hasAttribute('data-ship') ? { share: 1, minDurationMs: 0, minGradedPerArm: 0, requiresApproval: false } : {
    share: Math.round(num(row, 'share') * 1e4) / 1e6,
    minDurationMs: Math.round(num(row, 'minutes') * 60000),
    minGradedPerArm: Math.round(num(row, 'graded')),
    requiresApproval: row.querySelector('[name="approval"]').checked,
  }));
  const guardrails = Object.fromEntries(GUARDRAILS.map(([k]) => [k, num(el, k)]));
  return { stages, guardrails, success: JSON.parse(el.dataset.success || '{"metrics":[],"require":"all"}') };
}

export function addStage(plan) {
  const last = plan.stages[plan.stages.length - 1];
  const before = plan.stages[plan.stages.length - 2];
  const share = before ? Math.min(0.99, (before.share + 1) / 2) : 0.5;
  return { ...plan, stages: [...plan.stages.slice(0, -1), { ...(before ?? last), share }, last] };
}

export const removeStage = (plan, i) => ({ ...plan, stages: plan.stages.filter((_, k) => k !== i) });

const chanceText = (c) => `${fmt.pct(c.probability, 0)} (${c.count} of ${c.runs} runs; 95 % CI ${fmt.pct(c.ci[0], 0)}–${fmt.pct(c.ci[1], 0)})`;

export function renderPreview(el, p) {
  if (!p) return replace(el);
  if (p.insufficient) return replace(el, h('p', { class: 'muted', 'data-testid': 'preview-insufficient' }, `Insufficient data: ${p.reason}`));
  const ship = p.hoursToShip;
  const t = p.traffic;
  replace(el,
    h('p', { class: 'preview-lead' }, `At ${fmt.int(t.ratePerMinute)} requests/min (${t.source === 'given' ? 'as given' : `observed over ${fmt.duration(t.windowMinutes * 60000)}`}), ${fmt.pct(t.gradedShare, 0)} graded:`),
    h('dl', { class: 'preview-grid' },
      h('dt', {}, 'Expected time to ship'),
      h('dd', { 'data-testid': 'preview-hours' }, isNum(ship.p50) ? `${fmt.hours(ship.p50)} (median; 90 % of shipping runs within ${fmt.hours(ship.p90)})` : `does not ship within ${fmt.hours(p.simulation.horizonHours)}`,
        h('div', { class: 'muted small' }, `SPECS as observed: ships ${chanceText(ship.shipped)}, rolls back ${fmt.pct(ship.rolledBack.probability, 0)}, still holding at the horizon ${fmt.pct(ship.stuck.probability, 0)}`)),
      h('dt', {}, 'Chance of a false rollback'),
      h('dd', { 'data-testid': 'preview-false-rollback' }, chanceText(p.falseRollback), h('div', { class: 'muted small' }, 'SPECS identical to the baseline (A/A)')),
      h('dt', {}, `Chance of shipping a ${p.regressionShipped.regressionPts}-pt accuracy regression`),
      h('dd', { 'data-testid': 'preview-regression' }, chanceText(p.regressionShipped))),
    h('p', { class: 'muted small' }, `Simulated through the gate's own decision function: ${p.simulation.runs} rollouts per case${p.simulation.runs < p.simulation.requestedRuns ? ` (of ${p.simulation.requestedRuns} asked; the time budget ran out)` : ''}, gate every ${p.simulation.evalIntervalMinutes} min (live: every ${+p.simulation.gateIntervalMinutes.toFixed(2)} min; fewer looks mean slightly fewer false alarms), horizon ${fmt.hours(p.simulation.horizonHours)}.`),
    p.assumptions.length ? h('ul', { class: 'muted small assumptions' }, p.assumptions.map((a) => h('li', {}, a))) : null);
}
