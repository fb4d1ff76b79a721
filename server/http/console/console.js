// SPECS A/B ops console. Plain ES module, no dependencies: it talks to the JSON
// API with the key kept in localStorage and draws its charts as inline SVG.

const KEY_STORAGE = 'specs-ab.apiKey';
const REFRESH_MS = 30_000;
const ACTIONS = ['start', 'approve', 'advance', 'pause', 'resume', 'evaluate', 'rollback'];
const VARIANTS = ['baseline', 'specs'];
const LABEL = { baseline: 'Baseline (beam search)', specs: 'SPECS' };

const state = { key: '', role: null, experiments: [], selected: null, stage: 'all', rollout: null, results: null, busy: false };
const $ = (id) => document.getElementById(id);

// ---------- formatting ----------
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
export const fmt = {
  int: (x) => (isNum(x) ? Math.round(x).toLocaleString('en-US') : '–'),
  pct: (x, d = 1) => (isNum(x) ? `${(x * 100).toFixed(d)}%` : '–'),
  share: (x) => (isNum(x) ? `${+(x * 100).toFixed(1)}%` : '–'),
  ms: (x) => (!isNum(x) ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`),
  usd: (x) => (!isNum(x) ? '–' : x === 0 ? '$0' : Math.abs(x) >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(3)}`),
  p: (x) => (!isNum(x) ? '–' : x < 0.0001 ? '<0.0001' : x.toFixed(4)),
  time: (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '–'),
  signed: (x, f) => (!isNum(x) ? '–' : `${x > 0 ? '+' : x < 0 ? '−' : ''}${f(Math.abs(x))}`),
};

// ---------- API ----------
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* non-JSON body: reported below */ }
  if (!res.ok) {
    const err = json && json.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText));
  }
  return json;
}

// Role: a /api/me endpoint when the server has one; otherwise an admin-only call on an
// experiment that cannot exist: 403 means not admin, 404 means admin (no side effect).
async function detectRole() {
  try {
    const me = await api('/api/me');
    if (me && typeof me.role === 'string') return me.role;
  } catch (e) {
    if (e.status === 401) throw e;
  }
  try {
    await api('/api/experiments/__console_role_probe__/rollout/evaluate', { method: 'POST', body: {} });
    return 'admin';
  } catch (e) {
    if (e.status === 401) throw e;
    return e.status === 403 ? 'viewer' : 'admin';
  }
}

// ---------- banners ----------
function showError(e) {
  const msg = e instanceof ApiError ? `${e.message} (${e.code})` : String(e?.message ?? e);
  $('error-text').textContent = msg;
  $('error-banner').hidden = false;
}
function clearError() { $('error-banner').hidden = true; $('error-text').textContent = ''; }
let infoTimer;
function showInfo(msg) {
  const el = $('info-banner');
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(infoTimer);
  infoTimer = setTimeout(() => { el.hidden = true; }, 6000);
}

// ---------- SVG helpers ----------
const attrs = (a) => Object.entries(a).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
const tag = (name, a = {}, inner = '') => `<${name}${attrs(a)}>${inner}</${name}>`;
const svg = (w, h, inner, label) => tag('svg', { viewBox: `0 0 ${w} ${h}`, xmlns: 'http://www.w3.org/2000/svg', role: 'img', 'aria-label': label }, inner);
const noData = (w, h, label) => svg(w, h, tag('text', { x: w / 2, y: h / 2, 'text-anchor': 'middle', class: 'nodata' }, 'No data yet'), label);

function niceTicks(lo, hi, count = 4) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function legend(x, y) {
  return tag('g', { class: 'legend' }, VARIANTS.map((v, i) =>
    tag('rect', { x: x + i * 90, y: y - 9, width: 10, height: 10, rx: 2, class: v }) +
    tag('text', { x: x + i * 90 + 15, y }, v === 'specs' ? 'SPECS' : 'Baseline')).join(''));
}

function yAxis(ticks, y, left, right, format) {
  return ticks.map((t) => tag('line', { x1: left, x2: right, y1: y(t), y2: y(t), class: 'grid' }) +
    tag('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end' }, format(t))).join('');
}

