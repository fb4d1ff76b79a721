import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ResultsJson } from '../../server/analysis/kpi-service';
import { createAppContext, type AppContext } from '../../server/app/create-app-context';
import { createFakeDecoder } from '../support/stand-in-decoders';
import { createTestDatabase, testAppConfig, type TestDatabase } from '../support';
import { seedExperiment, TEST_PLAN_STAGES } from './seed-experiment';

/**
 * The ops console in a real browser against the real app: Postgres schema,
 * wiring factory, results and rollout routes, in-process queue.
 */
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const KEY = 'console-exp';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

jest.setTimeout(120_000);

describe('ops console', () => {
  let db: TestDatabase;
  let ctx: AppContext;
  let baseUrl: string;
  let browser: Browser;
  let spoolDir: string;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_console');
    await seedExperiment(db.pool, { key: KEY, name: 'SPECS vs beam search', perArm: 500, rollout: 'pending' });
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
  const dbState = async () => (await db.pool.query(
    `SELECT e.specs_share, rp.status::text AS status, rp.current_stage FROM experiment e JOIN rollout_plan rp ON rp.experiment_id = e.id WHERE e.key = $1`, [KEY])).rows[0];

  async function openAs(key: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(baseUrl + '/');
    await page.getByTestId('api-key-input').fill(key);
    await page.getByTestId('api-key-save').click();
    await page.getByTestId(`experiment-item-${KEY}`).click();
    await page.waitForSelector(`body[data-loaded="${KEY}"]`);
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  }
  const value = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));

  it('serves the static page with content types and no-cache', async () => {
    for (const [file, type] of [['/', 'text/html'], ['/console.js', 'text/javascript'], ['/console.css', 'text/css']] as const) {
      const res = await fetch(baseUrl + file);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('cache-control')).toContain('no-cache');
    }
  });

  it('shows KPIs and charts that match the API, runs rollout actions, and saves a screenshot', async () => {
    const results = await api<ResultsJson>(`/api/experiments/${KEY}/results?stage=all`);
    const page = await openAs('dev-admin-key');
    await expect(page.getByTestId('role-badge').textContent()).resolves.toBe('admin');

    for (const v of ['baseline', 'specs'] as const) {
      const k = results.variants[v];
      expect(await value(page, `kpi-${v}-n`)).toBe(k.n);
      expect(await value(page, `kpi-${v}-accuracy`)).toBeCloseTo(k.accuracy!, 12);
      expect(await page.getByTestId(`kpi-${v}-accuracy`).textContent()).toBe(`${(k.accuracy! * 100).toFixed(1)}%`);
      expect(await value(page, `kpi-${v}-p50`)).toBeCloseTo(k.latency.p50!, 9);
      expect(await value(page, `kpi-${v}-p95`)).toBeCloseTo(k.latency.p95!, 9);
      expect(await value(page, `kpi-${v}-p99`)).toBeCloseTo(k.latency.p99!, 9);
      expect(await value(page, `kpi-${v}-cost`)).toBeCloseTo(k.costPerRequest!, 12);
      expect(await value(page, `kpi-${v}-cost-per-correct`)).toBeCloseTo(k.costPerCorrect!, 12);
    }
    await expect(page.locator('[data-testid=chart-latency] svg polyline').count()).resolves.toBe(2);
    await expect(page.locator('[data-testid=chart-accuracy] svg g.ci').count()).resolves.toBe(2);
    await expect(page.locator('[data-testid=chart-cost] svg rect[data-variant]').count()).resolves.toBe(4);
    await expect(page.locator('[data-testid=chart-share] svg path[data-series=share]').count()).resolves.toBe(1);
    await expect(page.locator('[data-testid=comparisons] tbody tr[data-metric]').count()).resolves.toBe(results.comparisons.length);
    await expect(page.getByTestId('rollout-status').textContent()).resolves.toBe('pending');

    // Start: the plan's first stage share goes live.
    await expect(page.getByTestId('action-start').isEnabled()).resolves.toBe(true);
    await page.getByTestId('action-start').click();
    await page.waitForFunction(() => document.getElementById('rollout-status')?.textContent === 'running');
    expect(await dbState()).toEqual({ specs_share: TEST_PLAN_STAGES[0]!.share, status: 'running', current_stage: 0 });
    await expect(page.getByTestId('exp-share').textContent()).resolves.toBe('5%');

    // Advance by hand: stage 1, 25 %.
    await page.getByTestId('action-advance').click();
    await page.waitForFunction(() => document.getElementById('exp-stage')?.dataset.value === '1');
    expect(await dbState()).toEqual({ specs_share: TEST_PLAN_STAGES[1]!.share, status: 'running', current_stage: 1 });
    await expect(page.getByTestId('exp-share').textContent()).resolves.toBe('25%');
    await expect(page.locator('[data-testid=decision-log] tbody tr').count()).resolves.toBeGreaterThanOrEqual(2);
    await expect(page.locator('[data-testid=chart-share] svg circle').count()).resolves.toBeGreaterThanOrEqual(3);

    // An API error is shown as the API words it: resume while running is a conflict.
    await page.evaluate(() => { (document.querySelector('[data-action=resume]') as HTMLButtonElement).disabled = false; });
    await page.getByTestId('action-resume').click();
    await page.getByTestId('error-banner').waitFor({ state: 'visible' });
    await expect(page.getByTestId('error-text').textContent()).resolves.toMatch(/cannot resume.*CONFLICT/);
    await page.locator('#error-close').click();

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-console.png'), fullPage: true });

    // Roll back needs a confirmation; cancelling changes nothing.
    await page.getByTestId('action-rollback').click();
    await page.getByTestId('confirm-cancel').click();
    expect((await dbState()).status).toBe('running');
    await page.getByTestId('action-rollback').click();
    await page.getByTestId('confirm-ok').click();
    await page.waitForFunction(() => document.getElementById('rollout-status')?.textContent === 'rolled_back');
    const after = await dbState();
    expect(after.status).toBe('rolled_back');
    expect(after.specs_share).toBe(0);
    await expect(page.getByTestId('exp-share').textContent()).resolves.toBe('0%');
    await expect(page.getByTestId('gate-verdict').textContent()).resolves.toBe('manual-rollback');
    expect((page as Page & { errors?: string[] }).errors!.filter((e) => !/409|Conflict/i.test(e))).toEqual([]);
    await page.context().close();
  });

  it('shows a viewer the data but no rollout actions', async () => {
    const page = await openAs('dev-viewer-key');
    await expect(page.getByTestId('role-badge').textContent()).resolves.toBe('viewer');
    await expect(page.getByTestId('kpi-specs-n').textContent()).resolves.toBe('500');
    await expect(page.getByTestId('actions').isVisible()).resolves.toBe(false);
    await expect(page.locator('[data-action]:visible').count()).resolves.toBe(0);
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
