// Results charts: latency distribution, accuracy with its interval, cost bars. Each domain
// covers every value it draws (bars, whiskers, labels), so nothing is clipped.
import { clampTo, linearScale } from './chart-scale.js';
import { CHAR_PX, fitLeft, frame, legend, noData, VARIANT_LABEL, VARIANTS, yAxis, yScale } from './chart-kit.js';
import { s } from './dom.js';
import { fmt, isNum } from './format.js';

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
  for (let st = Math.max(0, first - width); st <= Math.min(len - 1, last + width); st += width) {
    const e = Math.min(len - 1, st + width - 1);
    const upper = hist.bounds?.[e];
    bins.push({ upper: isNum(upper) ? upper : null, counts: counts.map((c) => c.slice(st, e + 1).reduce((a, b) => a + (b ?? 0), 0)) });
  }
  return bins;
}

export function latencyChart(hist) {
  const W = 440, H = 230, label = 'Latency distribution per variant';
  const bins = rebin(hist);
  if (!bins) return noData(W, H, label);
  const f = frame(W, H, { L: 46, R: 14, T: 28, B: 40 }, label);
  const totals = VARIANTS.map((_, k) => bins.reduce((a, b) => a + b.counts[k], 0) || 1);
  const shares = bins.map((b) => b.counts.map((c, k) => c / totals[k]));
  const ys = yScale(f, shares.flat(), { includeZero: true, headroom: 0.05, max: 1 });
  const pctTick = (t) => `${+(t * 100).toFixed(1)}%`;
  fitLeft(f, ys, pctTick);
  const x = linearScale([0, Math.max(1, bins.length - 1)], [f.L, f.R]);
  f.root.append(...yAxis(f, ys, pctTick));
  VARIANTS.forEach((v, k) => {
    const pts = shares.map((sh, j) => `${x(j).toFixed(1)},${ys.y(sh[k]).toFixed(1)}`).join(' ');
    f.root.append(s('polygon', { points: `${x(0).toFixed(1)},${ys.y(0).toFixed(1)} ${pts} ${x(bins.length - 1).toFixed(1)},${ys.y(0).toFixed(1)}`, class: `${v} area` }));
    f.root.append(s('polyline', { points: pts, class: `${v} line`, 'data-variant': v }));
  });
  // As many bin labels as fit side by side: at most five, each a little wider than the longest.
  const binLabel = (b) => (b.upper === null ? '∞' : fmt.ms(b.upper));
  const widest = Math.max(...bins.map((b) => binLabel(b).length)) * CHAR_PX + 10;
  const perBin = (f.R - f.L) / Math.max(1, bins.length - 1);
  const every = Math.max(1, Math.ceil(bins.length / 5), Math.ceil(widest / perBin));
  for (let j = 0; j < bins.length; j += every) {
    const px = x(j);
    const anchor = px - f.L < 24 ? 'start' : f.R - px < 24 ? 'end' : 'middle';
    f.root.append(s('text', { x: px, y: f.B + 14, 'text-anchor': anchor }, binLabel(bins[j])));
  }
  f.root.append(s('line', { x1: f.L, x2: f.R, y1: ys.y(0), y2: ys.y(0), class: 'axis' }));
  f.root.append(s('text', { x: f.R, y: H - 4, 'text-anchor': 'end', class: 'caption' }, 'latency (log scale), share of requests'));
  f.root.append(legend(f));
  return f.root;
}

