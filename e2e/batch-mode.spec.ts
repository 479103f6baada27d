// Batch mode from the Run screen: the choice of Live or Batch, and a batch run through the simulated
// endpoint's Batch API to the same results a live run gives, at half its cost.
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveForFile, shot } from './flow.ts';

const app = serveForFile();

/** Starts the set-up run in `mode` (run `id` of a fresh database) and reads its cost once it completed. */
async function runOnce(page: Page, mode: 'live' | 'batch', id: number): Promise<number> {
  await page.getByTestId('nav-run').click();
  await page.getByTestId(`run-mode-${mode}`).check();
  await expect(page.getByTestId(`run-mode-${mode}`)).toBeChecked();
  // The live run keeps nothing in the response cache, which would otherwise answer the batch run for free.
  if (mode === 'live') await page.getByTestId('use-cache').uncheck();
  if (mode === 'batch') await shot(page, 'batch-mode-choice');
  await page.getByTestId('start-button').click();
  await page.getByTestId('nav-runs').click();
  const row = page.getByTestId(`run-row-${id}`);
  await expect
    .poll(
      async () => {
        await page.getByTestId('runs-refresh').click();
        return row.getAttribute('data-status');
      },
      { timeout: 120_000, intervals: [250, 500, 1000] },
    )
    .toBe('completed');
  const cells = row.locator('td.num');
  await expect(cells.nth(0)).toHaveText('6');
  return Number(((await cells.nth(3).textContent()) ?? '').replace(/[^\d.]/g, ''));
}

test('a batch run from the Run screen gives the live results at half the cost', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
  const file = path.join(app.dir, 'reviews.csv');
  writeFileSync(file, `id,review\n${Array.from({ length: 6 }, (_, i) => `${i},review number ${i} of a long enough text to cost something`).join('\n')}\n`);
  await page.getByTestId('nav-import').click();
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('dataset-rows')).toHaveText('6');
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('prompt-editor').fill('Label {{review}}');
  await page.getByTestId('output-mode-text').click();

  await page.getByTestId('nav-run').click();
  await expect(page.getByTestId('run-mode-live')).toBeChecked();
  const live = await runOnce(page, 'live', 1);
  const batch = await runOnce(page, 'batch', 2);
  // The list shows a few significant digits: half, to within them.
  expect(live).toBeGreaterThan(0);
  expect(Math.abs(batch - live / 2) / live).toBeLessThan(0.02);
  expect(pageErrors).toEqual([]);
});
