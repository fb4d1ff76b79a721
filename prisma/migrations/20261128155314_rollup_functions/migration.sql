-- Hand-written: helpers for the per-minute request rollup (server/telemetry/request-log-writer.ts)
-- and for the KPI queries that read it. Unqualified names resolve in the migrated schema.

-- Element-wise sum of two int arrays (latency histograms). NULL counts as all zeros, and the
-- shorter array is padded with zeros, so histograms of different lengths still add.
CREATE OR REPLACE FUNCTION int_array_add(a INTEGER[], b INTEGER[]) RETURNS INTEGER[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN a IS NULL THEN b
    WHEN b IS NULL THEN a
    ELSE (SELECT array_agg(COALESCE(x, 0) + COALESCE(y, 0) ORDER BY i)
            FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i))
  END
$$;

-- Sum of histograms across rows: SELECT int_array_sum(latency_hist) FROM request_rollup WHERE ...
CREATE OR REPLACE AGGREGATE int_array_sum(INTEGER[]) (
  SFUNC = int_array_add,
  STYPE = INTEGER[],
  COMBINEFUNC = int_array_add,
  PARALLEL = SAFE
);

-- Histogram from (bucket index, count) pairs: the array of `n` counts, index 0-based.
CREATE OR REPLACE FUNCTION int_hist_from_pairs(idx INTEGER[], cnt INTEGER[], n INTEGER) RETURNS INTEGER[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(COALESCE(p.c, 0) ORDER BY g.i)
    FROM generate_series(0, n - 1) AS g(i)
    LEFT JOIN (SELECT u.i, sum(u.c)::int AS c FROM unnest(idx, cnt) AS u(i, c) GROUP BY u.i) AS p ON p.i = g.i
$$;