// The API's histogram has 16 log-spaced buckets per doubling; merge neighbours so the
// drawn range has at most MAX_BINS points, which reads as a distribution, not as noise.
const MAX_BINS = 28;
export function rebin(hist) {
  const counts = VARIANTS.map((v) => (Array.isArray(hist?.[v]) ? hist[v] : []));
  const len = Math.max(0, ...counts.map((c) => c.length));
  let first = len, last = -1;
  for (let i = 0; i < len; i++) if (counts.some((c) => (c[i] ?? 0) > 0)) { first = Math.min(first, i); last = i; }
  if (last < 0) return null;
  const width = Math.max(1, Math.ceil((last - first + 1) / MAX_BINS));
  const bins = [];
  for (let s = Math.max(0, first - width); s <= Math.min(len - 1, last + width); s += width) {
    const e = Math.min(len - 1, s + width - 1);
    const upper = hist.bounds?.[e];
    bins.push({ upper: isNum(upper) ? upper : null, lower: hist.lowerBounds?.[s] ?? (s > 0 ? hist.bounds?.[s - 1] : 0), counts: counts.map((c) => c.slice(s, e + 1).reduce((a, b) => a + (b ?? 0), 0)) });
  }
  return bins;
}

export function latencyChart(hist) {
  const W = 440, H = 230, L = 46, R = 12, T = 28, B = 34;
  const label = 'Latency distribution per variant';
  const bins = rebin(hist);
  if (!bins) return noData(W, H, label);
  const totals = VARIANTS.map((_, k) => bins.reduce((a, b) => a + b.counts[k], 0) || 1);
  const frac = VARIANTS.map((_, k) => bins.map((b) => b.counts[k] / totals[k]));
  const ticks = niceTicks(0, Math.max(...frac.flat(), 0.01) * 1.15);
  const top = ticks[ticks.length - 1];
  const n = bins.length;
  const x = (j) => L + ((j + 0.5) / n) * (W - L - R);
  const y = (v) => T + (1 - v / top) * (H - T - B);
  const binLabel = (b) => (b.upper === null ? `≥ ${fmt.ms(b.lower)}` : `${fmt.ms(b.lower)} – ${fmt.ms(b.upper)}`);
  let inner = yAxis(ticks, y, L, W - R, (t) => `${+(t * 100).toFixed(1)}%`);
  frac.forEach((f, k) => {
    const v = VARIANTS[k];
    const pts = f.map((p, j) => `${x(j).toFixed(1)},${y(p).toFixed(1)}`);
    inner += tag('path', { d: `M${x(0).toFixed(1)},${y(0)} L${pts.join(' L')} L${x(n - 1).toFixed(1)},${y(0)} Z`, class: v, 'fill-opacity': 0.15, 'stroke-width': 0 });
    inner += tag('polyline', { points: pts.join(' '), class: `${v} line`, 'data-variant': v });
    inner += f.map((p, j) => (bins[j].counts[k] ? tag('circle', { cx: x(j).toFixed(1), cy: y(p).toFixed(1), r: 2.2, class: v },
      tag('title', {}, `${v} ${binLabel(bins[j])}: ${(p * 100).toFixed(1)}% (${bins[j].counts[k]})`)) : '')).join('');
  });
  const step = Math.max(1, Math.ceil(n / 6));
  for (let j = 0; j < n; j += step) {
    inner += tag('text', { x: x(j), y: H - B + 16, 'text-anchor': 'middle' }, bins[j].upper === null ? '∞' : fmt.ms(bins[j].upper));
  }
  inner += tag('line', { x1: L, x2: W - R, y1: y(0), y2: y(0), class: 'axis' });
  inner += tag('text', { x: W - R, y: H - 4, 'text-anchor': 'end' }, 'latency, log scale (share of requests)');
  inner += legend(L, 14);
  return svg(W, H, inner, label);
}

