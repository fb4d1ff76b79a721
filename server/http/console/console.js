// SPECS A/B ops console: plain ES modules, no dependencies, no HTML strings. It talks to the
// JSON API with the key kept in localStorage; the modules under /console/ draw each part.
import { actionPlan } from './console/actions.js';
import { createApi } from './console/api.js';
import { accuracyChart, costChart, latencyChart } from './console/charts.js';
import { confirmDialog, formDialog } from './console/dialogs.js';
import { h, replace, $ } from './console/dom.js';
import { fmt, isNum, stageLabel } from './console/format.js';
import { renderAudit, renderDecisionLog } from './console/logs-view.js';
import { addStage, readPlan, removeStage, renderPlan, renderPreview } from './console/plan-editor.js';
import { analysisLabel, renderComparisons, renderKpis, segmentOptions } from './console/results-view.js';
import { renderHeader, renderRollout, statusPill } from './console/rollout-view.js';
import { shareChart, timeseriesChart } from './console/time-charts.js';

const KEY_STORAGE = 'specs-ab.apiKey';
const REFRESH_MS = 30_000;
const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const state = {
  key: '', role: null, experiments: [], selected: null,
  segment: 'current', fixedHorizon: false, series: 'latencyMean',
  rollout: null, assessment: null, results: null, audit: null,
  draftPlan: null, preview: null, busy: false,
};
const api = createApi(() => state.key);
const admin = () => state.role === 'admin';
const current = () => state.experiments.find((e) => e.key === state.selected);

// ---------- banners ----------
function showError(e) {
  $('error-text').textContent = e?.code ? `${e.message} (${e.code})` : String(e?.message ?? e);
  $('error-banner').hidden = false;
}
function clearError() { $('error-banner').hidden = true; $('error-text').textContent = ''; }
let infoTimer;
function showInfo(msg) {
  const el = $('info-banner');
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(infoTimer);
  infoTimer = setTimeout(() => { el.hidden = true; }, 8000);
}

// ---------- rendering ----------
function renderList() {
  replace($('experiment-list'), state.experiments.map((e) => {
    const pill = e.key === state.selected && state.rollout ? statusPill(e, state.rollout) : { text: e.status, cls: e.status };
    return h('li', {}, h('button', { type: 'button', 'data-key': e.key, 'data-testid': `experiment-item-${e.key}`, 'aria-current': String(e.key === state.selected) },
      h('span', { class: 'key' }, e.key), h('span', { class: `pill ${pill.cls}` }, pill.text)));
  }));
  $('list-empty').hidden = state.experiments.length > 0;
  $('list-empty').textContent = state.key ? 'No experiments yet.' : 'Enter an API key to list experiments.';
  for (const el of document.querySelectorAll('.admin-only')) el.hidden = !admin();
}

function renderActions() {
  const box = $('actions');
  box.hidden = !admin();
  if (!admin()) return replace(box);
  const plan = actionPlan({ exp: current(), rollout: state.rollout, assessment: state.assessment });
  // Approve only where the stage asks for it; the others stay visible (disabled) so the row does not jump.
  replace(box, plan.filter((a) => a.action !== 'approve' || a.enabled).map((a) => h('button', {
    type: 'button', class: `btn ${a.kind}`, 'data-action': a.action, 'data-testid': `action-${a.action}`, 'data-kind': a.kind,
    disabled: state.busy || !a.enabled ? true : undefined,
  }, a.label)));
}

function currentStageText() {
  const r = state.rollout;
  const plan = r?.plan;
  if (!plan || !isNum(r.currentStage) || r.status === 'none' || r.status === 'pending') return `${fmt.share(r?.currentShare)}, no rollout stage`;
  return stageLabel(r.currentStage, plan.stages.length, plan.stages[r.currentStage]?.share);
}

function renderResults() {
  const res = state.results;
  const ciLabel = state.fixedHorizon ? '95% CI (fixed-horizon)' : '95% CI';
  $('analysis-label').textContent = analysisLabel({ res, segment: state.segment, fixedHorizon: state.fixedHorizon, stageText: currentStageText() });
  $('analysis-label').dataset.mode = state.fixedHorizon ? 'fixed-horizon' : 'sequential';
  $('ci-head').textContent = state.fixedHorizon ? '95% CI (fixed-horizon)' : '95% conf. sequence';
  const sel = $('stage-select');
  replace(sel, segmentOptions(state.rollout).map((o) => h('option', { value: o.value, selected: o.value === state.segment ? true : undefined }, o.text)));
  renderKpis(res, ciLabel);
  renderComparisons(res);
  replace($('chart-latency'), latencyChart(res?.latencyHistogram));
  replace($('chart-accuracy'), accuracyChart(res?.variants));
  replace($('chart-cost'), costChart(res?.variants));
  replace($('chart-timeseries'), timeseriesChart(res?.timeseries, state.series, BUCKET_MS[res?.granularity] ?? 60_000));
}

