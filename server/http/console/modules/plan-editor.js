// The plan as a table people can edit (shares, minimum durations and samples, approvals,
// guardrail limits), and the preview of what it will do at the observed traffic.
import { h, replace } from './dom.js';
import { fmt, isNum } from './format.js';

// Durations as people write them (Argo Rollouts' pause durations): 30s, 20m, 1h30m, 2d; a bare number is seconds.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1h30m" → 5400000; NaN when it is not a duration. */
export function parseDuration(text) {
  const t = String(text ?? '').trim().toLowerCase().replace(/\s+/g, '');
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|min|s|m|h|d)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== t) return NaN;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0));
}

/** 5400000 → "1h30m", 20000 → "20s": the shortest exact form. */
export function formatDuration(ms) {
  if (!(ms > 0)) return '0s';
  const out = [];
  let rest = Math.round(ms);
  for (const [u, size] of [['d', UNIT_MS.d], ['h', UNIT_MS.h], ['m', UNIT_MS.m], ['s', UNIT_MS.s], ['ms', 1]]) {
    const k = Math.floor(rest / size);
    if (k > 0) out.push(`${k}${u}`);
    rest -= k * size;
  }
  return out.join('');
}

const input = (name, value, attrs = {}) => h('input', { type: 'number', name, value: value ?? '', step: 'any', class: 'num-input', ...attrs });

/** The last stage is the ship (100 %, no gate): shown, never edited or removed. */
const shipRow = (i) => h('tr', { 'data-stage-row': i, 'data-ship': '' },
  h('td', {}, `Stage ${i + 1}`), h('td', {}, '100 % · ship'), h('td', { class: 'muted', colspan: 4 }, 'reaching it completes the rollout; no gate'));

function stageRow(st, i, editable) {
  const dis = editable ? undefined : true;
  return h('tr', { 'data-stage-row': i },
    h('td', {}, `Stage ${i + 1}`),
    h('td', {}, input('share', +(st.share * 100).toFixed(4), { min: 0, max: 100, disabled: dis, 'aria-label': `stage ${i + 1} share in percent` }), ' %'),
    h('td', {}, input('duration', formatDuration(st.minDurationMs), { type: 'text', class: 'num-input', disabled: dis, placeholder: '1h', 'aria-label': `stage ${i + 1} minimum duration` })),
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
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'SPECS share'), h('th', {}, 'Min. duration (30s, 20m, 1h)'), h('th', {}, 'Min. graded / arm'), h('th', {}, 'Approval'), h('th', {}, ''))),
      h('tbody', {}, stages)),
    editable ? h('button', { type: 'button', class: 'btn small', 'data-add-stage': '' }, '+ stage') : null,
    h('div', { class: 'guards' }, guards));
  el.dataset.success = JSON.stringify(plan.success ?? { metrics: [], require: 'all' });
}

const num = (el, name) => Number(el.querySelector(`[name="${name}"]`)?.value);

function durationOf(row, i) {
  const text = row.querySelector('[name="duration"]').value;
  const ms = parseDuration(text);
  if (Number.isNaN(ms)) throw new Error(`stage ${i + 1}: minimum duration "${text}" is not a duration like 30s, 20m, 1h30m or 2d`);
  return ms;
}

/** The plan body the form describes (the API validates the rest and names a bad field). */
export function readPlan(el) {
  const stages = [...el.querySelectorAll('[data-stage-row]')].map((row, i) => (row.hasAttribute('data-ship') ? { share: 1, minDurationMs: 0, minGradedPerArm: 0, requiresApproval: false } : {
    share: Math.round(num(row, 'share') * 1e4) / 1e6,
    minDurationMs: durationOf(row, i),
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
