// The steps of the end-to-end flow, shared by the served spec (Chromium) and the Electron spec.
import { expect, test, type Page } from '@playwright/test';
import ExcelJS from 'exceljs';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, serve, tempDir, writeCsv, type Served } from './serve.ts';

export const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** The number a count shows ("1,234" → 1234). */
export async function count(page: Page, testId: string): Promise<number> {
  const text = (await page.getByTestId(testId).textContent()) ?? '';
  const n = Number(text.replace(/[^\d]/g, ''));
  return Number.isFinite(n) ? n : NaN;
}

export async function waitForCount(page: Page, testId: string, pred: (n: number) => boolean, timeout = 120_000): Promise<number> {
  let last = NaN;
  await expect
    .poll(
      async () => {
        last = await count(page, testId);
        return pred(last);
      },
      { timeout, intervals: [100, 250, 500] },
    )
    .toBe(true);
  return last;
}

/** Builds an agent whose answer is structured: two fields, sentiment (string) and score (number). */
export async function buildStructuredAgent(page: Page, column: string): Promise<void> {
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('system-input').fill('You label customer reviews.');
  const editor = page.getByTestId('prompt-editor');
  await editor.fill('Label the sentiment of this review: ');
  await editor.press('End');
  await page.getByTestId(`column-chip-${column}`).click();
  await expect(editor).toHaveValue(new RegExp(`\\{\\{${column}\\}\\}`));
  await page.getByTestId('output-mode-structured').check();
  if (!(await page.getByTestId('field-name-0').isVisible())) await page.getByTestId('field-add').click();
  await page.getByTestId('field-name-0').fill('sentiment');
  await page.getByTestId('field-type-0').selectOption('string');
  await page.getByTestId('field-add').click();
  await page.getByTestId('field-name-1').fill('score');
  await page.getByTestId('field-type-1').selectOption('number');
}

export const ROWS = 500;
/** Every 50th row asks the simulator for a 400, so 10 rows fail (and fail again when retried). */
export const FAILING = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 50 === 7);
/** The simulator answers in 60–120 ms: a 500-row run takes several seconds, time enough to pause it. */
export const SIM_ENV = { ROWRUNNER_SIMULATOR_LATENCY_MS: '60', ROWRUNNER_SIMULATOR_JITTER_MS: '60' };

export function reviewsCsv(dir: string): string {
  const rows = Array.from({ length: ROWS }, (_, i) => [
    String(i + 1),
    `Review ${i + 1}: ${i % 3 === 0 ? 'great product, works well' : i % 3 === 1 ? 'arrived broken' : 'it is fine'}${FAILING.includes(i) ? ' [[status:400]]' : ''}`,
  ]);
  return writeCsv(dir, 'reviews.csv', ['id', 'review'], rows);
}

/** What differs between the fronts. */
export interface Front {
  /** Screenshot names start with this. */
  prefix: string;
  /** Brings the first CSV in the way a user would (a drop, or the file input). */
  importCsv(page: Page, file: string): Promise<void>;
  /** Picks a file with the file input. */
  chooseCsv(page: Page, file: string): Promise<void>;
  /** Clicks export-xlsx and returns where the file landed (at `target` if the front lets us choose). */
  exportXlsx(page: Page, target: string): Promise<string>;
  /** Kills the core's process mid-run, starts it again, and returns the page showing the app again. */
  crashAndRestart(page: Page): Promise<Page>;
}

