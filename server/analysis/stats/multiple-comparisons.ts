export type AdjustMethod = 'holm' | 'bh';

/**
 * Adjusted p-values: Holm step-down (family-wise error) or Benjamini–Hochberg
 * step-up (false discovery rate). Output order matches input order.
 */
export function adjustPValues(pValues: readonly number[], method: AdjustMethod): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(m).fill(1);
  if (method === 'holm') {
    let running = 0;
    order.forEach(({ p, i }, k) => {
      running = Math.max(running, Math.min(1, (m - k) * p));
      out[i] = running;
    });
  } else {
    let running = 1;
    for (let k = m - 1; k >= 0; k--) {
      const { p, i } = order[k]!;
      running = Math.min(running, (m * p) / (k + 1));
      out[i] = Math.min(1, running);
    }
  }
  return out;
}
