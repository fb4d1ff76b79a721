/**
 * Groups equal keys: `unique` holds the index of each key's first occurrence,
 * `slot[i]` the position in `unique` of item i's key. Sampled steps repeat a
 * lot (n draws of an easy step are often identical), so verifying each
 * distinct one once saves most of the verification compute.
 */
export function dedupe(keys: readonly string[]): { unique: number[]; slot: number[] } {
  const seen = new Map<string, number>();
  const unique: number[] = [];
  const slot = keys.map((k, i) => {
    let s = seen.get(k);
    if (s === undefined) {
      s = unique.length;
      seen.set(k, s);
      unique.push(i);
    }
    return s;
  });
  return { unique, slot };
}

export const stepKey = (step: { text: string; eos: boolean }) => (step.eos ? `${step.text}\u0000eos` : step.text);
