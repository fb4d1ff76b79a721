import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sampleRatioMismatch } from '../../server/analysis/stats';
import { createTestDatabase, type TestDatabase } from '../support';
import { applyPanelSql, DASHBOARD_FILE } from '../../scripts/dashboards';

/**
 * Every SQL query in the provisioned Grafana dashboards, expanded the way Grafana's
 * Postgres datasource does (template variables in the frontend first, then the
 * backend macros), run against a seeded schema: a dashboard that only breaks in
 * Grafana is a dashboard nobody notices is broken.
 */
const ROOT = path.resolve(__dirname, '../../dashboards');
const DASHBOARD_DIR = path.join(ROOT, 'json');

interface Target { refId: string; rawSql: string; format: 'time_series' | 'table'; datasource?: { uid?: string } }
interface Panel { id: number; type: string; title: string; targets?: Target[]; datasource?: { uid?: string } }
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string; datasource?: { uid?: string } }[] };
  annotations: { list: { name: string; target?: Target; datasource?: { uid?: string } }[] };
}

interface Range { from: Date; to: Date; intervalMs: number; vars: Record<string, string> }

const DURATION: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
function durationSeconds(arg: string): number {
  const m = /^'?(\d+)(ms|s|m|h|d|w)'?$/.exec(arg.trim());
  if (!m) throw new Error(`unsupported interval ${arg}`);
  return (Number(m[1]) * DURATION[m[2]!]!) / 1000;
}
function grafanaInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Frontend template interpolation: a single-valued query variable is substituted raw. */
export function interpolateVariables(sql: string, r: Range): string {
  let out = sql.replace(/\$__interval_ms\b/g, String(r.intervalMs)).replace(/\$__interval\b/g, grafanaInterval(r.intervalMs));
  for (const [name, value] of Object.entries(r.vars)) {
    out = out.replace(new RegExp(`\\$\\{${name}(?::raw)?\\}|\\[\\[${name}\\]\\]|\\$${name}\\b`, 'g'), value);
  }
  return out;
}

/** Backend macros of Grafana's Postgres datasource (pkg/tsdb/grafana-postgresql-datasource/macros.go). */
export function expandMacros(sql: string, r: Range): string {
  return sql.replace(/\$(__[_a-zA-Z0-9]+)\(([^)]*)\)/g, (whole, name: string, rawArgs: string) => {
    const args = rawArgs.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
    const from = rfc3339(r.from);
    const to = rfc3339(r.to);
    switch (name) {
      case '__time': return `${args[0]} AS "time"`;
      case '__timeEpoch': return `extract(epoch from ${args[0]}) AS "time"`;
      case '__timeFilter': return `${args[0]} BETWEEN '${from}' AND '${to}'`;
      case '__timeFrom': return `'${from}'`;
      case '__timeTo': return `'${to}'`;
      case '__timeGroup':
      case '__timeGroupAlias': {
        const s = durationSeconds(args[1] ?? '');
        const expr = `floor(extract(epoch from ${args[0]})/${s})*${s}`;
        return name === '__timeGroupAlias' ? `${expr} AS "time"` : expr;
      }
      case '__unixEpochFilter': return `${args[0]} >= ${Math.floor(r.from.getTime() / 1000)} AND ${args[0]} <= ${Math.floor(r.to.getTime() / 1000)}`;
      case '__unixEpochFrom': return String(Math.floor(r.from.getTime() / 1000));
      case '__unixEpochTo': return String(Math.floor(r.to.getTime() / 1000));
      default: throw new Error(`macro ${whole} is not supported by this test`);
    }
  });
}

const expand = (sql: string, r: Range) => expandMacros(interpolateVariables(sql, r), r);

const dashboards: [string, Dashboard][] = readdirSync(DASHBOARD_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(path.join(DASHBOARD_DIR, f), 'utf8')) as Dashboard]);

const panelQueries = dashboards.flatMap(([file, d]) =>
  d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ file, panel: p, target: t, name: `${file} › ${p.title} › ${t.refId}` }))));

