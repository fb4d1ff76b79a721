/** Minimal hand-written SVG scatter chart (labelled points, linear axes). */
export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  /** Points with the same series share a colour. */
  readonly series: string;
}

export interface ScatterOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function scatterSvg(points: readonly ScatterPoint[], o: ScatterOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 480;
  const m = { left: 70, right: 170, top: 40, bottom: 55 };
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xMax = Math.max(1, ...xs) * 1.1;
  const yLo = Math.max(0, Math.min(1, ...ys) - 0.1);
  const yHi = Math.min(1, Math.max(0, ...ys) + 0.1);
  const px = (x: number) => m.left + (x / xMax) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - yLo) / (yHi - yLo || 1)) * (H - m.top - m.bottom);
  const series = [...new Set(points.map((p) => p.series))];
  const colour = (s: string) => COLOURS[series.indexOf(s) % COLOURS.length]!;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  for (const t of niceTicks(0, xMax)) {
    out.push(`<line x1="${px(t)}" y1="${m.top}" x2="${px(t)}" y2="${H - m.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${px(t)}" y="${H - m.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(yLo, yHi)) {
    out.push(`<line x1="${m.left}" y1="${py(t)}" x2="${W - m.right}" y2="${py(t)}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 8}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 15}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const p of points) {
    out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="5" fill="${colour(p.series)}"><title>${esc(p.label)}</title></circle>`);
    out.push(`<text x="${(px(p.x) + 7).toFixed(1)}" y="${(py(p.y) - 7).toFixed(1)}" font-size="10">${esc(p.label)}</text>`);
  }
  series.forEach((s, i) => {
    const y = m.top + 10 + i * 18;
    out.push(`<circle cx="${W - m.right + 20}" cy="${y}" r="5" fill="${colour(s)}"/><text x="${W - m.right + 30}" y="${y + 4}">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