/** The whole flow of the e2e section, on any front. */
export async function runFlow(page: Page, front: Front, dir: string): Promise<void> {
  const p = front.prefix;
  await test.step('import: the first CSV comes by a drop', async () => {
    await expect(page.getByTestId('drop-zone')).toBeVisible();
    await shot(page, `${p}01-import-empty`);
    await front.importCsv(page, reviewsCsv(dir));
    await expect(page.getByTestId('dataset-rows')).toHaveText('500');
    await expect(page.getByTestId('preview-table')).toContainText('Review 1: great product');
    await shot(page, `${p}02-import-preview`);
  });

  await test.step('agent: a structured answer of two fields, previewed', async () => {
    await buildStructuredAgent(page, 'review');
    await expect(page.getByTestId('prompt-preview')).toContainText('Label the sentiment of this review: Review 1: great product');
    await page.getByTestId('preview-row').fill('2');
    await expect(page.getByTestId('prompt-preview')).toContainText('Review 2: arrived broken');
    await expect(page.getByTestId('output-columns')).toContainText('sentiment');
    await expect(page.getByTestId('output-columns')).toContainText('score');
    await shot(page, `${p}03-agent`);
  });

  await test.step('run setup: estimate, then start', async () => {
    await page.getByTestId('nav-run').click();
    await page.getByTestId('batch-size').fill('8');
    await page.getByTestId('on-error').selectOption('continue');
    await page.getByTestId('estimate-button').click();
    await expect(page.getByTestId('estimate-result')).toBeVisible();
    await expect(page.getByTestId('estimate-result')).toContainText('500');
    await expect(page.getByTestId('estimate-cost')).toContainText('$');
    await shot(page, `${p}04-run-setup-estimate`);
    await page.getByTestId('start-button').click();
  });

  let pausedAt = 0;
  await test.step('progress: pause', async () => {
    await expect(page.getByTestId('progress-bar')).toBeVisible();
    await waitForCount(page, 'count-done', (n) => n >= 40);
    await page.getByTestId('pause-button').click();
    await expect(page.getByTestId('run-status')).toContainText(/paused/i);
    // Items in flight when the pause came still land; then nothing runs and the rest waits.
    await waitForCount(page, 'count-running', (n) => n === 0);
    pausedAt = (await count(page, 'count-done')) + (await count(page, 'count-failed'));
    expect(pausedAt).toBeLessThan(ROWS);
    expect(await count(page, 'count-pending')).toBe(ROWS - pausedAt);
    await expect(page.getByTestId('run-status')).toContainText(/paused/i);
    await shot(page, `${p}05-progress-paused`);
  });

  await test.step('progress: resume to the end', async () => {
    await page.getByTestId('resume-button').click();
    await expect(page.getByTestId('run-status')).toContainText(/running/i);
    await waitForCount(page, 'count-done', (n) => n > pausedAt - FAILING.length);
    await shot(page, `${p}06-progress-running`);
    await waitForCount(page, 'count-done', (n) => n === ROWS - FAILING.length);
    await waitForCount(page, 'count-failed', (n) => n === FAILING.length);
    await expect(page.getByTestId('run-status')).toContainText(/completed/i);
    await shot(page, `${p}07-progress-completed`);
  });

  await test.step('results: filter the failed, open a transcript', async () => {
    await page.getByTestId('nav-results').click();
    await expect(page.getByTestId('results-table')).toBeVisible();
    await expect(page.getByTestId('results-row-0')).toContainText('Review 1');
    await page.getByTestId('status-filter').selectOption('failed');
    await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', String(FAILING.length));
    await expect(page.getByTestId(`results-row-${FAILING[0]}`)).toBeVisible();
    await expect(page.getByTestId('results-row-0')).toHaveCount(0);
    await shot(page, `${p}08-results-failed`);
    await page.getByTestId(`results-row-${FAILING[0]}`).click();
    await expect(page.getByTestId('item-detail')).toBeVisible();
    await expect(page.getByTestId('detail-prompt')).toContainText(`Review ${FAILING[0] + 1}`);
    await expect(page.getByTestId('detail-error')).toContainText('400');
    await shot(page, `${p}09-item-detail-failed`);
    await page.getByTestId('detail-close').click();
    await page.getByTestId('status-filter').selectOption('done');
    await page.getByTestId('results-row-0').click();
    await expect(page.getByTestId('transcript')).toBeVisible();
    await expect(page.getByTestId('tool-call').first()).toContainText('answer');
    await expect(page.getByTestId('detail-output')).toContainText('sentiment');
    await shot(page, `${p}10-item-detail-transcript`);
    await page.getByTestId('detail-close').click();
  });

  await test.step('retry failed: they are sent again (and fail again: the simulator always answers them 400)', async () => {
    await page.getByTestId('status-filter').selectOption('failed');
    await page.getByTestId('retry-failed-button').click();
    await expect
      .poll(async () => {
        await page.getByTestId(`results-row-${FAILING[0]}`).click();
        const attempts = Number((await page.getByTestId('detail-attempts').textContent()) ?? 0);
        await page.getByTestId('detail-close').click();
        return attempts;
      }, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('results-run-status')).toContainText(/completed/i, { timeout: 60_000 });
    await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', String(FAILING.length));
  });

  await test.step('export xlsx and read it back', async () => {
    await page.getByTestId('status-filter').selectOption('');
    const xlsx = await front.exportXlsx(page, path.join(dir, 'export.xlsx'));
    expect(xlsx).toMatch(/\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsx);
    const sheet = book.worksheets[0];
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    expect(header).toEqual(expect.arrayContaining(['id', 'review', 'sentiment', 'score']));
    expect(sheet.actualRowCount).toBe(ROWS + 1);
    const col = (name: string) => header.indexOf(name) + 1;
    const second = sheet.getRow(2);
    expect(String(second.getCell(col('review')).value)).toContain('Review 1');
    expect(String(second.getCell(col('sentiment')).value)).not.toBe('');
    expect(typeof second.getCell(col('score')).value).toBe('number');
    const failedRow = sheet.getRow(FAILING[0] + 2);
    const statusCol = header.findIndex((h) => /status/i.test(h)) + 1;
    expect(String(failedRow.getCell(statusCol).value)).toBe('failed');
    await shot(page, `${p}11-results-exported`);
  });

  page = await test.step('a second run, killed mid-run; the server comes back and the run resumes', async () => {
    await page.getByTestId('nav-run').click();
    // The first run's answers are in the response cache: without this, the second run would answer
    // them all at once and end before the kill. The kill must find requests in flight.
    await page.getByTestId('use-cache').uncheck();
    await page.getByTestId('start-button').click();
    // the panel switches to the new run: its counts start again from zero
    await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'running');
    await waitForCount(page, 'count-done', (n) => n < 200);
    await waitForCount(page, 'count-done', (n) => n >= 60);
    page = await front.crashAndRestart(page);
    await expect(page.getByTestId('interrupted-offer')).toBeVisible();
    await shot(page, `${p}12-interrupted-offer`);
    await page.getByTestId('resume-interrupted').click();
    await expect(page.getByTestId('progress-bar')).toBeVisible();
    await waitForCount(page, 'count-done', (n) => n === ROWS - FAILING.length);
    await waitForCount(page, 'count-failed', (n) => n === FAILING.length);
    await expect(page.getByTestId('run-status')).toContainText(/completed/i);
    await shot(page, `${p}13-resumed-completed`);
    return page;
  });

  await test.step('the runs list', async () => {
    await page.getByTestId('nav-runs').click();
    await expect(page.getByTestId('runs-list')).toBeVisible();
    await expect(page.locator('[data-testid^="run-row-"]')).toHaveCount(2);
    await shot(page, `${p}14-runs`);
  });

  await test.step('a bad CSV shows its error', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'id,review\n1,fine\n2,"never closed\n3,more\n');
    await page.getByTestId('nav-import').click();
    await front.chooseCsv(page, bad);
    await expect(page.getByTestId('import-error')).toBeVisible();
    await expect(page.getByTestId('import-error-message')).toContainText(/line 3/i);
    await shot(page, `${p}15-import-bad-csv`);
  });
}

/**
 * One served app for a spec file: `rowrunner serve` on a temporary database at the simulator's pace
 * (SIM_ENV), started before the file's tests and stopped, its folder removed, after them.
 */
export function serveForFile(env: Record<string, string> = SIM_ENV): { readonly url: string; readonly dir: string } {
  let dir = '';
  let served: Served | null = null;
  test.beforeAll(async () => {
    dir = tempDir();
    served = await serve({ dbPath: path.join(dir, 'rowrunner.db'), env });
  });
  test.afterAll(async () => {
    await served?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get url() {
      if (!served) throw new Error('the served app is not started: use it inside a test');
      return served.url;
    },
    get dir() {
      return dir;
    },
  };
}
