// Frame, axes and legend for the console's inline SVG charts. Scales and ticks come from the
// server's chart-scale module (the report uses the same), so every domain covers its data and
// nothing drawn leaves the chart's box.
import { clampTo, linearScale, niceDomain, timeTickLabels, timeTicks } from './chart-scale.js';
import { s } from './dom.js';
import { fmt, tzOffset } from './format.js';

export const VARIANTS = ['baseline', 'specs'];
export const VARIANT_LABEL = { baseline: 'Baseline', specs: 'SPECS' };

export function frame(W, H, margin, label) {
  const root = s('svg', { viewBox: `0 0 ${W} ${H}`, xmlns: 'http://www.w3.org/2000/svg', role: 'img', 'aria-label': label });
  return { root, W, H, L: margin.L, R: W - margin.R, T: margin.T, B: H - margin.B };
}

export function noData(W, H, label, text = 'No data yet') {
  const f = frame(W, H, { L: 0, R: 0, T: 0, B: 0 }, label);
  f.root.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'nodata' }, text));
  return f.root;
}

/** A y scale over every value, with room above the largest for value labels. */
export function yScale(f, values, options = {}) {
  const d = niceDomain(values, { count: 4, ...options });
  return { ...d, y: linearScale([d.lo, d.hi], [f.B, f.T]) };
}

// 11 px labels: about 6.6 px per character at the widest (digits, $, %), so a margin computed
// from the longest tick label always holds it.
export const CHAR_PX = 6.6;

/** Widens the left margin to the longest y label; call before anything uses f.L. */
export function fitLeft(f, scale, format) {
  const longest = Math.max(0, ...scale.ticks.map((t) => String(format(t)).length));
  f.L = Math.max(f.L, Math.ceil(longest * CHAR_PX) + 12);
  return f;
}

export function yAxis(f, scale, format) {
  return scale.ticks.map((t) => s('g', { class: 'tick' },
    s('line', { x1: f.L, x2: f.R, y1: scale.y(t), y2: scale.y(t), class: 'grid' }),
    s('text', { x: f.L - 6, y: clampTo(scale.y(t) + 4, f.T - 4, f.B + 4), 'text-anchor': 'end' }, format(t))));
}

export function legend(f, names = VARIANTS) {
  return s('g', { class: 'legend' }, names.map((v, i) => [
    s('rect', { x: f.L + i * 90, y: 6, width: 10, height: 10, rx: 2, class: v }),
    s('text', { x: f.L + i * 90 + 15, y: 15 }, VARIANT_LABEL[v] ?? v),
  ]));
}

/**
 * A real time axis: round local times, labels that never repeat, the date where it changes;
 * the first and last labels anchored inwards so they stay inside the box.
 */
export function timeAxis(f, t0, t1, maxTicks = 4) {
  const x = linearScale([t0, t1], [f.L, f.R]);
  const { step, ticks } = timeTicks(t0, t1, maxTicks, tzOffset());
  const labels = timeTickLabels(ticks, step, tzOffset());
  const nodes = ticks.map((t, i) => {
    const px = x(t);
    const anchor = px - f.L < 30 ? 'start' : f.R - px < 30 ? 'end' : 'middle';
    return s('g', { class: 'tick' },
      s('line', { x1: px, x2: px, y1: f.B, y2: f.B + 4, class: 'axis' }),
      s('text', { x: px, y: f.B + 16, 'text-anchor': anchor, 'data-time': new Date(t).toISOString() }, labels[i]));
  });
  nodes.push(s('line', { x1: f.L, x2: f.R, y1: f.B, y2: f.B, class: 'axis' }));
  nodes.push(s('text', { x: f.R, y: f.H - 4, 'text-anchor': 'end', class: 'caption' }, `${fmt.time(t0)} → ${fmt.time(t1)} (${fmt.zone()})`));
  return { x, nodes };
}