export function accuracyChart(variants) {
  const W = 440, H = 230, L = 46, R = 12, T = 24, B = 30;
  const label = 'Accuracy with 95% CI per variant';
  const rows = VARIANTS.map((v) => ({ v, k: variants?.[v] })).filter((r) => r.k && isNum(r.k.accuracy));
  if (!rows.length) return noData(W, H, label);
  const lo = Math.min(...rows.map((r) => r.k.accuracyCi?.[0] ?? r.k.accuracy));
  const hi = Math.max(...rows.map((r) => r.k.accuracyCi?.[1] ?? r.k.accuracy));
  const pad = Math.max(0.02, (hi - lo) * 0.25);
  const ticks = niceTicks(Math.max(0, lo - pad), Math.min(1, hi + pad));
  const y0 = ticks[0], y1 = ticks[ticks.length - 1] > y0 ? ticks[ticks.length - 1] : y0 + 0.01;
  const y = (v) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const x = (i) => L + ((i + 0.5) / VARIANTS.length) * (W - L - R);
  let inner = yAxis(ticks, y, L, W - R, (t) => `${+(t * 100).toFixed(1)}%`);
  VARIANTS.forEach((v, i) => {
    const k = variants?.[v];
    inner += tag('text', { x: x(i), y: H - 8, 'text-anchor': 'middle' }, LABEL[v]);
    if (!k || !isNum(k.accuracy)) return;
    const [a, b] = k.accuracyCi ?? [k.accuracy, k.accuracy];
    inner += tag('g', { 'data-variant': v, class: 'ci' },
      tag('line', { x1: x(i), x2: x(i), y1: y(a), y2: y(b), class: v, 'stroke-width': 2 }) +
      tag('line', { x1: x(i) - 10, x2: x(i) + 10, y1: y(a), y2: y(a), class: v, 'stroke-width': 2 }) +
      tag('line', { x1: x(i) - 10, x2: x(i) + 10, y1: y(b), y2: y(b), class: v, 'stroke-width': 2 }) +
      tag('circle', { cx: x(i), cy: y(k.accuracy), r: 5, class: v }, tag('title', {}, `${v}: ${fmt.pct(k.accuracy)} [${fmt.pct(a)}, ${fmt.pct(b)}]`)) +
      tag('text', { x: x(i) + 16, y: y(k.accuracy) + 4, class: 'bar-label' }, fmt.pct(k.accuracy)));
  });
  return svg(W, H, inner, label);
}

export function costChart(variants) {
  const W = 440, H = 230, L = 58, R = 12, T = 24, B = 30;
  const label = 'Cost per request and per correct answer';
  const groups = [['costPerRequest', 'per request'], ['costPerCorrect', 'per correct answer']];
  const vals = groups.flatMap(([f]) => VARIANTS.map((v) => variants?.[v]?.[f])).filter(isNum);
  if (!vals.length) return noData(W, H, label);
  const ticks = niceTicks(0, Math.max(...vals) * 1.1 || 1);
  const top = ticks[ticks.length - 1] || 1;
  const y = (v) => T + (1 - v / top) * (H - T - B);
  const gw = (W - L - R) / groups.length, bw = Math.min(56, gw / 3.2);
  let inner = yAxis(ticks, y, L, W - R, fmt.usd);
  groups.forEach(([f, name], g) => {
    const cx = L + gw * (g + 0.5);
    VARIANTS.forEach((v, i) => {
      const val = variants?.[v]?.[f];
      if (!isNum(val)) return;
      const bx = cx + (i - 1) * (bw + 6) + 3;
      inner += tag('rect', { x: bx, y: y(val), width: bw, height: Math.max(0, y(0) - y(val)), rx: 3, class: v, 'data-variant': v, 'data-metric': f },
        tag('title', {}, `${v} ${name}: ${fmt.usd(val)}`));
      inner += tag('text', { x: bx + bw / 2, y: y(val) - 5, 'text-anchor': 'middle', class: 'bar-label' }, fmt.usd(val));
    });
    inner += tag('text', { x: cx, y: H - 8, 'text-anchor': 'middle' }, name);
  });
  inner += tag('line', { x1: L, x2: W - R, y1: y(0), y2: y(0), class: 'axis' });
  inner += legend(L, 14);
  return svg(W, H, inner, label);
}

