import type { Browser, Page } from 'playwright-core';

/** A console page that records the browser's errors (uncaught exceptions and console errors). */
export type ConsolePage = Page & { errors: string[] };

export async function openConsole(browser: Browser, baseUrl: string, key: string, experiment?: string): Promise<ConsolePage> {
  const page = (await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage()) as ConsolePage;
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  // A failed API call is shown in the banner and also logged by the browser; those are expected.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) page.errors.push(m.text()); });
  await page.goto(baseUrl + '/');
  await page.getByTestId('api-key-input').fill(key);
  await page.getByTestId('api-key-save').click();
  await page.getByTestId('role-badge').waitFor({ state: 'visible' });
  if (experiment) {
    await page.getByTestId(`experiment-item-${experiment}`).click();
    await page.waitForSelector(`body[data-loaded="${experiment}"]`);
  }
  return page;
}

/** Answers the open confirmation dialog and returns what it said. */
export async function confirm(page: Page, answer: 'ok' | 'cancel'): Promise<string> {
  await page.getByTestId('confirm-dialog').waitFor({ state: 'visible' });
  const text = (await page.getByTestId('confirm-text').textContent()) ?? '';
  await page.getByTestId(answer === 'ok' ? 'confirm-ok' : 'confirm-cancel').click();
  await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
  return text;
}

/**
 * Every drawn element of every chart (bars, whiskers, lines, labels) that pokes out of its
 * SVG's box by more than half a pixel, as "chart: element 'text' …" lines; [] when all fit.
 */
export function chartOverflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const fig of document.querySelectorAll<HTMLElement>('figure.chart')) {
      const svg = fig.querySelector('svg');
      if (!svg) continue;
      const box = svg.getBoundingClientRect();
      for (const el of svg.querySelectorAll<SVGGraphicsElement>('rect, line, circle, text, path, polyline, polygon')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const tol = 0.5;
        if (r.left < box.left - tol || r.right > box.right + tol || r.top < box.top - tol || r.bottom > box.bottom + tol) {
          out.push(`${fig.dataset.testid}: <${el.tagName} class="${el.getAttribute('class') ?? ''}"> ${(el.textContent ?? '').slice(0, 30)} [${r.left.toFixed(1)}, ${r.top.toFixed(1)}, ${r.right.toFixed(1)}, ${r.bottom.toFixed(1)}] outside [${box.left.toFixed(1)}, ${box.top.toFixed(1)}, ${box.right.toFixed(1)}, ${box.bottom.toFixed(1)}]`);
        }
      }
    }
    return out;
  });
}

/** Pairs of labels in one chart that overlap each other (more than 2 px² in common); [] when none do. */
export function overlappingLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const fig of document.querySelectorAll<HTMLElement>('figure.chart')) {
      const texts = [...fig.querySelectorAll('svg text')].map((t) => ({ text: t.textContent ?? '', r: t.getBoundingClientRect() })).filter((t) => t.r.width > 0);
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          const a = texts[i]!.r, b = texts[j]!.r;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 0 && h > 0 && w * h > 2) out.push(`${fig.dataset.testid}: "${texts[i]!.text}" overlaps "${texts[j]!.text}"`);
        }
      }
    }
    return out;
  });
}

/** True when no time axis repeats a label (no `13:36 13:36 13:36`). */
export function distinctAxisLabels(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    [...document.querySelectorAll('figure.chart svg')].every((svg) => {
      const labels = [...svg.querySelectorAll('text[data-time]')].map((t) => t.textContent);
      return new Set(labels).size === labels.length;
    }),
  );
}