/** Columns each panel must return, beyond `time` for time series. */
const EXPECTED_COLUMNS: Record<string, string[]> = {
  Rollout: ['stage', 'rollout', 'experiment', 'SPECS share'],
  'Requests in range': ['baseline', 'specs', 'errors and timeouts'],
  'SRM χ² (selected)': ['chi-square'],
  'Latency p50 / p95 by variant': ['metric', 'p50', 'p95'],
  'Accuracy by variant': ['metric', 'accuracy'],
  'Cost per request by variant': ['metric', 'cost_per_request'],
  'Traffic share: SPECS observed vs configured': ['observed SPECS share', 'configured SPECS share'],
  'Accuracy and counts by variant': ['variant', 'requests', 'graded', 'correct', 'error_rate', 'accuracy', 'ci_low', 'ci_high', 'cost_per_request', 'cost_per_correct'],
  'Sample ratio mismatch (all experiments)': ['experiment', 'requests', 'baseline', 'specs', 'observed_share', 'expected_share', 'chi_square', 'p_value', 'srm'],
  'Rollout stages and decisions': ['time', 'stage', 'verdict', 'actor', 'reasons'],
  'Share history': ['time', 'stage', 'specs_share', 'reason'],
};

describe('Grafana provisioning files', () => {
  it('points the datasource at env-configured Postgres with the uid the panels use', () => {
    const yaml = readFileSync(path.join(ROOT, 'provisioning/datasources/postgres.yaml'), 'utf8');
    expect(yaml).toMatch(/uid:\s*specs-postgres/);
    expect(yaml).toMatch(/type:\s*grafana-postgresql-datasource/);
    for (const v of ['SPECS_PG_HOST', 'SPECS_PG_PORT', 'SPECS_PG_USER', 'SPECS_PG_PASSWORD', 'SPECS_PG_DB']) expect(yaml).toContain(`\${${v}}`);
  });

  it('has a dashboard provider that reads the folder the JSON is mounted at', () => {
    const yaml = readFileSync(path.join(ROOT, 'provisioning/dashboards/dashboards.yaml'), 'utf8');
    expect(yaml).toMatch(/type:\s*file/);
    expect(yaml).toMatch(/path:\s*\/var\/lib\/grafana\/dashboards\/specs/);
  });

  it.each(dashboards)('%s is a modern dashboard whose queries all use the provisioned datasource', (_file, d) => {
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(d.templating.list.map((v) => v.name)).toContain('experiment');
    const uids = [...d.panels.flatMap((p) => [p.datasource?.uid, ...(p.targets ?? []).map((t) => t.datasource?.uid)]),
      ...d.templating.list.map((v) => v.datasource?.uid)];
    expect(new Set(uids)).toEqual(new Set(['specs-postgres']));
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    const types = new Set(d.panels.map((p) => p.type));
    for (const t of ['timeseries', 'stat', 'table']) expect(types).toContain(t);
    for (const p of d.panels) for (const t of p.targets ?? []) expect(['time_series', 'table']).toContain(t.format);
  });

  it('macro expansion matches Grafana for the forms the dashboards use', () => {
    const r: Range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T06:00:00Z'), intervalMs: 60_000, vars: { experiment: 'exp-1' } };
    expect(expand(`SELECT $__timeGroupAlias(received_at, $__interval) WHERE $__timeFilter(received_at) AND experiment = '$experiment' AND x = '\${experiment}'`, r))
      .toBe(`SELECT floor(extract(epoch from received_at)/60)*60 AS "time" WHERE received_at BETWEEN '2026-01-01T00:00:00Z' AND '2026-01-01T06:00:00Z' AND experiment = 'exp-1' AND x = 'exp-1'`);
    expect(expand(`$__timeGroup(at, '5m') $__timeFrom() $__timeTo() $__interval_ms $__unixEpochFilter(ts)`, r))
      .toBe(`floor(extract(epoch from at)/300)*300 '2026-01-01T00:00:00Z' '2026-01-01T06:00:00Z' 60000 ts >= 1767225600 AND ts <= 1767247200`);
  });
});

