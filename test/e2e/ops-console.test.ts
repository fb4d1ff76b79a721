import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ResultsJson } from '../../server/analysis/kpi-service';
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import type { AssessmentJson } from '../../server/rollout/rollout-assessment';
import type { RolloutView } from '../../server/rollout/rollout-service';
import { createFakeDecoder } from '../support/stand-in-decoders';
import { createTestDatabase, makeRequestLogRow, testAppConfig, type TestDatabase } from '../support';
import { writeRequests } from '../support/seed-requests';
import { chartOverflows, confirm, distinctAxisLabels, openConsole, overlappingLabels, type ConsolePage } from './console-page';
import { seedExperiment } from './seed-experiment';

/**
 * The ops console in a real browser against the real app: Postgres schema, wiring factory,
 * results and rollout routes, in-process queue. The rollout is driven end to end through the
 * page: create → plan → start → hold with reasons → override advance → roll back.
 */
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const SEEDED = 'console-exp';
const FLOW = 'e2e-flow';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

jest.setTimeout(150_000);

describe('ops console', () => {
  let db: TestDatabase;
  let ctx: AppContext;
  let baseUrl: string;
  let browser: Browser;
  let spoolDir: string;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_console');
    await seedExperiment(db.pool, { key: SEEDED, name: 'SPECS vs beam search', perArm: 500, rollout: 'pending' });
    spoolDir = mkdtempSync(path.join(os.tmpdir(), 'console-spool-'));
    const config = testAppConfig({ db, spoolDir, env: { HOST: '127.0.0.1' } });
    ctx = await createAppContext(config, { logger: pino({ level: 'silent' }), decoder: createFakeDecoder(), migrate: false });
    baseUrl = (await ctx.listen(0, '127.0.0.1')).url;
    // launch() gives every run a fresh temporary profile (user-data-dir) and removes it on close.
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
    await db?.drop();
    if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
  });

  const api = async <T>(p: string, key = 'dev-admin-key'): Promise<T> => {
    const res = await fetch(`${baseUrl}${p}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const send = (method: string, p: string, body: unknown = {}) =>
    fetch(`${baseUrl}${p}`, { method, headers: { Authorization: 'Bearer dev-admin-key', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const dbState = async (key: string) =>
    (await db.pool.query(
      `SELECT e.specs_share, rp.status::text AS status, rp.current_stage FROM experiment e LEFT JOIN rollout_plan rp ON rp.experiment_id = e.id WHERE e.key = $1`,
      [key],
    )).rows[0];
  const open = (key: string, experiment?: string): Promise<ConsolePage> => openConsole(browser, baseUrl, key, experiment);
  const value = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));

  /** Graded rows in the experiment's current analysis stage, through the real writer. */
  async function traffic(key: string, counts: { baseline: number; specs: number }) {
    const view = await api<RolloutView>(`/api/experiments/${key}/rollout`);
    const rows = (['baseline', 'specs'] as const).flatMap((variant) =>
      Array.from({ length: counts[variant] }, (_, i) =>
        makeRequestLogRow(i, { experiment: key, stage: view.analysisStage, variant, strategy: variant === 'specs' ? 'specs' : 'beam-target', status: 'ok', error: null, reference: 7, answer: i % 4 === 0 ? 1 : 7, correct: i % 4 !== 0, gradingSource: 'reference', receivedAt: new Date(Date.now() - 60_000 + i * 100) }, `${key}-${view.analysisStage}-${variant}`),
      ),
    );
    await writeRequests(db.pool, rows);
    ctx.kpi!.invalidate(key);
  }

  it('serves the page and its modules with content types, no-cache and a CSP that keeps forms home', async () => {
    for (const [file, type] of [['/', 'text/html'], ['/console.js', 'text/javascript'], ['/console.css', 'text/css'], ['/console/rollout-view.js', 'text/javascript'], ['/console/chart-scale.js', 'text/javascript']] as const) {
      const res = await fetch(baseUrl + file);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('cache-control')).toContain('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
    }
    // The shared scale module is the server's TypeScript with the types stripped.
    const scale = await (await fetch(`${baseUrl}/console/chart-scale.js`)).text();
    expect(scale).toMatch(/function niceTicks\(lo, hi, count = 5\)/);
    expect(scale).toMatch(/export \{[^}]*niceTicks/);
    expect(scale).not.toMatch(/: number\b/);
    expect((await fetch(`${baseUrl}/console/..%2Fconsole-router.ts`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/console/nope.js`)).status).toBe(404);
  });

  it('defaults to the current stage and the sequential analysis, says so, and shows fixed-horizon only on request', async () => {
    const view = await api<RolloutView>(`/api/experiments/${SEEDED}/rollout`);
    const results = await api<ResultsJson>(`/api/experiments/${SEEDED}/results?stage=${view.analysisStage}&sequential=true&alpha=0.05`);
    const page = await open('dev-admin-key', SEEDED);
    await expect(page.getByTestId('role-badge').textContent()).resolves.toBe('admin');
    expect(await page.getByTestId('analysis-label').textContent()).toMatch(/^Sequential 95 % confidence sequences for the current split.*the kind of analysis the gate uses/);
    await expect(page.getByTestId('stage-select').inputValue()).resolves.toBe('current');

    for (const v of ['baseline', 'specs'] as const) {
      const k = results.variants[v];
      expect(await value(page, `kpi-${v}-n`)).toBe(k.n);
      expect(await value(page, `kpi-${v}-accuracy`)).toBeCloseTo(k.accuracy!, 12);
      expect(await value(page, `kpi-${v}-p95`)).toBeCloseTo(k.latency.p95!, 9);
      expect(await value(page, `kpi-${v}-cost-per-correct`)).toBeCloseTo(k.costPerCorrect!, 12);
    }
    await expect(page.locator('[data-testid=comparisons] tbody tr[data-metric]').count()).resolves.toBe(results.comparisons.length);
    for (const c of results.comparisons.filter((x) => x.insufficient)) {
      await expect(page.getByTestId(`ci-${c.metric}`).textContent()).resolves.toBe('insufficient data');
    }
    await expect(page.locator('[data-testid=chart-latency] svg polyline').count()).resolves.toBe(2);
    await expect(page.locator('[data-testid=chart-accuracy] svg g.ci').count()).resolves.toBe(2);
    await expect(page.locator('[data-testid=chart-cost] svg rect[data-variant]').count()).resolves.toBe(4);
    await expect(page.locator('[data-testid=chart-share] svg path[data-series=share]').count()).resolves.toBe(1);
    await expect(page.locator('[data-testid=chart-timeseries] svg polyline[data-variant]').count()).resolves.toBe(2);
    expect(await chartOverflows(page)).toEqual([]);
    expect(await overlappingLabels(page)).toEqual([]);
    expect(await distinctAxisLabels(page)).toBe(true);
    // ISO-like dates only.
    expect(await page.getByTestId('stage-started').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

    await page.getByTestId('fixed-horizon').check();
    await page.waitForFunction(() => document.getElementById('analysis-label')?.dataset.mode === 'fixed-horizon');
    expect(await page.getByTestId('analysis-label').textContent()).toMatch(/^FIXED-HORIZON 95 % intervals, on request.*The gate does not use them/);

    // An interval outside what the metric can be is "insufficient data", table-driven in the page's own module.
    // (A string, so the test's compiler leaves the browser's dynamic import alone.)
    const verdicts = await page.evaluate(`import('/console/results-view.js').then(({ possibleInterval }) => [
      possibleInterval({ metric: 'accuracy', difference: 'absolute', effect: 0.1, ci: [-0.987, 1.218] }),
      possibleInterval({ metric: 'latencyP50', difference: 'relative', effect: 0.2, ci: [-2.63, 4.19] }),
      possibleInterval({ metric: 'costPerCorrect', difference: 'relative', effect: -0.8, ci: [-1.088, -0.57] }),
      possibleInterval({ metric: 'accuracy', difference: 'absolute', effect: 0.01, ci: [-0.04, 0.05] }),
      possibleInterval({ metric: 'latencyP95', difference: 'relative', effect: -0.3, ci: [-0.5, -0.08] }),
    ])`);
    expect(verdicts).toEqual([false, false, false, true, true]);
    expect(page.errors).toEqual([]);
    await page.context().close();
  });

  it('draws every chart inside its box on edge-case data, with real time axes', async () => {
    const page = await open('dev-viewer-key');
    // Each case renders one chart from the page's own modules into a chart figure (a string, so
    // the test's compiler leaves the browser's dynamic import alone).
    const drawn = await page.evaluate(`Promise.all([import('/console/charts.js'), import('/console/time-charts.js')]).then(([c, t]) => {
      const DAY = 86400000, T = Date.parse('2026-12-01T23:30:00Z');
      const kpis = (accuracy, ci, costPerRequest, costPerCorrect) => ({ accuracy, accuracyCi: ci, costPerRequest, costPerCorrect });
      const hist = (counts) => ({ bounds: counts.map((_, i) => 10 * 2 ** (i / 4)), baseline: counts, specs: counts.map((x, i) => counts[counts.length - 1 - i]) });
      const series = (n, step, f) => Array.from({ length: n }, (_, i) => [{ bucket: new Date(T + i * step).toISOString(), variant: 'baseline', n: 10, accuracy: f(i), latencyMean: 100 * f(i) + 1, costPerRequest: f(i) / 1000 }, { bucket: new Date(T + i * step).toISOString(), variant: 'specs', n: 10, accuracy: 1 - f(i), latencyMean: 50, costPerRequest: 1e-7 }]).flat();
      const cases = {
        'accuracy at the edges of [0, 1]': c.accuracyChart({ baseline: kpis(0.999, [0.99, 1]), specs: kpis(0.001, [0, 0.01]) }),
        'accuracy with one arm': c.accuracyChart({ specs: kpis(0.5, [0.2, 0.8]) }),
        'cost spanning seven decades': c.costChart({ baseline: kpis(0.5, null, 5.25, 12.5), specs: kpis(0.5, null, 1e-7, 3e-7) }),
        'cost where one bar dwarfs the label': c.costChart({ baseline: kpis(0.5, null, 0.000748, 0.0009), specs: kpis(0.5, null, 0.000749, null) }),
        'latency in one bucket': c.latencyChart(hist([0, 0, 0, 50, 0, 0, 0])),
        'latency spread wide': c.latencyChart(hist(Array.from({ length: 200 }, (_, i) => (i % 7) + 1))),
        'share within two seconds': t.shareChart([{ at: new Date(T).toISOString(), specsShare: 0.01, stage: 1 }, { at: new Date(T + 1500).toISOString(), specsShare: 1, stage: 2 }], T + 2000),
        'share across three days': t.shareChart([{ at: new Date(T).toISOString(), specsShare: 0.05, stage: 1 }, { at: new Date(T + 3 * DAY).toISOString(), specsShare: 0, stage: 2 }], T + 3 * DAY + 5000),
        'series over five weeks, hourly': t.timeseriesChart(series(35 * 24, 3600000, (i) => (i % 24) / 23), 'latencyMean', 3600000),
        'accuracy series across midnight': t.timeseriesChart(series(90, 60000, (i) => i / 89), 'accuracy', 60000),
        'cost series, tiny values': t.timeseriesChart(series(30, 60000, (i) => i / 1e6), 'costPerRequest', 60000),
      };
      for (const [name, svg] of Object.entries(cases)) {
        const fig = document.createElement('figure');
        fig.className = 'card chart edge-case';
        fig.dataset.testid = name;
        fig.append(svg);
        document.querySelector('.charts').append(fig);
      }
      document.getElementById('detail').hidden = false;
      return Object.keys(cases).length;
    })`);
    expect(drawn).toBe(11);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('.charts').screenshot({ path: path.join(ARTIFACTS, 'edge-case-charts.png') });
    expect(await chartOverflows(page)).toEqual([]);
    expect(await overlappingLabels(page)).toEqual([]);
    expect(await distinctAxisLabels(page)).toBe(true);
    const labels = await page.$$eval('figure.edge-case text[data-time]', (els) => els.map((e) => e.textContent ?? ''));
    expect(labels.length).toBeGreaterThan(10);
    // Clock times, dates where they change (MM-DD hh:mm), or whole ISO dates: never a locale format.
    for (const l of labels) expect(l).toMatch(/^(\d{2}:\d{2}(:\d{2})?|\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?|\d{4}-\d{2}-\d{2})$/);
    expect(page.errors).toEqual([]);
    await page.context().close();
  });

  it('reads plan durations as people write them, and writes them back the same way', async () => {
    const page = await open('dev-viewer-key');
    const cases: [string, number | null][] = [['30s', 30_000], ['20m', 1_200_000], ['1h30m', 5_400_000], ['2d', 172_800_000], ['90', 90_000], ['1.5h', 5_400_000], ['0s', 0], ['20 min', 1_200_000], ['soon', null], ['1h30', null], ['', null]];
    const parsed = await page.evaluate(`import('/console/plan-editor.js').then((m) => ${JSON.stringify(cases.map(([t]) => t))}.map((t) => { const ms = m.parseDuration(t); return Number.isNaN(ms) ? null : [ms, m.parseDuration(m.formatDuration(ms))]; }))`);
    expect(parsed).toEqual(cases.map(([, ms]) => (ms === null ? null : [ms, ms])));
    await page.context().close();
  });

  it('drives a rollout: create → plan preview → start → hold with reasons → override advance → roll back, all confirmed', async () => {
    const page = await open('dev-admin-key');
    // Create, with a name that would be markup if it were rendered as HTML.
    await page.getByTestId('new-experiment').click();
    await page.getByTestId('create-key').fill(FLOW);
    await page.getByTestId('create-name').fill('<b>flow</b>');
    await page.getByTestId('create-share').fill('0');
    await page.getByTestId('create-ok').click();
    await page.waitForSelector(`body[data-loaded="${FLOW}"]`);
    await expect(page.getByTestId('exp-title').textContent()).resolves.toBe(`<b>flow</b> · ${FLOW}`);
    await expect(page.locator('#exp-title b').count()).resolves.toBe(0);
    await expect(page.getByTestId('rollout-status').textContent()).resolves.toBe('no plan');
    await expect(page.getByTestId('gate-verdict').textContent()).resolves.toBe('not started');
    expect(await page.getByTestId('gate-headline').textContent()).toContain('Start would begin stage 1 of 5 (1 %)');
    // Before Start the preview runs by itself; with no traffic yet it says so.
    await page.waitForSelector('[data-testid=plan-preview][data-state=done]');
    expect(await page.getByTestId('plan-preview').textContent()).toContain('Insufficient data: no traffic observed yet');

    // A short plan: 20 % → 50 % → ship, no minimum duration, 30 graded answers per arm.
    await page.locator('[data-remove-stage="1"]').click();
    await page.locator('[data-remove-stage="1"]').click();
    for (const [i, share] of [[0, '20'], [1, '50']] as const) {
      const row = page.locator(`[data-stage-row="${i}"]`);
      await row.locator('[name=share]').fill(share);
      await row.locator('[name=duration]').fill('0s');
      await row.locator('[name=graded]').fill('30');
    }
    await page.getByTestId('preview-rate').fill('600');
    await page.getByTestId('preview-plan').click();
    await page.waitForSelector('[data-testid=plan-preview][data-state=done] [data-testid=preview-false-rollback]');
    expect(await page.getByTestId('preview-hours').textContent()).toMatch(/\d/);
    expect(await page.getByTestId('preview-false-rollback').textContent()).toMatch(/^\d+% \(\d+ of \d+ runs; 95 % CI \d+%–\d+%\)/);
    expect(await page.getByTestId('preview-regression').textContent()).toMatch(/of \d+ runs/);
    await page.getByTestId('save-plan').click();
    await page.waitForFunction(() => document.getElementById('plan-source')?.textContent === '(saved)');
    expect((await api<RolloutView>(`/api/experiments/${FLOW}/rollout`)).plan!.stages.map((s) => s.share)).toEqual([0.2, 0.5, 1]);
    await expect(page.locator('[data-testid=stage-strip] li').count()).resolves.toBe(3);

    // Start asks first; cancelling changes nothing.
    expect(await page.getByTestId('action-start').getAttribute('data-kind')).toBe('primary');
    await page.getByTestId('action-start').click();
    expect(await confirm(page, 'cancel')).toMatch(/from 0 % to 20 % \(stage 1 of 3 \(20 %\)\)/);
    expect((await dbState(FLOW)).status).toBe('pending');
    await page.getByTestId('action-start').click();
    await confirm(page, 'ok');
    await page.waitForSelector('body[data-rollout-status="running"]');
    expect(await dbState(FLOW)).toEqual({ specs_share: 0.2, status: 'running', current_stage: 0 });
    await expect(page.getByTestId('exp-stage').textContent()).resolves.toBe('stage 1 of 3 (20 %)');
    await expect(page.getByTestId('exp-status').textContent()).resolves.toBe('running');
    await expect(page.locator('[data-testid=stage-strip] li[aria-current=step]').getAttribute('data-testid')).resolves.toBe('stage-1');

    // Traffic short of the minimum: the gate holds and says what is missing.
    await traffic(FLOW, { baseline: 40, specs: 10 });
    await page.getByTestId('refresh').click();
    await page.waitForFunction(() => /SPECS needs 20 more graded answers/.test(document.getElementById('gate-headline')?.textContent ?? ''));
    const assessment = await api<AssessmentJson>(`/api/experiments/${FLOW}/rollout/assessment`);
    expect(assessment.verdict).toBe('hold');
    await expect(page.getByTestId('gate-verdict').textContent()).resolves.toBe('hold');
    expect(await page.getByTestId('gate-headline').textContent()).toBe(assessment.headline);
    expect(assessment.headline).toMatch(/^Holding: SPECS needs 20 more graded answers at 20 %; nothing is breached\.$/);
    for (const g of assessment.guardrails) {
      const row = page.locator(`[data-testid=gate-checks] tr[data-check="${g.name}"]`);
      await expect(row.locator('[data-status]').getAttribute('data-status')).resolves.toBe(g.status);
    }
    expect(await page.locator('[data-testid=gate-checks] tr[data-check=accuracy] td').nth(1).textContent()).toBe('at most 2.00 pts below baseline');
    expect(await page.getByTestId('progress-graded-specs').textContent()).toContain('10 of 30 — 20 more needed');

    // Evaluate now: confirmed, and the hold lands in the decision log with reasons naming their metric.
    await page.getByTestId('action-evaluate').click();
    expect(await confirm(page, 'ok')).toContain('It would say: “Holding:');
    await page.waitForSelector('[data-testid=decision-log] tbody tr[data-kind=decision] .verdict.hold');
    const holdRow = page.locator('[data-testid=decision-log] tbody tr[data-kind=decision]').filter({ has: page.locator('.verdict.hold') });
    const metrics = await holdRow.locator('li[data-metric]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.metric));
    expect(metrics).toEqual(expect.arrayContaining(['samples', 'accuracy', 'errorRate']));
    await expect(holdRow.locator('td').nth(1).textContent()).resolves.toBe('stage 1 of 3 (20 %)');

    // Advance over a HOLD is an override: stated, not the primary button, and confirmed.
    const advance = page.getByTestId('action-advance');
    await expect(advance.textContent()).resolves.toBe('Override: advance to stage 2 of 3 (50 %)');
    expect(await advance.getAttribute('data-kind')).toBe('override');
    expect(await page.locator('#actions .btn.primary[data-action=advance]').count()).toBe(0);
    await advance.click();
    expect(await page.getByTestId('confirm-title').textContent()).toBe('Override the gate and advance?');
    expect(await confirm(page, 'ok')).toMatch(/This overrides the gate, which says: “Holding: .*” SPECS share goes from 20 % to 50 %\./);
    await page.waitForFunction(() => document.getElementById('exp-stage')?.textContent === 'stage 2 of 3 (50 %)');
    expect(await dbState(FLOW)).toEqual({ specs_share: 0.5, status: 'running', current_stage: 1 });
    await expect(page.locator('[data-testid=stage-strip] li[data-state=done]').count()).resolves.toBe(1);

    // A share change by hand shows in the decision log with its reason, as text (user input: no markup).
    await page.getByTestId('edit-share').click();
    await page.getByTestId('share-input').fill('40');
    await page.getByTestId('share-reason').fill('<img src=x onerror="window.__xss=1">');
    await page.getByTestId('share-ok').click();
    expect(await confirm(page, 'ok')).toContain('from 50 % to 40 %');
    await page.waitForFunction(() => document.getElementById('exp-share')?.textContent === '40 %');
    const shareRow = page.locator('[data-testid=decision-log] tbody tr[data-kind=share]').first();
    await expect(shareRow.textContent()).resolves.toContain('share 50 % → 40 %');
    await expect(shareRow.textContent()).resolves.toContain('<img src=x onerror="window.__xss=1">');
    await expect(shareRow.textContent()).resolves.toContain('config-admin');
    expect(await page.locator('#decision-body img, #audit-body img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    const audit = page.locator('[data-testid=audit-log] tbody tr[data-action=set-share]').first();
    await expect(audit.locator('td').nth(3).textContent()).resolves.toContain('specsShare 50 %');
    await expect(audit.locator('td').nth(4).textContent()).resolves.toContain('specsShare 40 %');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-console.png'), fullPage: true });
    await page.getByTestId('rollout-view').screenshot({ path: path.join(ARTIFACTS, 'rollout-view.png') });
    await page.getByTestId('plan-card').screenshot({ path: path.join(ARTIFACTS, 'plan-card.png') });
    expect(await chartOverflows(page)).toEqual([]);

    // Roll back asks first; cancelling changes nothing.
    await page.getByTestId('action-rollback').click();
    expect(await confirm(page, 'cancel')).toMatch(/from 40 % to 0 %/);
    expect((await dbState(FLOW)).status).toBe('running');
    await page.getByTestId('action-rollback').click();
    await confirm(page, 'ok');
    await page.waitForSelector('body[data-rollout-status="rolled_back"]');
    expect(await dbState(FLOW)).toEqual({ specs_share: 0, status: 'rolled_back', current_stage: 1 });
    await expect(page.getByTestId('exp-status').textContent()).resolves.toBe('rolled back');
    await expect(page.getByTestId('exp-share').textContent()).resolves.toBe('0 %');
    await expect(page.getByTestId('gate-verdict').textContent()).resolves.toBe('rolled back');
    expect(await page.getByTestId('gate-headline').textContent()).toMatch(/^Rolled back at stage 2 of 3 \(50 %\): SPECS gets 0 %/);
    await expect(page.locator('[data-testid=stage-strip] li[data-state=rolled-back]').getAttribute('data-testid')).resolves.toBe('stage-2');
    // No traffic left to roll back: the console and the API agree.
    expect(await page.getByTestId('action-rollback').isDisabled()).toBe(true);
    expect((await send('POST', `/api/experiments/${FLOW}/rollout/rollback`)).status).toBe(409);
    expect(await chartOverflows(page)).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.context().close();
  });

  it('keeps roll back available after a ship, and says shipped', async () => {
    const key = 'e2e-ship';
    expect((await send('POST', '/api/experiments', { key, specsShare: 0 })).status).toBe(201);
    expect((await send('PUT', `/api/experiments/${key}/rollout/plan`, { stages: [{ share: 0.5, minDurationMs: 0, minGradedPerArm: 0 }, { share: 1 }] })).status).toBe(200);
    expect((await send('POST', `/api/experiments/${key}/rollout/start`)).status).toBe(200);
    expect((await send('POST', `/api/experiments/${key}/rollout/advance`)).status).toBe(200);
    const page = await open('dev-admin-key', key);
    await expect(page.getByTestId('exp-status').textContent()).resolves.toBe('shipped');
    expect(await page.getByTestId('gate-headline').textContent()).toMatch(/^Shipped: .*SPECS gets 100 %/);
    await expect(page.locator('[data-testid=stage-strip] li[data-state=done]').count()).resolves.toBe(2);
    expect(await page.getByTestId('action-rollback').isEnabled()).toBe(true);
    expect(await page.getByTestId('action-advance').isEnabled()).toBe(false);
    await page.getByTestId('action-rollback').click();
    expect(await confirm(page, 'ok')).toMatch(/from 100 % to 0 %/);
    await page.waitForSelector('body[data-rollout-status="rolled_back"]');
    expect(await dbState(key)).toMatchObject({ specs_share: 0, status: 'rolled_back' });
    expect(page.errors).toEqual([]);
    await page.context().close();
  });

  it('shows a viewer the data but no actions and no editing', async () => {
    const page = await open('dev-viewer-key', SEEDED);
    await expect(page.getByTestId('role-badge').textContent()).resolves.toBe('viewer');
    await expect(page.getByTestId('kpi-specs-n').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('actions').isVisible()).resolves.toBe(false);
    await expect(page.locator('[data-action]:visible').count()).resolves.toBe(0);
    await expect(page.getByTestId('new-experiment').isVisible()).resolves.toBe(false);
    await expect(page.getByTestId('edit-share').isVisible()).resolves.toBe(false);
    await expect(page.locator('[data-testid=plan-editor] input:not([disabled])').count()).resolves.toBe(0);
    expect(page.errors).toEqual([]);
    await page.context().close();
  });

  it('rejects an unknown key with the API error', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(baseUrl + '/');
    await page.getByTestId('api-key-input').fill('not-a-key');
    await page.getByTestId('api-key-save').click();
    await page.getByTestId('error-banner').waitFor({ state: 'visible' });
    await expect(page.getByTestId('error-text').textContent()).resolves.toContain('UNAUTHORIZED');
    await page.context().close();
  });
});
