import { barChart, escapeXml, lineChart, niceTicks, scatterChart } from './svg-chart';

describe('svg charts', () => {
  it.each([
    ['bar', () => barChart({ title: 'FPR <α>', categories: ['a', 'b'], series: [{ name: 's', values: [0.05, 0.3] }], yLabel: 'rate', referenceLines: [{ y: 0.05, label: 'α' }] })],
    ['scatter', () => scatterChart({ title: 't', points: [{ x: 1, y: 2, label: 'p', series: 'A' }, { x: 3, y: 1, series: 'B' }], xLabel: 'x', yLabel: 'y' })],
    ['line', () => lineChart({ title: 't', series: [{ name: 'a', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }] })],
  ])('%s chart is a well-formed standalone SVG', (_n, make) => {
    const svg = make();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  it('escapes text and produces covering ticks', () => {
    expect(escapeXml('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
    const t = niceTicks(0, 0.33);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]!).toBeGreaterThanOrEqual(0.33);
  });
});