function renderPlanCard() {
  const r = state.rollout;
  const plan = state.draftPlan ?? r?.plan ?? r?.defaultPlan;
  $('plan-source').textContent = state.draftPlan ? '(edited, not saved)' : r?.plan ? '(saved)' : '(the default plan: Start uses it)';
  if (plan) renderPlan($('plan-editor'), plan, { editable: admin() });
  renderPreview($('plan-preview'), state.preview);
}

function renderAll() {
  const exp = current();
  renderHeader(exp, state.rollout, state.assessment);
  if (state.assessment) renderRollout(state.assessment);
  renderActions();
  renderPlanCard();
  renderResults();
  replace($('chart-share'), shareChart(state.rollout?.shareHistory));
  renderDecisionLog(state.rollout, state.audit);
  renderAudit(state.audit);
  renderList();
}

// ---------- loading ----------
async function loadExperiments() {
  const body = await api.experiments();
  state.experiments = body?.experiments ?? [];
  renderList();
}

async function loadSelected() {
  const key = state.selected;
  if (!key) return;
  const [rollout, assessment, audit] = await Promise.all([api.rollout(key), api.assessment(key), api.audit(key)]);
  // 'current' follows the split as it changes; a number pins an earlier one.
  const stage = state.segment === 'current' ? String(rollout.analysisStage) : state.segment;
  const alpha = (rollout.plan ?? rollout.defaultPlan)?.guardrails?.alpha ?? 0.05;
  const results = await api.results(key, { stage, sequential: String(!state.fixedHorizon), alpha: String(alpha) });
  if (state.selected !== key) return;
  Object.assign(state, { rollout, assessment, audit: audit.entries, results });
  $('placeholder').hidden = true;
  $('detail').hidden = false;
  renderAll();
  document.body.dataset.loaded = key;
  document.body.dataset.rolloutStatus = rollout.status;
}

async function refresh() {
  if (!state.key) return;
  try {
    await loadExperiments();
    await loadSelected();
  } catch (e) { showError(e); }
}

async function runPreview() {
  const key = state.selected;
  const el = $('plan-preview');
  el.dataset.state = 'running';
  replace(el, h('p', { class: 'muted' }, 'Simulating the plan through the gate…'));
  try {
    const plan = readPlan($('plan-editor'));
    const rate = Number($('preview-rate').value);
    state.preview = await api.preview(key, { plan, ...(rate > 0 ? { ratePerMinute: rate } : {}) });
    if (state.selected === key) renderPreview(el, state.preview);
  } catch (e) {
    replace(el);
    showError(e);
  } finally {
    el.dataset.state = 'done';
  }
}

async function select(key) {
  Object.assign(state, { selected: key, segment: 'current', fixedHorizon: false, draftPlan: null, preview: null, rollout: null, assessment: null });
  $('fixed-horizon').checked = false;
  delete document.body.dataset.loaded;
  renderList();
  clearError();
  history.replaceState(null, '', `#${encodeURIComponent(key)}`);
  try {
    await loadSelected();
    // Before a start, show what the plan will do without being asked.
    if (admin() && ['none', 'pending'].includes(state.rollout?.status)) await runPreview();
  } catch (e) { showError(e); }
}

async function connect(key) {
  state.key = key;
  clearError();
  if (!key) {
    Object.assign(state, { role: null, experiments: [], selected: null });
    $('role-badge').hidden = true; $('detail').hidden = true; $('placeholder').hidden = false;
    renderList();
    return;
  }
  try {
    state.role = (await api.me()).role;
    localStorage.setItem(KEY_STORAGE, key);
    const badge = $('role-badge');
    badge.textContent = state.role;
    badge.hidden = false;
    document.body.dataset.role = state.role;
    await loadExperiments();
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (wanted && state.experiments.some((e) => e.key === wanted)) await select(wanted);
  } catch (e) {
    if (e.status === 401) localStorage.removeItem(KEY_STORAGE);
    state.role = null;
    showError(e);
  }
}

// ---------- actions ----------
async function busy(fn) {
  state.busy = true;
  renderActions();
  clearError();
  try { return await fn(); } catch (e) { showError(e); return undefined; } finally { state.busy = false; renderActions(); }
}

