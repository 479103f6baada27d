// Spreadsheets in the served app: a workbook dropped in with a sheet picker, a run over the sheet
// picked, its answers added to a copy of the workbook; and a bad CSV's problems in one message.
import { expect, test, type Page } from '@playwright/test';
import ExcelJS from 'exceljs';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSimulator } from '../electron/core/simulator/index.ts';
import { shot } from './flow.ts';
import { serve, tempDir, type Served } from './serve.ts';

let dir: string;
let served: Served | null = null;

test.beforeAll(async () => {
  dir = tempDir();
  served = await serve({ dbPath: path.join(dir, 'rowrunner.db') });
});

test.afterAll(async () => {
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A workbook as users keep one: a notes sheet first, the data on "Reviews" with a styled header. */
async function reviewsBook(): Promise<string> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Notes').addRows([['note'], ['Collected in March']]);
  const reviews = wb.addWorksheet('Reviews');
  reviews.getColumn(2).width = 40;
  reviews.addRow(['id', 'review', 'received']).font = { bold: true };
  reviews.addRow([1, 'great product', new Date(Date.UTC(2024, 2, 1))]);
  reviews.addRow([2, 'arrived broken', new Date(Date.UTC(2024, 2, 2))]);
  reviews.addRow([3, 'it is fine', new Date(Date.UTC(2024, 2, 3))]);
  reviews.getColumn(3).numFmt = 'yyyy-mm-dd';
  const file = path.join(dir, 'reviews.xlsx');
  await wb.xlsx.writeFile(file);
  return file;
}

async function chooseText(page: Page, name: string, text: string): Promise<void> {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  await page.getByTestId('nav-import').click();
  await page.getByTestId('file-input').setInputFiles(file);
}

test('a dropped workbook: pick its sheet, run it, add the answers to a copy of it', async ({ page }) => {
  const book = await reviewsBook();
  await page.goto(served!.url);
  await page.getByTestId('drop-zone').drop({ files: book });
  await expect(page.getByTestId('dataset-sheet')).toHaveText('Notes');
  await page.getByTestId('sheet-select').selectOption('Reviews');
  await expect(page.getByTestId('dataset-sheet')).toHaveText('Reviews');
  await expect(page.getByTestId('dataset-rows')).toHaveText('3');
  await expect(page.getByTestId('preview-table')).toContainText('2024-03-02');
  await shot(page, 'import-sheet-picker');

  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('prompt-editor').fill('Label the sentiment of: {{review}}');
  await page.getByTestId('nav-run').click();
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('run-status')).toContainText(/completed/i, { timeout: 60_000 });

  await page.getByTestId('nav-results').click();
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('add-answers-input').setInputFiles(book);
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('reviews (answers).xlsx');
  await expect(page.getByTestId('add-answers-result')).toContainText('3 rows');
  const saved = path.join(dir, 'answered.xlsx');
  await download.saveAs(saved);

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(saved);
  expect(wb.worksheets.map((s) => s.name)).toEqual(['Notes', 'Reviews']);
  const reviews = wb.getWorksheet('Reviews')!;
  expect(reviews.getColumn(2).width).toBe(40);
  expect(reviews.getRow(1).getCell(4).value).toBeTruthy();
  expect(reviews.getRow(1).getCell(4).font?.bold).toBe(true);
  for (const r of [2, 3, 4]) expect(String(reviews.getRow(r).getCell(4).value ?? '')).not.toBe('');
});

test('a bad CSV says all its problems at once; a header-only file says one thing and is not taken', async ({ page }) => {
  await page.goto(served!.url);
  await chooseText(page, 'good.csv', 'id,review\n1,fine\n');
  await expect(page.getByTestId('dataset-rows')).toHaveText('1');
  await expect(page.getByTestId('nav-import')).toBeVisible();

  await chooseText(page, 'bad.csv', 'id,review\n1,fine\n2\n3,ok,extra\n4,"never closed\n');
  const message = page.getByTestId('import-error-message');
  await expect(message).toContainText('The file has 2 problems.');
  await expect(message).toContainText('line 3 has 1, line 4 has 3');
  await expect(message).toContainText('Line 5, column 2 ("review"): a quote opens here and is never closed.');
  await expect(page.getByTestId('ragged-pad')).toHaveCount(0);
  await shot(page, 'import-bad-csv');

  await chooseText(page, 'header.csv', 'id,review\n');
  await expect(message).toHaveText('header.csv has a header but no rows, so there is nothing to run: add rows and import it again.');
  await expect(page.getByTestId('import-error').locator('li')).toHaveCount(0);
  // The CSV in use is still the good one.
  await expect(page.getByTestId('dataset-name')).toHaveText('good.csv');
  await expect(page.getByTestId('dataset-rows')).toHaveText('1');
});

test('the Run screen says when OpenAI has no key; a custom endpoint can be tested', async ({ page }) => {
  const sim = await startSimulator({ latencyMs: 0 });
  try {
    await page.goto(served!.url);
    await chooseText(page, 'one.csv', 'id,review\n1,fine\n');
    await page.getByTestId('nav-agent').click();
    await page.getByTestId('endpoint-select').selectOption('openai');
    await page.getByTestId('nav-run').click();
    await expect(page.getByTestId('run-key-notice')).toContainText('No OpenAI API key is saved.');

    await page.getByTestId('nav-agent').click();
    await page.getByTestId('endpoint-select').selectOption('custom');
    await page.getByTestId('base-url-input').fill(sim.url);
    await page.getByTestId('test-connection').click();
    await expect(page.getByTestId('test-connection-result')).toContainText(`Connected to ${sim.url}`);
    await page.getByTestId('base-url-input').fill(sim.url.replace(/\/v1\/?$/, '/nope'));
    await page.getByTestId('test-connection').click();
    await expect(page.getByTestId('test-connection-result')).toContainText('check the base URL');
    await page.getByTestId('nav-run').click();
    await expect(page.getByTestId('run-key-notice')).toHaveCount(0);
  } finally {
    await sim.close();
  }
});