export function accuracyChart(variants, ciLabel = '95% CI') {
  const W = 440, H = 230, label = `Accuracy with ${ciLabel} per variant`;
  const rows = VARIANTS.map((v) => ({ v, k: variants?.[v] })).filter((r) => r.k && isNum(r.k.accuracy));
  if (!rows.length) return noData(W, H, label);
  const f = frame(W, H, { L: 46, R: 70, T: 24, B: 30 }, label);
  const ends = rows.flatMap((r) => [r.k.accuracy, ...(r.k.accuracyCi ?? [])]).filter(isNum);
  const ys = yScale(f, ends, { padding: 0.15, min: 0, max: 1 });
  fitLeft(f, ys, (t) => `${+(t * 100).toFixed(1)}%`);
  const x = (i) => f.L + ((i + 0.5) / VARIANTS.length) * (f.R - f.L);
  f.root.append(...yAxis(f, ys, (t) => `${+(t * 100).toFixed(1)}%`));
  VARIANTS.forEach((v, i) => {
    f.root.append(s('text', { x: x(i), y: H - 8, 'text-anchor': 'middle' }, VARIANT_LABEL[v]));
    const k = variants?.[v];
    if (!k || !isNum(k.accuracy)) return;
    const [a, b] = k.accuracyCi ?? [k.accuracy, k.accuracy];
    f.root.append(s('g', { 'data-variant': v, class: 'ci' },
      s('line', { x1: x(i), x2: x(i), y1: ys.y(a), y2: ys.y(b), class: v, 'stroke-width': 2 }),
      s('line', { x1: x(i) - 10, x2: x(i) + 10, y1: ys.y(a), y2: ys.y(a), class: v, 'stroke-width': 2 }),
      s('line', { x1: x(i) - 10, x2: x(i) + 10, y1: ys.y(b), y2: ys.y(b), class: v, 'stroke-width': 2 }),
      s('circle', { cx: x(i), cy: ys.y(k.accuracy), r: 5, class: v }, s('title', {}, `${VARIANT_LABEL[v]}: ${fmt.pct(k.accuracy)} [${fmt.pct(a)}, ${fmt.pct(b)}]`)),
      s('text', { x: x(i) + 16, y: clampTo(ys.y(k.accuracy) + 4, f.T + 8, f.B), class: 'bar-label' }, fmt.pct(k.accuracy))));
  });
  return f.root;
}

export function costChart(variants) {
  const W = 440, H = 230, label = 'Cost per request and per correct answer';
  const groups = [['costPerRequest', 'per request'], ['costPerCorrect', 'per correct answer']];
  const vals = groups.flatMap(([k]) => VARIANTS.map((v) => variants?.[v]?.[k])).filter(isNum);
  if (!vals.length) return noData(W, H, label);
  const f = frame(W, H, { L: 74, R: 14, T: 28, B: 30 }, label);
  // Headroom so the value labels above the tallest bar (two rows when they collide) stay inside the chart.
  const ys = yScale(f, vals, { includeZero: true, headroom: 0.3 });
  fitLeft(f, ys, fmt.usd);
  const gw = (f.R - f.L) / groups.length, bw = Math.min(56, gw / 3.2);
  f.root.append(...yAxis(f, ys, fmt.usd));
  groups.forEach(([key, name], g) => {
    const cx = f.L + gw * (g + 0.5);
    const labels = [];
    VARIANTS.forEach((v, i) => {
      const val = variants?.[v]?.[key];
      if (!isNum(val)) return;
      const bx = cx + (i - 1) * (bw + 6) + 3;
      const top = ys.y(val);
      f.root.append(s('rect', { x: bx, y: top, width: bw, height: Math.max(0, ys.y(0) - top), rx: 3, class: v, 'data-variant': v, 'data-metric': key },
        s('title', {}, `${VARIANT_LABEL[v]} ${name}: ${fmt.usd(val)}`)));
      labels.push({ x: bx + bw / 2, y: top - 5, text: fmt.usd(val) });
    });
    // Two labels wider than their bars that sit at about the same height: the higher one moves up a row.
    const [a, b] = labels;
    if (a && b && Math.abs(a.y - b.y) < 13 && Math.abs(a.x - b.x) < ((a.text.length + b.text.length) * CHAR_PX) / 2 + 4) {
      const up = a.y <= b.y ? a : b;
      up.y = Math.min(a.y, b.y) - 13;
    }
    for (const l of labels) f.root.append(s('text', { x: l.x, y: clampTo(l.y, f.T + 10, f.B - 2), 'text-anchor': 'middle', class: 'bar-label' }, l.text));
    f.root.append(s('text', { x: cx, y: H - 8, 'text-anchor': 'middle' }, name));
  });
  f.root.append(s('line', { x1: f.L, x2: f.R, y1: ys.y(0), y2: ys.y(0), class: 'axis' }));
  f.root.append(legend(f));
  return f.root;
}
