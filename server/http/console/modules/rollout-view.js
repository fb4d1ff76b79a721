// The rollout view: the plan's stages with the current one highlighted, what the gate thinks
// now in plain words, the current stage's progress, and every check with its threshold, its
// current interval and its status (the API's assessment, rollout-assessment.ts).
import { h, replace, $ } from './dom.js';
import { fmt, isNum, metricName } from './format.js';

/** The status pill from the real state: a rollout's outcome wins over the experiment's status. */
export function statusPill(exp, rollout) {
  const r = rollout?.status;
  if (exp?.status === 'stopped') return { text: 'stopped', cls: 'stopped' };
  if (r === 'rolled_back') return { text: 'rolled back', cls: 'rolled_back' };
  if (r === 'completed') return { text: 'shipped', cls: 'shipped' };
  if (r === 'paused' || exp?.status === 'paused') return { text: 'paused', cls: 'paused' };
  if (r === 'running') return { text: 'running', cls: 'running' };
  return { text: exp?.status ?? '–', cls: exp?.status ?? '' };
}

const VERDICT_WHEN_IDLE = { none: 'not started', pending: 'not started', completed: 'shipped', rolled_back: 'rolled back', paused: 'paused' };

function stageStrip(a) {
  return a.stages.map((st) => h('li', { class: `stage ${st.state}`, 'data-state': st.state, 'data-testid': `stage-${st.number}`, 'aria-current': st.state === 'current' ? 'step' : undefined },
    h('div', { class: 'stage-name' }, st.ship ? `Stage ${st.number} · ship` : `Stage ${st.number}`),
    h('div', { class: 'stage-share' }, fmt.share(st.share)),
    h('div', { class: 'stage-req muted' }, st.ship ? 'no gate' : [
      `≥ ${fmt.duration(st.minDurationMs)}`, h('br'), `≥ ${fmt.int(st.minGradedPerArm)} graded/arm`,
      st.requiresApproval ? [h('br'), 'needs approval'] : null,
    ])));
}

function bar(label, have, need, text, testid) {
  const pct = need > 0 ? Math.min(100, (100 * have) / need) : 100;
  return h('div', { class: 'progress-row', 'data-testid': testid },
    h('div', { class: 'progress-label' }, label),
    h('div', { class: 'progress-track' }, h('div', { class: `progress-fill ${pct >= 100 ? 'done' : ''}`, style: undefined, 'data-pct': pct.toFixed(0) })),
    h('div', { class: 'progress-text' }, text));
}

function progress(a) {
  const st = a.stage;
  const timeText = st.remainingMs > 0 ? `${fmt.duration(st.elapsedMs)} of ${fmt.duration(st.minDurationMs)} minimum — ${fmt.duration(st.remainingMs)} to go` : `${fmt.duration(st.elapsedMs)} (minimum ${fmt.duration(st.minDurationMs)} met)`;
  const need = (v) => (st.remainingGraded[v] > 0 ? `${fmt.int(st.remainingGraded[v])} more needed` : 'met');
  const rows = [
    bar('Time in stage', st.elapsedMs, st.minDurationMs, timeText, 'progress-time'),
    bar('Graded · baseline', st.graded.baseline, st.minGradedPerArm, `${fmt.int(st.graded.baseline)} of ${fmt.int(st.minGradedPerArm)} — ${need('baseline')}`, 'progress-graded-baseline'),
    bar('Graded · SPECS', st.graded.specs, st.minGradedPerArm, `${fmt.int(st.graded.specs)} of ${fmt.int(st.minGradedPerArm)} — ${need('specs')}`, 'progress-graded-specs'),
  ];
  for (const el of rows) {
    const fill = el.querySelector('.progress-fill');
    fill.style.width = `${fill.dataset.pct}%`;
  }
  return rows;
}

