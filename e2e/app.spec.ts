// The served app end to end: the real renderer in Chromium, `rowrunner serve` in its own process, the
// built-in simulated endpoint. One CSV of 500 rows, of which every 50th asks the simulator for a 400.
import { expect, test } from '@playwright/test';
import ExcelJS from 'exceljs';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildStructuredAgent, count, shot, waitForCount } from './flow.ts';
import { serve, tempDir, writeCsv, type Served } from './serve.ts';

const ROWS = 500;
const FAILING = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 50 === 7); // 10 rows
// The simulator answers in 60–120 ms: a 500-row run takes several seconds, time enough to pause it.
const SIM_ENV = { ROWRUNNER_SIMULATOR_LATENCY_MS: '60', ROWRUNNER_SIMULATOR_JITTER_MS: '60' };

let dir: string;
let served: Served | null = null;

test.beforeAll(() => {
  dir = tempDir();
});

test.afterAll(async () => {
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function reviewsCsv(): string {
  const rows = Array.from({ length: ROWS }, (_, i) => [
    String(i + 1),
    `Review ${i + 1}: ${i % 3 === 0 ? 'great product, works well' : i % 3 === 1 ? 'arrived broken' : 'it is fine'}${FAILING.includes(i) ? ' [[status:400]]' : ''}`,
  ]);
  return writeCsv(dir, 'reviews.csv', ['id', 'review'], rows);
}

test('import, agent, estimate, run, pause, filter, transcript, retry, export, crash and resume, bad CSV', async ({ page }) => {
  const dbPath = path.join(dir, 'rowrunner.db');
  served = await serve({ dbPath, env: SIM_ENV });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  // --- import: drop a CSV on the drop zone ---------------------------------------------------------
  await page.goto(served.url);
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await shot(page, '01-import-empty');
  await page.getByTestId('drop-zone').drop({ files: reviewsCsv() });
  await expect(page.getByTestId('dataset-rows')).toHaveText('500');
  await expect(page.getByTestId('preview-table')).toContainText('Review 1: great product');
  await shot(page, '02-import-preview');

  // --- agent: a structured answer of two fields, previewed -----------------------------------------
  await buildStructuredAgent(page, 'review');
  await expect(page.getByTestId('prompt-preview')).toContainText('Label the sentiment of this review: Review 1: great product');
  await page.getByTestId('preview-row').fill('2');
  await expect(page.getByTestId('prompt-preview')).toContainText('Review 2: arrived broken');
  await expect(page.getByTestId('output-columns')).toContainText('sentiment');
  await expect(page.getByTestId('output-columns')).toContainText('score');
  await shot(page, '03-agent');

  // --- run setup: estimate, then start ---------------------------------------------------------------
  await page.getByTestId('nav-run').click();
  await page.getByTestId('batch-size').fill('8');
  await page.getByTestId('on-error').selectOption('continue');
  await page.getByTestId('estimate-button').click();
  await expect(page.getByTestId('estimate-result')).toBeVisible();
  await expect(page.getByTestId('estimate-result')).toContainText('500');
  await expect(page.getByTestId('estimate-cost')).toContainText('$');
  await shot(page, '04-run-setup-estimate');
  await page.getByTestId('start-button').click();

  // --- progress: pause and resume --------------------------------------------------------------------
  await expect(page.getByTestId('progress-bar')).toBeVisible();
  await waitForCount(page, 'count-done', (n) => n >= 40);
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('run-status')).toContainText(/paused/i);
  await page.waitForTimeout(300); // in-flight items may still land
  const pausedAt = (await count(page, 'count-done')) + (await count(page, 'count-failed'));
  await page.waitForTimeout(1500);
  expect((await count(page, 'count-done')) + (await count(page, 'count-failed'))).toBe(pausedAt);
  expect(pausedAt).toBeLessThan(ROWS);
  await shot(page, '05-progress-paused');
  await page.getByTestId('resume-button').click();
  await expect(page.getByTestId('run-status')).toContainText(/running/i);
  await waitForCount(page, 'count-done', (n) => n > pausedAt - FAILING.length);
  await shot(page, '06-progress-running');
  await waitForCount(page, 'count-done', (n) => n === ROWS - FAILING.length);
  await waitForCount(page, 'count-failed', (n) => n === FAILING.length);
  await expect(page.getByTestId('run-status')).toContainText(/completed/i);
  await shot(page, '07-progress-completed');

  // --- results: filter the failed, open a transcript ---------------------------------------------------
  await page.getByTestId('nav-results').click();
  await expect(page.getByTestId('results-table')).toBeVisible();
  await expect(page.getByTestId('results-row-0')).toContainText('Review 1');
  await page.getByTestId('status-filter').selectOption('failed');
  await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', String(FAILING.length));
  await expect(page.getByTestId(`results-row-${FAILING[0]}`)).toBeVisible();
  await expect(page.getByTestId('results-row-0')).toHaveCount(0);
  await shot(page, '08-results-failed');
  await page.getByTestId(`results-row-${FAILING[0]}`).click();
  await expect(page.getByTestId('item-detail')).toBeVisible();
  await expect(page.getByTestId('detail-prompt')).toContainText(`Review ${FAILING[0] + 1}`);
  await expect(page.getByTestId('detail-error')).toContainText('400');
  await shot(page, '09-item-detail-failed');
  await page.getByTestId('detail-close').click();
  await page.getByTestId('status-filter').selectOption('done');
  await page.getByTestId('results-row-0').click();
  await expect(page.getByTestId('transcript')).toBeVisible();
  await expect(page.getByTestId('tool-call').first()).toContainText('answer');
  await expect(page.getByTestId('detail-output')).toContainText('sentiment');
  await shot(page, '10-item-detail-transcript');
  await page.getByTestId('detail-close').click();

  // --- retry failed: they are sent again (and fail again: the simulator always answers them 400) ------
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

  // --- export xlsx and read it back ---------------------------------------------------------------------
  await page.getByTestId('status-filter').selectOption('');
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('export-xlsx').click();
  const download = await downloadPromise;
  const xlsx = path.join(dir, 'export.xlsx');
  await download.saveAs(xlsx);
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
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
  await shot(page, '11-results-exported');

  // --- a second run, killed mid-run; the server comes back and the run resumes ---------------------------
  await page.getByTestId('nav-run').click();
  await page.getByTestId('start-button').click();
  // the panel switches to the new run: its counts start again from zero
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'running');
  await waitForCount(page, 'count-done', (n) => n < 200);
  await waitForCount(page, 'count-done', (n) => n >= 60);
  await served.kill();
  await expect(page.getByTestId('connection-state')).toBeVisible();
  served = await serve({ dbPath, port: served.port, env: SIM_ENV });
  await page.goto(served.url);
  await expect(page.getByTestId('interrupted-offer')).toBeVisible();
  await shot(page, '12-interrupted-offer');
  await page.getByTestId('resume-interrupted').click();
  await expect(page.getByTestId('progress-bar')).toBeVisible();
  await waitForCount(page, 'count-done', (n) => n === ROWS - FAILING.length);
  await waitForCount(page, 'count-failed', (n) => n === FAILING.length);
  await expect(page.getByTestId('run-status')).toContainText(/completed/i);
  await shot(page, '13-resumed-completed');

  // --- the runs list -------------------------------------------------------------------------------------
  await page.getByTestId('nav-runs').click();
  await expect(page.getByTestId('runs-list')).toBeVisible();
  await expect(page.locator('[data-testid^="run-row-"]')).toHaveCount(2);
  await shot(page, '14-runs');

  // --- a bad CSV shows its error --------------------------------------------------------------------------
  const bad = path.join(dir, 'bad.csv');
  writeFileSync(bad, 'id,review\n1,fine\n2,"never closed\n3,more\n');
  await page.getByTestId('nav-import').click();
  await page.getByTestId('file-input').setInputFiles(bad);
  await expect(page.getByTestId('import-error')).toBeVisible();
  await expect(page.getByTestId('import-error-message')).toContainText(/line 3/i);
  await shot(page, '15-import-bad-csv');

  expect(pageErrors).toEqual([]);
});
