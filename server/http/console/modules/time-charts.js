// Charts over time: the SPECS share as a step line, and a metric's time series per variant
// from the results API, both on a real time axis (chart-kit.js).
import { fitLeft, frame, legend, noData, timeAxis, VARIANT_LABEL, VARIANTS, yAxis, yScale } from './chart-kit.js';
import { s } from './dom.js';
import { fmt, isNum } from './format.js';

export function shareChart(history, now = Date.now()) {
  const W = 440, H = 230, label = 'SPECS share over time';
  const pts = (history ?? []).filter((h) => isNum(h?.specsShare) && h.at).map((h) => ({ ...h, t: Date.parse(h.at) })).sort((a, b) => a.t - b.t);
  if (!pts.length) return noData(W, H, label);
  const f = frame(W, H, { L: 46, R: 16, T: 16, B: 46 }, label);
  const t0 = pts[0].t, t1 = Math.max(now, pts[pts.length - 1].t + 1000);
  const ax = timeAxis(f, t0, t1);
  const ys = { ticks: [0, 0.25, 0.5, 0.75, 1], y: (v) => f.T + (1 - v) * (f.B - f.T) };
  f.root.append(...yAxis(f, ys, (t) => `${t * 100}%`), ...ax.nodes);
  let d = `M${ax.x(pts[0].t).toFixed(1)},${ys.y(pts[0].specsShare).toFixed(1)}`;
  for (let i = 1; i < pts.length; i++) d += ` H${ax.x(pts[i].t).toFixed(1)} V${ys.y(pts[i].specsShare).toFixed(1)}`;
  d += ` H${ax.x(t1).toFixed(1)}`;
  f.root.append(s('path', { d, class: 'specs line', 'data-series': 'share' }));
  for (const p of pts) {
    f.root.append(s('circle', { cx: ax.x(p.t), cy: ys.y(p.specsShare), r: 3.5, class: 'specs' },
      s('title', {}, `${fmt.timeSec(p.at)} · analysis stage ${p.stage ?? '–'} · ${fmt.share(p.specsShare)}${p.reason ? ` · ${p.reason}` : ''}`)));
  }
  return f.root;
}

export const SERIES = {
  accuracy: { label: 'Accuracy', format: (v) => fmt.pct(v, 0), bounds: { min: 0, max: 1 } },
  latencyP95: { label: 'Latency p95', format: fmt.ms, bounds: { includeZero: true } },
  latencyMean: { label: 'Latency mean', format: fmt.ms, bounds: { includeZero: true } },
  costPerRequest: { label: 'Cost / request', format: fmt.usd, bounds: { includeZero: true } },
  n: { label: 'Requests', format: fmt.int, bounds: { includeZero: true } },
};

export function timeseriesChart(points, metric, bucketMs = 60_000) {
  const W = 900, H = 240, spec = SERIES[metric] ?? SERIES.n;
  const label = `${spec.label} over time per variant`;
  const rows = (points ?? []).filter((p) => isNum(p?.[metric]) && p.bucket).map((p) => ({ ...p, t: Date.parse(p.bucket) + bucketMs / 2 }));
  // A quantile per bucket needs enough requests in the bucket; say so rather than draw nothing.
  if (!rows.length) return noData(W, H, label, points?.length ? `Insufficient data: too few requests per bucket for ${spec.label.toLowerCase()}` : 'No data yet');
  const f = frame(W, H, { L: 74, R: 20, T: 26, B: 46 }, label);
  const ts = rows.map((r) => r.t);
  const t0 = Math.min(...ts) - bucketMs / 2, t1 = Math.max(...ts) + bucketMs / 2;
  const ys = yScale(f, rows.map((r) => r[metric]), { padding: 0.05, ...spec.bounds });
  fitLeft(f, ys, spec.format);
  const ax = timeAxis(f, t0, t1, 6);
  f.root.append(...yAxis(f, ys, spec.format), ...ax.nodes);
  for (const v of VARIANTS) {
    const mine = rows.filter((r) => r.variant === v).sort((a, b) => a.t - b.t);
    if (!mine.length) continue;
    f.root.append(s('polyline', { points: mine.map((r) => `${ax.x(r.t).toFixed(1)},${ys.y(r[metric]).toFixed(1)}`).join(' '), class: `${v} line`, 'data-variant': v }));
    for (const r of mine) {
      f.root.append(s('circle', { cx: ax.x(r.t), cy: ys.y(r[metric]), r: 2.5, class: v },
        s('title', {}, `${VARIANT_LABEL[v]} · ${fmt.time(r.bucket)} · ${spec.format(r[metric])} (${fmt.int(r.n)} requests)`)));
    }
  }
  f.root.append(legend(f));
  return f.root;
}
