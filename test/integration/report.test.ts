import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCliContext, type CliContext } from '../../server/app/create-cli-context';
import { createReportRepository, loadReportData, renderReport } from '../../server/report';
import { seedExperiment } from '../e2e/seed-experiment';
import { createTestDatabase, testAppConfig, type TestDatabase } from '../support';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

describe('business review report on a seeded schema', () => {
  let db: TestDatabase;
  let cli: CliContext;
  const now = Date.now();

  beforeAll(async () => {
    db = await createTestDatabase('report');
    // SPECS: ~30% faster, ~33% cheaper, same accuracy; the gate's last word is a hold.
    await seedExperiment(db.pool, { key: 'report-exp', name: 'SPECS vs beam', perArm: 600, rollout: 'running', now });
    cli = await createCliContext(testAppConfig({ db }));
  });
  afterAll(async () => {
    await cli?.close();
    await db?.drop();
  });

  // The CLI's own composition root, on this file's schema.
  const deps = () => ({ kpi: cli.kpi, rollout: cli.rollout.rollout, repo: createReportRepository({ pool: db.pool }), clock: () => now });

  it('loads KPIs, comparisons and the rollout history and renders both formats', async () => {
    const data = await loadReportData(deps(), 'report-exp', 'all');
    expect(data.results.variants.baseline.n).toBe(600);
    expect(data.results.variants.specs.n).toBe(600);
    expect(data.rollout?.decisions.map((d) => d.verdict)).toEqual(['start', 'hold']);
    expect(data.rollout?.guardrails.accuracyNonInferiorityPts).toBe(2);

    const report = renderReport(data);
    expect(report.recommendation.action).toBe('hold');
    // The gate's own words: 600 graded per arm cannot show accuracy within 2 points yet.
    expect(report.recommendation.headline).toMatch(/^Holding: accuracy.* not yet conclusive at 50 %; nothing is breached\.$/);
    expect(report.html).toContain('Gate checks');
    expect(report.html).toContain('SPECS vs beam (report-exp)');
    expect((report.html.match(/<svg /g) ?? []).length).toBe(4);
    expect(report.html).not.toMatch(/<script|<link|src=/i);
    expect(report.markdown).toContain('| Requests | 600 | 600 |');
    const latency = data.results.comparisons.find((c) => c.metric === 'latencyMean')!;
    expect(latency.effect).toBeLessThan(-0.2);
    expect(latency.significant).toBe(true);
  });

  it('unknown experiments are a NotFoundError', async () => {
    await expect(loadReportData(deps(), 'nope', 'all')).rejects.toMatchObject({ status: 404 });
  });

  describe('npm run report', () => {
    const env = () => ({ ...process.env, DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, LOG_LEVEL: 'silent' });
    const tsx = path.join(ROOT, 'node_modules/.bin/tsx');

    it('writes KEY.html and KEY.md into --out', async () => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'report-'));
      const { stdout } = await run(tsx, ['scripts/report.ts', '--experiment', 'report-exp', '--out', out, '--stage', 'all'], { cwd: ROOT, env: env() });
      expect(stdout).toContain('Holding:');
      expect(readFileSync(path.join(out, 'report-exp.html'), 'utf8')).toContain('Recommendation: Hold');
      expect(readFileSync(path.join(out, 'report-exp.md'), 'utf8')).toContain('## Recommendation: Hold');
    });

    it('exits 2 with a clear message for an unknown experiment', async () => {
      const err = await run(tsx, ['scripts/report.ts', '--experiment', 'missing-exp', '--out', os.tmpdir()], { cwd: ROOT, env: env() }).catch((e) => e);
      expect(err.code).toBe(2);
      expect(err.stderr).toContain('report: experiment missing-exp not found');
    });
  });
});