export function shareChart(history, now = Date.now()) {
  const W = 440, H = 230, L = 46, R = 16, T = 16, B = 30;
  const label = 'SPECS share over time';
  const pts = (history ?? []).map((h) => ({ ...h, share: h?.specsShare ?? h?.share })).filter((h) => isNum(h.share) && h.at)
    .map((h) => ({ ...h, t: Date.parse(h.at) })).sort((a, b) => a.t - b.t);
  if (!pts.length) return noData(W, H, label);
  const t0 = pts[0].t, t1 = Math.max(now, pts[pts.length - 1].t + 1000);
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (s) => T + (1 - s) * (H - T - B);
  let inner = yAxis([0, 0.25, 0.5, 0.75, 1], y, L, W - R, (t) => `${t * 100}%`);
  let d = `M${x(pts[0].t).toFixed(1)},${y(pts[0].share).toFixed(1)}`;
  for (let i = 1; i < pts.length; i++) d += ` H${x(pts[i].t).toFixed(1)} V${y(pts[i].share).toFixed(1)}`;
  d += ` H${x(t1).toFixed(1)}`;
  inner += tag('path', { d, class: 'specs line', 'data-series': 'share' });
  inner += pts.map((p) => tag('circle', { cx: x(p.t).toFixed(1), cy: y(p.share).toFixed(1), r: 3.5, class: 'specs' },
    tag('title', {}, `${fmt.time(p.at)} · stage ${p.stage ?? '–'} · ${fmt.share(p.share)}${p.reason ? ` · ${p.reason}` : ''}`))).join('');
  const span = t1 - t0;
  const tf = (t) => new Date(t).toLocaleString('en-GB', span > 2 * 86400e3 ? { day: '2-digit', month: 'short' } : { hour: '2-digit', minute: '2-digit' });
  for (let i = 0; i <= 3; i++) {
    const t = t0 + (span * i) / 3;
    inner += tag('text', { x: x(t), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === 3 ? 'end' : 'middle' }, tf(t));
  }
  inner += tag('line', { x1: L, x2: W - R, y1: y(0), y2: y(0), class: 'axis' });
  return svg(W, H, inner, label);
}

// ---------- rendering ----------
function renderList() {
  const ul = $('experiment-list');
  ul.innerHTML = state.experiments.map((e) => tag('li', {},
    tag('button', { type: 'button', 'data-key': e.key, 'data-testid': `experiment-item-${e.key}`, 'aria-current': String(e.key === state.selected) },
      tag('span', { class: 'key' }, esc(e.key)) + tag('span', { class: `pill ${esc(e.status)}` }, esc(e.status))))).join('');
  $('list-empty').hidden = state.experiments.length > 0;
  $('list-empty').textContent = state.key ? 'No experiments yet.' : 'Enter an API key to list experiments.';
}

function kpi(testid, labelText, value, raw, sub) {
  return tag('div', { class: 'kpi' },
    tag('div', { class: 'label' }, esc(labelText)) +
    tag('div', { class: 'value', 'data-testid': testid, 'data-value': isNum(raw) ? raw : '' }, esc(value)) +
    (sub ? tag('div', { class: 'sub', 'data-testid': `${testid}-sub` }, esc(sub)) : ''));
}

function renderKpis(results) {
  $('kpis').innerHTML = VARIANTS.map((v) => {
    const k = results?.variants?.[v];
    const id = (s) => `kpi-${v}-${s}`;
    const body = !k ? tag('p', { class: 'muted' }, 'No requests yet.') : tag('div', { class: 'kpi-grid' },
      kpi(id('n'), 'Requests', fmt.int(k.n), k.n, `${fmt.int(k.errors)} errors · ${fmt.int(k.graded)} graded`) +
      kpi(id('accuracy'), 'Accuracy', fmt.pct(k.accuracy), k.accuracy, k.accuracyCi ? `95% CI ${fmt.pct(k.accuracyCi[0])} – ${fmt.pct(k.accuracyCi[1])}` : '') +
      kpi(id('mean'), 'Latency mean', fmt.ms(k.latency?.mean), k.latency?.mean) +
      kpi(id('p50'), 'Latency p50', fmt.ms(k.latency?.p50), k.latency?.p50) +
      kpi(id('p95'), 'Latency p95', fmt.ms(k.latency?.p95), k.latency?.p95) +
      kpi(id('p99'), 'Latency p99', fmt.ms(k.latency?.p99), k.latency?.p99) +
      kpi(id('cost'), 'Cost / request', fmt.usd(k.costPerRequest), k.costPerRequest) +
      kpi(id('cost-per-correct'), 'Cost / correct', fmt.usd(k.costPerCorrect), k.costPerCorrect) +
      kpi(id('acceptance'), 'Draft acceptance', fmt.pct(k.draftAcceptance), k.draftAcceptance));
    return tag('div', { class: 'card kpi-card', 'data-testid': `kpi-card-${v}` },
      tag('h3', {}, tag('span', { class: `swatch ${v}` }) + esc(LABEL[v])) + body);
  }).join('');
}