describe('Grafana dashboard SQL on a seeded schema', () => {
  let db: TestDatabase;
  const now = new Date();
  const range = (): Range => ({ from: new Date(now.getTime() - 6 * 3_600_000), to: now, intervalMs: 60_000, vars: { experiment: 'dash-exp' } });
  // Seeded counts, for checking the numbers the panels compute.
  const counts = { baseline: 0, specs: 0 };
  const graded = { baseline: { n: 0, correct: 0 }, specs: { n: 0, correct: 0 } };
  let expectedSpecs = 0;

  beforeAll(async () => {
    db = await createTestDatabase('grafana');
    const q = (sql: string, params: unknown[] = []) => db.pool.query(sql, params);
    const exp = await q(`INSERT INTO experiment (id, key, name, status, specs_share, hash_seed, updated_at)
      VALUES (gen_random_uuid(), 'dash-exp', 'Dashboard experiment', 'running', 0.25, 'dash-exp', now()),
             (gen_random_uuid(), 'dash-skewed', 'Skewed split', 'running', 0.5, 'dash-skewed', now()) RETURNING id, key`);
    const id = (key: string) => exp.rows.find((r) => r.key === key)!.id as string;
    const t = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
    await q(`INSERT INTO share_history (experiment_id, at, specs_share, stage, reason) VALUES
      ($1, $2, 0.05, 0, 'rollout started'), ($1, $3, 0.25, 1, 'gate advanced'), ($4, $2, 0.5, 0, 'created')`,
      [id('dash-exp'), t(200), t(90), id('dash-skewed')]);
    await q(`INSERT INTO rollout_plan (id, experiment_id, stages, guardrails, status, current_stage, stage_started_at, updated_at)
      VALUES (gen_random_uuid(), $1, '[{"share":0.05},{"share":0.25},{"share":1}]', '{}', 'running', 1, $2, now())`, [id('dash-exp'), t(90)]);
    await q(`INSERT INTO rollout_decision (experiment_id, at, stage, verdict, actor, reasons, metrics) VALUES
      ($1, $2, 0, 'start', 'admin', '[]', '{}'),
      ($1, $3, 0, 'advance', 'gate', '[{"code":"ALL_GUARDRAILS_PASS","message":"all guardrails pass"}]', '{}'),
      ($1, $4, 1, 'hold', 'gate', '[{"code":"INSUFFICIENT_SAMPLE","message":"need 200 graded per arm"}]', '{}')`,
      [id('dash-exp'), t(180), t(90), t(30)]);

    // dash-exp: 180 minutes of traffic, ~5% SPECS then ~25% SPECS, deterministic pattern.
    const rows: unknown[][] = [];
    for (let i = 0; i < 720; i++) {
      const minutesAgo = 180.5 - (i + 1) / 4;
      const share = minutesAgo > 90 ? 0.05 : 0.25;
      const variant = (i * 0.61803398875) % 1 < share ? 'specs' : 'baseline';
      expectedSpecs += share;
      counts[variant]++;
      const correct = i % 7 === 0 ? null : (i * 13) % 10 < (variant === 'specs' ? 8 : 7);
      if (correct !== null) { graded[variant].n++; if (correct) graded[variant].correct++; }
      const latency = (variant === 'specs' ? 120 : 180) + ((i * 37) % 100);
      rows.push([`dash-${i}`, 'dash-exp', minutesAgo > 90 ? 0 : 1, variant, variant === 'specs' ? 'specs' : 'beam', `u${i}`, t(minutesAgo), latency,
        variant === 'specs' ? 0.0004 : 0.0006, correct, correct === null ? 'none' : 'reference', i % 50 === 0 ? 'error' : 'ok']);
    }
    // dash-skewed: 300 requests, 40 to SPECS at a configured 50%: a broken split.
    for (let i = 0; i < 300; i++) {
      rows.push([`skew-${i}`, 'dash-skewed', 0, i < 40 ? 'specs' : 'baseline', 'x', `s${i}`, t(60 - i / 10), 100, 0.0005, null, 'none', 'ok']);
    }
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      const values = chunk.map((_, r) => `(${Array.from({ length: 12 }, (__, c) => `$${r * 12 + c + 1}`).join(', ')})`).join(', ');
      await q(`INSERT INTO request_log (request_id, experiment, stage, variant, strategy, unit_hash, received_at, latency_ms, cost_usd, correct, grading_source, status) VALUES ${values}`, chunk.flat());
    }
  });

  afterAll(async () => { await db?.drop(); });

  const run = async (sql: string) => db.pool.query(expand(sql, range()));

  it.each(dashboards.flatMap(([file, d]) => d.templating.list.map((v) => [`${file} › $${v.name}`, v.query] as const)))(
    'template variable %s lists the experiment keys', async (_name, sql) => {
      const res = await run(sql);
      expect(res.rows.map((r) => Object.values(r)[0])).toEqual(expect.arrayContaining(['dash-exp', 'dash-skewed']));
    });

  it.each(dashboards.flatMap(([file, d]) => d.annotations.list.filter((a) => a.target).map((a) => [`${file} › ${a.name}`, a.target!] as const)))(
    'annotation %s returns time, text and tags', async (_name, target) => {
      const res = await run(target.rawSql);
      expect(res.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['time', 'text', 'tags']));
      expect(res.rows).toHaveLength(3);
    });

  it.each(panelQueries.map((p) => [p.name, p] as const))('%s returns rows with the expected columns', async (_name, { panel, target }) => {
    const res = await run(target.rawSql);
    const columns = res.fields.map((f) => f.name);
    expect(res.rows.length).toBeGreaterThan(0);
    if (target.format === 'time_series') {
      expect(columns).toContain('time');
      const times = res.rows.map((r) => Number(r.time));
      expect(times.every((x) => Number.isFinite(x))).toBe(true);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
    const expected = EXPECTED_COLUMNS[panel.title];
    expect(expected).toBeDefined();
    expect(columns).toEqual(expect.arrayContaining(expected!));
  });

  const byTitle = (title: string) => panelQueries.find((p) => p.panel.title === title)!.target.rawSql;

  it('accuracy table counts match the seeded rows', async () => {
    const res = await run(byTitle('Accuracy and counts by variant'));
    for (const v of ['baseline', 'specs'] as const) {
      const row = res.rows.find((r) => r.variant === v)!;
      expect(Number(row.requests)).toBe(counts[v]);
      expect(Number(row.graded)).toBe(graded[v].n);
      expect(Number(row.correct)).toBe(graded[v].correct);
      expect(row.accuracy).toBeCloseTo(graded[v].correct / graded[v].n, 10);
      expect(row.ci_low).toBeLessThan(row.accuracy);
      expect(row.ci_high).toBeGreaterThan(row.accuracy);
    }
  });

  it('SRM table agrees with the statistics engine and flags the broken split', async () => {
    const res = await run(byTitle('Sample ratio mismatch (all experiments)'));
    const ok = res.rows.find((r) => r.experiment === 'dash-exp')!;
    const n = counts.baseline + counts.specs;
    const ref = sampleRatioMismatch([counts.baseline, counts.specs], [n - expectedSpecs, expectedSpecs]);
    expect(ok.chi_square).toBeCloseTo(ref.chiSquare, 6);
    expect(Math.abs(ok.p_value - ref.pValue)).toBeLessThan(1e-6);
    expect(ok.srm).toBe(ref.mismatch ? 'SRM' : 'ok');

    const skewed = res.rows.find((r) => r.experiment === 'dash-skewed')!;
    const refSkewed = sampleRatioMismatch([260, 40], [0.5, 0.5]);
    expect(skewed.chi_square).toBeCloseTo(refSkewed.chiSquare, 6);
    expect(skewed.p_value).toBeLessThan(0.001);
    expect(skewed.srm).toBe('SRM');
  });

  it('traffic share panel shows the configured share stepping from 5% to 25%', async () => {
    const res = await run(byTitle('Traffic share: SPECS observed vs configured'));
    const configured = new Set(res.rows.map((r) => r['configured SPECS share']));
    expect(configured).toEqual(new Set([0.05, 0.25]));
  });
});

describe('dashboard SQL has one source', () => {
  it('dashboards/json/specs-ab.json holds exactly the queries of scripts/dashboards/panel-sql.ts (npm run dashboards)', () => {
    const committed = readFileSync(DASHBOARD_FILE, 'utf8');
    expect(`${JSON.stringify(applyPanelSql(JSON.parse(committed)), null, 2)}\n`).toBe(committed);
  });
});
