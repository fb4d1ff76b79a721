/**
 * Fixed log-spaced latency buckets shared by the request-log writer (per-minute rollup histograms,
 * `request_rollup.latency_hist`) and the analysis code that reads them (percentiles over millions
 * of requests from thousands of rollup rows). Defined once here; changing them invalidates stored
 * histograms, so treat them as part of the schema.
 *
 * Bucket 0 holds latencies below LATENCY_HIST_MIN_MS; bucket i (1 ≤ i < N-1) holds
 * [MIN·2^((i-1)/PER_DOUBLING), MIN·2^(i/PER_DOUBLING)); the last bucket holds everything from
 * MIN·2^(DOUBLINGS) (≈17.5 min) up. 16 buckets per doubling bound the relative error of a
 * percentile read at the bucket's geometric midpoint to ±2.2 %.
 */
export const LATENCY_HIST_MIN_MS = 0.25;
export const LATENCY_BUCKETS_PER_DOUBLING = 16;
/** 0.25 ms · 2^22 ≈ 1,048,576 ms ≈ 17.5 min, comfortably above the 10-minute ceiling. */
export const LATENCY_HIST_DOUBLINGS = 22;
export const LATENCY_BUCKET_COUNT = LATENCY_HIST_DOUBLINGS * LATENCY_BUCKETS_PER_DOUBLING + 2;

/** Exclusive upper bound of each bucket, in ms (last: Infinity). Length LATENCY_BUCKET_COUNT. */
export const LATENCY_BUCKET_BOUNDS: readonly number[] = Object.freeze(
  Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) =>
    i === LATENCY_BUCKET_COUNT - 1 ? Number.POSITIVE_INFINITY : LATENCY_HIST_MIN_MS * 2 ** (i / LATENCY_BUCKETS_PER_DOUBLING),
  ),
);

/** Inclusive lower bound of each bucket, in ms (first: 0). */
export const LATENCY_BUCKET_LOWER_BOUNDS: readonly number[] = Object.freeze(
  Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => (i === 0 ? 0 : LATENCY_HIST_MIN_MS * 2 ** ((i - 1) / LATENCY_BUCKETS_PER_DOUBLING))),
);

/** Bucket index for a latency in ms; NaN and negatives count as bucket 0. */
export function latencyBucketIndex(ms: number): number {
  if (!(ms >= LATENCY_HIST_MIN_MS)) return 0;
  const i = 1 + Math.floor(LATENCY_BUCKETS_PER_DOUBLING * Math.log2(ms / LATENCY_HIST_MIN_MS));
  return Math.min(LATENCY_BUCKET_COUNT - 1, i);
}

/**
 * SQL expression (int) giving the bucket index of the float expression `column`, identical to
 * `latencyBucketIndex` up to floating-point ties. `column` is interpolated: pass trusted SQL only.
 */
export function latencyBucketSql(column: string): string {
  return (
    `(CASE WHEN (${column})::float8 >= ${LATENCY_HIST_MIN_MS} ` +
    `THEN LEAST(${LATENCY_BUCKET_COUNT - 1}, 1 + floor(${LATENCY_BUCKETS_PER_DOUBLING} * ln((${column})::float8 / ${LATENCY_HIST_MIN_MS}) / ln(2.0::float8))::int) ` +
    `ELSE 0 END)`
  );
}

/** Histogram (counts per bucket) of a list of latencies, as the rollup stores it. */
export function latencyHistogram(values: Iterable<number>): number[] {
  const hist = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  for (const v of values) hist[latencyBucketIndex(v)]! += 1;
  return hist;
}