const METRIC_NAMES = {
  accuracy: 'Accuracy', latencyMean: 'Latency mean', latencyP50: 'Latency p50', latencyP95: 'Latency p95', latencyP99: 'Latency p99',
  costPerRequest: 'Cost / request', costPerCorrect: 'Cost / correct',
};
// `effect` is specs − baseline in metric units ('absolute') or specs / baseline − 1 ('relative').
export function formatEffect(c, x) {
  if (!isNum(x)) return '–';
  if (c.difference === 'relative') return fmt.signed(x * 100, (a) => `${a.toFixed(1)}%`);
  if (/accuracy/i.test(c.metric)) return fmt.signed(x * 100, (a) => `${a.toFixed(2)} pts`);
  if (/latency/i.test(c.metric)) return fmt.signed(x, fmt.ms);
  if (/cost/i.test(c.metric)) return fmt.signed(x, fmt.usd);
  return x.toPrecision(3);
}
function formatMetric(metric, x) {
  if (/accuracy/i.test(metric)) return fmt.pct(x);
  if (/latency/i.test(metric)) return fmt.ms(x);
  if (/cost/i.test(metric)) return fmt.usd(x);
  return isNum(x) ? x.toPrecision(3) : '–';
}
function renderComparisons(results) {
  const rows = results?.comparisons ?? [];
  $('comparisons-body').innerHTML = rows.length ? rows.map((c) => {
    const better = isNum(c.effect) && (c.betterIs === 'lower' ? c.effect < 0 : c.effect > 0);
    const ci = Array.isArray(c.ci) ? `[${formatEffect(c, c.ci[0])}, ${formatEffect(c, c.ci[1])}]` : '–';
    const verdict = c.insufficient ? tag('span', { class: 'muted', title: c.reason ?? '' }, 'insufficient')
      : c.significant ? tag('span', { class: `sig ${better ? '' : 'worse'}` }, better ? 'better' : 'worse') : tag('span', { class: 'muted' }, 'n.s.');
    return tag('tr', { 'data-metric': c.metric },
      tag('td', {}, esc(METRIC_NAMES[c.metric] ?? c.metric)) +
      tag('td', { class: 'num' }, esc(formatMetric(c.metric, c.baseline))) + tag('td', { class: 'num' }, esc(formatMetric(c.metric, c.specs))) +
      tag('td', { class: 'num', 'data-testid': `effect-${c.metric}` }, esc(formatEffect(c, c.effect))) + tag('td', { class: 'num' }, esc(ci)) +
      tag('td', { class: 'num' }, esc(fmt.p(c.pValue))) + tag('td', { class: 'num' }, esc(fmt.p(c.adjustedPValue))) + tag('td', {}, verdict));
  }).join('') : tag('tr', {}, tag('td', { colspan: 8, class: 'muted' }, 'Not enough data.'));
}

function reasonsHtml(reasons) {
  return (reasons ?? []).map((r) => typeof r === 'string' ? tag('li', {}, esc(r))
    : tag('li', { 'data-code': r.code }, (r.code ? tag('code', {}, esc(r.code)) : '') + esc(r.message ?? ''))).join('');
}