async function runAction(action) {
  const key = state.selected;
  const spec = actionPlan({ exp: current(), rollout: state.rollout, assessment: state.assessment }).find((a) => a.action === action);
  if (!key || !spec) return;
  if (spec.confirm && !(await confirmDialog({ ...spec.confirm, kind: spec.kind === 'danger' ? 'danger' : spec.kind === 'override' ? 'override' : 'primary' }))) return;
  await busy(async () => {
    const body = action === 'rollback' ? { reason: 'manual rollback from the ops console' } : {};
    await api.action(key, action, body);
    await loadExperiments();
    await loadSelected();
    showInfo(`${spec.label}: done. ${state.assessment?.headline ?? ''}`);
  });
}

async function editShare() {
  const exp = current();
  const values = await formDialog('share-dialog', { share: +(100 * (exp?.specsShare ?? 0)).toFixed(4) });
  if (!values) return;
  const next = Number(values.share) / 100;
  const running = ['running', 'paused'].includes(state.rollout?.status);
  const ok = await confirmDialog({
    title: 'Change the SPECS share?',
    text: `SPECS share goes from ${fmt.share(exp?.specsShare)} to ${fmt.share(next)}.${running ? ' A rollout is active: its gate keeps judging the plan stage, and may advance or roll back over this share.' : ''}`,
    ok: 'Set share',
    kind: next < (exp?.specsShare ?? 0) || next === 0 ? 'danger' : 'primary',
  });
  if (!ok) return;
  await busy(async () => {
    await api.setShare(state.selected, next, values.reason?.trim() || undefined);
    await loadExperiments();
    await loadSelected();
    showInfo(`SPECS share set to ${fmt.share(next)}.`);
  });
}

async function createExperiment() {
  const values = await formDialog('create-dialog');
  if (!values) return;
  const created = await busy(() => api.createExperiment({
    key: values.key.trim(), specsShare: Number(values.share) / 100, status: values.status, ...(values.name.trim() ? { name: values.name.trim() } : {}),
  }));
  if (!created) return;
  await loadExperiments();
  await select(created.key);
  showInfo(`Experiment ${created.key} created.`);
}

async function savePlan() {
  await busy(async () => {
    await api.putPlan(state.selected, readPlan($('plan-editor')));
    state.draftPlan = null;
    await loadSelected();
    showInfo('Plan saved.');
  });
}

function editPlan(fn) {
  try {
    state.draftPlan = fn(readPlan($('plan-editor')));
  } catch (e) { return showError(e); }
  state.preview = null;
  renderPlanCard();
}

function init() {
  $('key-form').addEventListener('submit', (ev) => { ev.preventDefault(); connect($('api-key').value.trim()); });
  $('key-clear').addEventListener('click', () => { localStorage.removeItem(KEY_STORAGE); $('api-key').value = ''; connect(''); });
  $('error-close').addEventListener('click', clearError);
  $('refresh').addEventListener('click', refresh);
  $('new-experiment').addEventListener('click', createExperiment);
  $('edit-share').addEventListener('click', editShare);
  $('experiment-list').addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-key]');
    if (btn) select(btn.dataset.key);
  });
  $('stage-select').addEventListener('change', (ev) => { state.segment = ev.target.value; loadSelected().catch(showError); });
  $('fixed-horizon').addEventListener('change', (ev) => { state.fixedHorizon = ev.target.checked; loadSelected().catch(showError); });
  $('series-select').addEventListener('change', (ev) => { state.series = ev.target.value; renderResults(); });
  $('actions').addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action]');
    if (btn && !btn.disabled) runAction(btn.dataset.action);
  });
  $('plan-editor').addEventListener('input', () => {
    // Half-typed durations are normal while editing; the draft is kept from the last readable state.
    try { state.draftPlan = readPlan($('plan-editor')); } catch { /* read again on save or preview */ }
    $('plan-source').textContent = '(edited, not saved)';
  });
  $('plan-editor').addEventListener('click', (ev) => {
    if (ev.target.closest('[data-add-stage]')) editPlan(addStage);
    const rm = ev.target.closest('[data-remove-stage]');
    if (rm) editPlan((p) => removeStage(p, Number(rm.dataset.removeStage)));
  });
  $('preview-plan').addEventListener('click', runPreview);
  $('save-plan').addEventListener('click', savePlan);
  $('reset-plan').addEventListener('click', () => { state.draftPlan = null; state.preview = null; renderPlanCard(); });
  setInterval(() => { if (document.visibilityState === 'visible' && !state.busy && !document.querySelector('dialog[open]')) refresh(); }, REFRESH_MS);
  const saved = localStorage.getItem(KEY_STORAGE);
  if (saved) { $('api-key').value = saved; connect(saved); }
  else renderList();
}

init();