const pts = (x) => `${(x * 100).toFixed(2)} pts`;
const pctv = (x) => `${(x * 100).toFixed(1)} %`;
const signed = (x, f) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${f(Math.abs(x))}`;

/** "SPECS at most 2.00 pts below the baseline": the threshold in the metric's own direction. */
export function thresholdText(g) {
  const f = g.unit === 'pts' ? pts : pctv;
  return g.worseWhen === 'lower' ? `at most ${f(Math.abs(g.threshold))} below baseline` : `at most ${signed(g.threshold, f)} vs baseline`;
}

export function intervalText(g) {
  if (!g.interval) return `insufficient data${g.insufficient ? `: ${g.insufficient}` : ''}`;
  const f = g.unit === 'pts' ? pts : pctv;
  const lo = g.interval.clipped && g.interval.low <= -1 ? `${signed(g.interval.low, f)} (floor)` : signed(g.interval.low, f);
  return `${lo} to ${signed(g.interval.high, f)}`;
}

const badge = (status) => h('span', { class: `status ${status}`, 'data-status': status }, status);

function checkRow(name, label, threshold, now, status, note) {
  return h('tr', { 'data-check': name },
    h('td', {}, label), h('td', {}, threshold), h('td', { class: 'now' }, now, note ? h('div', { class: 'muted small' }, note) : null), h('td', {}, badge(status)));
}

function checks(a) {
  const byName = Object.fromEntries(a.checks.map((c) => [c.name, c]));
  const regimeNote = (g) => (g.interval ? `${g.interval.regime === 'exact' ? 'exact bound (before the stage minimums)' : 'sequential bound, safe at every look'}${g.interval.clipped ? '; clipped to the possible range' : ''}` : null);
  const rows = a.guardrails.map((g) => checkRow(g.name, `${g.label} (SPECS − baseline)`, thresholdText(g), intervalText(g), g.status, regimeNote(g)));
  rows.push(checkRow('srm', 'Traffic split (SRM)', `p ≥ ${byName.srm?.values?.threshold ?? 0.001}`, a.srm.status === 'pending' || a.srm.pValue === null ? a.srm.message : `p = ${fmt.p(a.srm.pValue)}`, a.srm.status, a.srm.status === 'fail' ? a.srm.message : null));
  const st = a.stage;
  rows.push(checkRow('duration', 'Stage duration', `≥ ${fmt.duration(st.minDurationMs)}`, fmt.duration(st.elapsedMs), byName.duration?.status ?? 'pending'));
  rows.push(checkRow('samples', 'Graded answers per arm', `≥ ${fmt.int(st.minGradedPerArm)}`, `baseline ${fmt.int(st.graded.baseline)} · SPECS ${fmt.int(st.graded.specs)}`, byName.samples?.status ?? 'pending'));
  for (const sc of a.success) rows.push(checkRow(`success:${sc.name}`, `Success: ${metricName(sc.name)} reduced`, 'confident reduction', sc.message, sc.status));
  rows.push(checkRow('approval', 'Approval', st.requiresApproval ? 'required' : 'not required', st.requiresApproval ? (st.approved ? 'approved' : 'awaiting approval') : '–', byName.approval?.status ?? 'pass'));
  return rows;
}

// The gate words its messages "<metric label>: …"; with the metric in a chip, the label is not repeated.
const GATE_LABELS = { accuracy: 'accuracy', errorRate: 'error rate', p95Latency: 'p95 latency', cost: 'cost per request' };
const withoutLabel = (metric, message) => {
  const label = GATE_LABELS[metric];
  return label && message.toLowerCase().startsWith(`${label}: `) ? message.slice(label.length + 2) : message;
};

/** Reasons name their metric: a chip with the metric, then the gate's message. */
export function reasonItems(reasons) {
  return (reasons ?? []).map((r) => (typeof r === 'string' ? h('li', {}, r)
    : h('li', { 'data-code': r.code, 'data-metric': r.metric ?? undefined },
      r.metric ? h('span', { class: 'metric-chip' }, metricName(r.metric)) : h('code', {}, r.code ?? ''), ' ', withoutLabel(r.metric, r.message ?? ''))));
}

export function renderRollout(a) {
  const idle = !a.acting && a.status !== 'paused';
  const verdictText = a.acting ? a.verdict : VERDICT_WHEN_IDLE[a.status] ?? a.status;
  const v = $('gate-verdict');
  v.textContent = verdictText;
  v.className = `verdict ${a.acting ? a.verdict : a.status}`;
  v.dataset.verdict = a.verdict;
  $('gate-headline').textContent = a.headline;
  $('gate-note').textContent = idle
    ? (a.status === 'none' || a.status === 'pending' ? `The checks below judge the traffic so far against ${a.stage.label}, the stage Start begins.` : 'The gate no longer acts; the checks below are for the current traffic.')
    : `What the gate would decide now for ${a.stage.label}; it evaluates on its own schedule and acts on advance and roll back.`;
  replace($('stage-strip'), stageStrip(a));
  const prog = $('stage-progress');
  prog.hidden = idle;
  if (!idle) replace(prog, progress(a));
  replace($('gate-checks-body'), checks(a));
  replace($('gate-reasons'), reasonItems(a.acting || a.status === 'paused' ? a.reasons : []));
}

export function renderHeader(exp, rollout, assessment) {
  $('exp-title').textContent = exp ? (exp.name && exp.name !== exp.key ? `${exp.name} · ${exp.key}` : exp.key) : '';
  const pill = statusPill(exp, rollout);
  const el = $('exp-status');
  el.textContent = pill.text;
  el.className = `pill ${pill.cls}`;
  const share = rollout?.currentShare ?? exp?.specsShare;
  $('exp-share').textContent = fmt.share(share);
  $('exp-share').dataset.value = isNum(share) ? share : '';
  const active = rollout && isNum(rollout.currentStage) && rollout.status !== 'none' && rollout.status !== 'pending';
  const plan = rollout?.plan;
  $('exp-stage').textContent = active && plan ? `stage ${rollout.currentStage + 1} of ${plan.stages.length} (${fmt.share(plan.stages[rollout.currentStage]?.share)})` : 'not started';
  $('exp-stage').dataset.value = active ? rollout.currentStage : '';
  $('rollout-status').textContent = !rollout || rollout.status === 'none' ? 'no plan' : rollout.status;
  $('stage-started').textContent = fmt.time(active ? rollout.stageStartedAt : assessment?.stage?.startedAt);
}