function renderRollout() {
  const r = state.rollout;
  const exp = state.experiments.find((e) => e.key === state.selected);
  const share = r?.currentShare ?? r?.share ?? exp?.specsShare;
  $('exp-share').textContent = fmt.share(share);
  $('exp-share').dataset.value = isNum(share) ? share : '';
  const stageCount = r?.stageCount ?? r?.plan?.stages?.length;
  $('exp-stage').textContent = r && isNum(r.currentStage) ? `${r.currentStage}${isNum(stageCount) ? ` / ${stageCount - 1}` : ''}` : '–';
  $('exp-stage').dataset.value = r && isNum(r.currentStage) ? r.currentStage : '';
  $('rollout-status').textContent = !r || r.status === 'none' ? 'no plan' : r.status;
  $('stage-started').textContent = fmt.time(r?.stageStartedAt);
  const d = r?.lastDecision;
  const verdict = $('gate-verdict');
  verdict.textContent = d?.verdict ?? 'no decision yet';
  verdict.className = `verdict ${d?.verdict ?? ''}`;
  $('gate-at').textContent = d?.at ? `${fmt.time(d.at)}${d.actor ? ` · ${d.actor}` : ''}` : '';
  $('gate-reasons').innerHTML = reasonsHtml(d?.reasons);

  // Results are cut by analysis stage (request_log.stage): every share change opens a new one.
  const sel = $('stage-select');
  const current = isNum(r?.analysisStage) ? r.analysisStage : null;
  const opts = [['all', 'all stages'], ...(current === null ? [] : Array.from({ length: current + 1 }, (_, i) => [String(current - i), i === 0 ? `current (analysis stage ${current})` : `analysis stage ${current - i}`]))];
  if (!opts.some(([v]) => v === state.stage)) state.stage = 'all';
  sel.innerHTML = opts.map(([v, t]) => tag('option', { value: v, selected: v === state.stage ? 'selected' : undefined }, esc(t))).join('');

  $('decision-body').innerHTML = (r?.decisions ?? []).length ? r.decisions.map((x) => tag('tr', {},
    tag('td', {}, esc(fmt.time(x.at))) + tag('td', {}, esc(x.stage)) +
    tag('td', {}, tag('span', { class: `verdict ${esc(x.verdict)}` }, esc(x.verdict))) + tag('td', {}, esc(x.actor)) +
    tag('td', {}, tag('ul', { class: 'reasons' }, reasonsHtml(x.reasons))))).join('')
    : tag('tr', {}, tag('td', { colspan: 5, class: 'muted' }, 'No decisions yet.'));

  $('chart-share').innerHTML = shareChart(r?.shareHistory);
  renderActions();
}

function renderActions() {
  const admin = state.role === 'admin';
  $('actions').hidden = !admin;
  const status = state.rollout?.status ?? 'none';
  const allowed = {
    none: ['start'], pending: ['start'],
    running: ['approve', 'advance', 'pause', 'evaluate', 'rollback'],
    paused: ['resume', 'evaluate', 'rollback'],
    rolled_back: ['start'], completed: [],
  }[status] ?? ACTIONS;
  for (const btn of document.querySelectorAll('#actions [data-action]')) {
    btn.disabled = !admin || state.busy || !allowed.includes(btn.dataset.action);
  }
}

function renderResults() {
  const res = state.results;
  renderKpis(res);
  renderComparisons(res);
  $('chart-latency').innerHTML = latencyChart(res?.latencyHistogram);
  $('chart-accuracy').innerHTML = accuracyChart(res?.variants);
  $('chart-cost').innerHTML = costChart(res?.variants);
  const srm = res?.srm;
  const srmEl = $('srm');
  srmEl.textContent = srm ? `SRM p = ${fmt.p(srm.pValue)}${srm.flagged ? ' — traffic split mismatch!' : ''}` : '';
  srmEl.className = `srm ${srm?.flagged ? 'flagged' : ''}`;
}

function renderHeader() {
  const exp = state.experiments.find((e) => e.key === state.selected);
  $('exp-title').textContent = exp ? (exp.name && exp.name !== exp.key ? `${exp.name} · ${exp.key}` : exp.key) : state.selected ?? '';
  const st = $('exp-status');
  st.textContent = exp?.status ?? '';
  st.className = `pill ${exp?.status ?? ''}`;
}

