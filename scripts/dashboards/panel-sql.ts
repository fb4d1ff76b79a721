/**
 * The SQL of every Grafana panel in dashboards/json/specs-ab.json, written once here with the
 * outcome model's rules (server/analysis/outcome.ts). `npm run dashboards` writes them into the
 * JSON; the dashboards test fails when the JSON and this file disagree, and runs each query.
 */
import { OUTCOME_SQL as O } from '../../server/analysis/outcome';

export const PANEL_SQL: Readonly<Record<string, string>> = Object.freeze({
  "Rollout": `SELECT
  coalesce(rp.current_stage, 0) AS "stage",
  coalesce(rp.status::text, 'no plan') AS "rollout",
  e.status::text AS "experiment",
  e.specs_share AS "SPECS share"
FROM experiment e
LEFT JOIN rollout_plan rp ON rp.experiment_id = e.id
WHERE e.key = '$experiment'`,
  "Requests in range": `SELECT
  count(*) FILTER (WHERE variant = 'baseline') AS "baseline",
  count(*) FILTER (WHERE variant = 'specs') AS "specs",
  count(*) FILTER (WHERE ${O.failure}) AS "errors and timeouts"
FROM request_log
WHERE $__timeFilter(received_at) AND experiment = '$experiment'`,
  "SRM χ² (selected)": `WITH req AS (
  SELECT r.variant,
    coalesce((SELECT sh.specs_share FROM share_history sh
              WHERE sh.experiment_id = e.id AND sh.at <= r.received_at
              ORDER BY sh.at DESC LIMIT 1), e.specs_share) AS expected_share
  FROM request_log r JOIN experiment e ON e.key = r.experiment
  WHERE $__timeFilter(r.received_at) AND r.experiment = '$experiment'
), agg AS (
  SELECT count(*)::float8 AS n, (count(*) FILTER (WHERE variant = 'specs'))::float8 AS specs, sum(expected_share) AS e_specs FROM req
)
SELECT CASE WHEN e_specs > 0 AND n - e_specs > 0
            THEN (specs - e_specs) ^ 2 / e_specs + (specs - e_specs) ^ 2 / (n - e_specs) END AS "chi-square"
FROM agg`,
  "Latency p50 / p95 by variant": `SELECT
  $__timeGroupAlias(received_at, $__interval),
  variant AS metric,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
FROM request_log
WHERE $__timeFilter(received_at) AND experiment = '$experiment' AND ${O.inLatency}
GROUP BY 1, 2
ORDER BY 1`,
  "Accuracy by variant": `SELECT
  $__timeGroupAlias(received_at, $__interval),
  variant AS metric,
  avg(correct::int)::float8 AS accuracy
FROM request_log
WHERE $__timeFilter(received_at) AND experiment = '$experiment' AND ${O.graded}
GROUP BY 1, 2
ORDER BY 1`,
  "Cost per request by variant": `SELECT
  $__timeGroupAlias(received_at, $__interval),
  variant AS metric,
  avg(cost_usd)::float8 AS cost_per_request
FROM request_log
WHERE $__timeFilter(received_at) AND experiment = '$experiment'
GROUP BY 1, 2
ORDER BY 1`,
  "Traffic share: SPECS observed vs configured": `WITH b AS (
  SELECT $__timeGroup(received_at, $__interval) AS bucket,
         avg((variant = 'specs')::int)::float8 AS observed
  FROM request_log
  WHERE $__timeFilter(received_at) AND experiment = '$experiment'
  GROUP BY 1
)
SELECT
  b.bucket AS "time",
  b.observed AS "observed SPECS share",
  (SELECT sh.specs_share FROM share_history sh JOIN experiment e ON e.id = sh.experiment_id
   WHERE e.key = '$experiment' AND sh.at < to_timestamp(b.bucket) + make_interval(secs => $__interval_ms / 1000.0)
   ORDER BY sh.at DESC LIMIT 1) AS "configured SPECS share"
FROM b
ORDER BY 1`,
  "Accuracy and counts by variant": `WITH c AS (
  SELECT variant,
         count(*) AS requests,
         count(*) FILTER (WHERE ${O.graded}) AS graded,
         count(*) FILTER (WHERE ${O.failure}) AS failed,
         count(*) FILTER (WHERE ${O.correct}) AS correct,
         avg(cost_usd)::float8 AS cost_per_request,
         (sum(cost_usd) FILTER (WHERE ${O.graded}))::float8 AS graded_cost
  FROM request_log
  WHERE $__timeFilter(received_at) AND experiment = '$experiment'
  GROUP BY variant
)
SELECT variant, requests, graded, correct, failed::float8 / nullif(requests, 0) AS error_rate,
  correct::float8 / nullif(graded, 0) AS accuracy,
  (correct + 1.9208) / (graded + 3.8416) - 1.96 * sqrt(correct::float8 * (graded - correct) / nullif(graded, 0) + 0.9604) / (graded + 3.8416) AS ci_low,
  (correct + 1.9208) / (graded + 3.8416) + 1.96 * sqrt(correct::float8 * (graded - correct) / nullif(graded, 0) + 0.9604) / (graded + 3.8416) AS ci_high,
  cost_per_request,
  graded_cost / nullif(correct, 0) AS cost_per_correct
FROM c
ORDER BY variant`,
  "Sample ratio mismatch (all experiments)": `WITH req AS (
  SELECT r.experiment, r.variant,
    coalesce((SELECT sh.specs_share FROM share_history sh
              WHERE sh.experiment_id = e.id AND sh.at <= r.received_at
              ORDER BY sh.at DESC LIMIT 1), e.specs_share) AS expected_share
  FROM request_log r JOIN experiment e ON e.key = r.experiment
  WHERE $__timeFilter(r.received_at)
), agg AS (
  SELECT experiment,
         count(*)::float8 AS n,
         (count(*) FILTER (WHERE variant = 'specs'))::float8 AS specs,
         sum(expected_share)::float8 AS e_specs
  FROM req GROUP BY experiment
), chi AS (
  SELECT *,
    CASE WHEN e_specs > 0 AND n - e_specs > 0
         THEN (specs - e_specs) ^ 2 / e_specs + (specs - e_specs) ^ 2 / (n - e_specs) END AS chi_square,
    (e_specs = 0 AND specs > 0) OR (n - e_specs = 0 AND n - specs > 0) AS impossible
  FROM agg
), p AS (
  SELECT *, 1 / (1 + 0.3275911 * sqrt(chi_square / 2)) AS t FROM chi
)
SELECT experiment,
  n::bigint AS requests,
  (n - specs)::bigint AS baseline,
  specs::bigint AS specs,
  specs / n AS observed_share,
  e_specs / n AS expected_share,
  chi_square,
  CASE WHEN impossible THEN 0
       WHEN chi_square IS NULL THEN 1
       ELSE t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * exp(-chi_square / 2)
  END AS p_value,
  CASE WHEN impossible OR chi_square > 10.83 THEN 'SRM' ELSE 'ok' END AS srm
FROM p
ORDER BY experiment`,
  "Rollout stages and decisions": `SELECT d.at AS "time", d.stage, d.verdict, d.actor,
  (SELECT string_agg(coalesce(x->>'code', '') || ': ' || coalesce(x->>'message', x #>> '{}'), '; ')
     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(d.reasons::jsonb) = 'array' THEN d.reasons::jsonb ELSE '[]'::jsonb END) x) AS reasons
FROM rollout_decision d JOIN experiment e ON e.id = d.experiment_id
WHERE e.key = '$experiment' AND $__timeFilter(d.at)
ORDER BY d.at DESC
LIMIT 200`,
  "Share history": `SELECT sh.at AS "time", sh.stage, sh.specs_share, sh.reason
FROM share_history sh JOIN experiment e ON e.id = sh.experiment_id
WHERE e.key = '$experiment' AND $__timeFilter(sh.at)
ORDER BY sh.at DESC`,
  "annotation:Rollout decisions": `    SELECT d.at AS "time", d.verdict || ' (stage ' || d.stage || ', ' || d.actor || ')' AS text, d.verdict AS tags
    FROM rollout_decision d JOIN experiment e ON e.id = d.experiment_id
    WHERE e.key = '$experiment' AND $__timeFilter(d.at)
    ORDER BY d.at`,
  "variable:experiment": `SELECT key FROM experiment ORDER BY created_at DESC`,
});