// ---------- loading ----------
async function loadExperiments() {
  const body = await api('/api/experiments');
  state.experiments = Array.isArray(body) ? body : body?.experiments ?? body?.items ?? [];
  renderList();
}

async function loadSelected() {
  const key = state.selected;
  if (!key) return;
  const enc = encodeURIComponent(key);
  const [rollout, results] = await Promise.all([
    api(`/api/experiments/${enc}/rollout`).catch((e) => { if (e.status === 404) return null; throw e; }),
    api(`/api/experiments/${enc}/results?stage=${encodeURIComponent(state.stage)}`),
  ]);
  if (state.selected !== key) return;
  state.rollout = rollout;
  state.results = results;
  $('placeholder').hidden = true;
  $('detail').hidden = false;
  renderHeader();
  renderRollout();
  renderResults();
  document.body.dataset.loaded = key;
}

async function refresh() {
  if (!state.key) return;
  try {
    await loadExperiments();
    await loadSelected();
  } catch (e) { showError(e); }
}

async function select(key) {
  state.selected = key;
  state.stage = 'all';
  delete document.body.dataset.loaded;
  renderList();
  clearError();
  history.replaceState(null, '', `#${encodeURIComponent(key)}`);
  try { await loadSelected(); } catch (e) { showError(e); }
}

async function connect(key) {
  state.key = key;
  clearError();
  if (!key) {
    state.role = null; state.experiments = []; state.selected = null;
    $('role-badge').hidden = true; $('detail').hidden = true; $('placeholder').hidden = false;
    renderList();
    return;
  }
  try {
    state.role = await detectRole();
    localStorage.setItem(KEY_STORAGE, key);
    const badge = $('role-badge');
    badge.textContent = state.role;
    badge.hidden = false;
    document.body.dataset.role = state.role;
    await loadExperiments();
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (wanted && state.experiments.some((e) => e.key === wanted)) await select(wanted);
    else renderActions();
  } catch (e) {
    if (e.status === 401) localStorage.removeItem(KEY_STORAGE);
    state.role = null;
    showError(e);
  }
}

function confirmDialog(title, text) {
  const dlg = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}

async function runAction(action) {
  const key = state.selected;
  if (!key) return;
  if (action === 'rollback') {
    const ok = await confirmDialog('Roll back SPECS?', `This sets the SPECS share of “${key}” back to 0% and stops the rollout. All traffic returns to the baseline.`);
    if (!ok) return;
  }
  state.busy = true;
  renderActions();
  clearError();
  try {
    const body = action === 'rollback' ? { reason: 'manual rollback from the ops console' } : {};
    await api(`/api/experiments/${encodeURIComponent(key)}/rollout/${action}`, { method: 'POST', body });
    await loadExperiments();
    await loadSelected();
    const r = state.rollout;
    showInfo(`${action}: done — stage ${r?.currentStage ?? '–'}, SPECS share ${fmt.share(r?.currentShare ?? r?.share)}, status ${r?.status ?? '–'}`);
  } catch (e) {
    showError(e);
  } finally {
    state.busy = false;
    renderActions();
  }
}

function init() {
  $('key-form').addEventListener('submit', (ev) => { ev.preventDefault(); connect($('api-key').value.trim()); });
  $('key-clear').addEventListener('click', () => { localStorage.removeItem(KEY_STORAGE); $('api-key').value = ''; connect(''); });
  $('error-close').addEventListener('click', clearError);
  $('refresh').addEventListener('click', refresh);
  $('experiment-list').addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-key]');
    if (btn) select(btn.dataset.key);
  });
  $('stage-select').addEventListener('change', (ev) => {
    state.stage = ev.target.value;
    loadSelected().catch(showError);
  });
  $('actions').addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action]');
    if (btn && !btn.disabled) runAction(btn.dataset.action);
  });
  setInterval(() => { if (document.visibilityState === 'visible' && !state.busy) refresh(); }, REFRESH_MS);
  const saved = localStorage.getItem(KEY_STORAGE);
  if (saved) { $('api-key').value = saved; connect(saved); }
  else renderList();
}

init();
