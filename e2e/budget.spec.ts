// The budget promise in the served app: a cost budget for a model with no price is named inline and
// keeps Start disabled until the prices are set; a budget under one call's worst case is warned of; a
// run whose every row failed is shown failed, in red, on the Run, Runs and Results screens.
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveForFile } from './flow.ts';

const app = serveForFile();

async function importCsv(page: Page, name: string, text: string, rows: number): Promise<void> {
  const file = path.join(app.dir, name);
  writeFileSync(file, text);
  await page.getByTestId('nav-import').click();
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('dataset-rows')).toHaveText(String(rows));
}

async function agent(page: Page, model: string): Promise<void> {
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill(model);
  await page.getByTestId('prompt-editor').fill('Label {{review}}');
  await page.getByTestId('output-mode-text').click();
}

test('a cost budget for an unpriced model is named inline and keeps Start disabled until the prices are set', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
  await importCsv(page, 'reviews.csv', 'id,review\n1,fine\n2,broken\n', 2);
  await agent(page, 'local-llama');

  await page.getByTestId('nav-run').click();
  await expect(page.getByTestId('start-button')).toBeEnabled();
  await page.getByTestId('max-cost').fill('1');
  const unpriced = page.getByTestId('budget-unpriced-model');
  await expect(unpriced).toContainText('"local-llama" has no known price');
  await expect(unpriced).toContainText('pricing.inputPerMTok and pricing.outputPerMTok');
  await expect(page.getByTestId('start-button')).toBeDisabled();
  await expect(page.getByTestId('trial-button')).toBeDisabled();

  // a token budget needs no price
  await page.getByTestId('max-cost').fill('');
  await page.getByTestId('max-tokens').fill('100000');
  await expect(page.getByTestId('estimate-result')).toBeVisible();
  await expect(unpriced).toHaveCount(0);
  await expect(page.getByTestId('start-button')).toBeEnabled();

  // the prices set on the Agent screen lift it
  await page.getByTestId('max-tokens').fill('');
  await page.getByTestId('max-cost').fill('1');
  await expect(unpriced).toBeVisible();
  await page.getByTestId('nav-agent').click();
  await page.getByText('Advanced', { exact: true }).click();
  await page.getByTestId('price-in-input').fill('0.1');
  await page.getByTestId('price-out-input').fill('0.2');
  await page.getByTestId('nav-run').click();
  await expect(page.getByTestId('estimate-result')).toBeVisible();
  await expect(unpriced).toHaveCount(0);
  await expect(page.getByTestId('start-button')).toBeEnabled();

  // a budget under one call's worst case is warned of, before Start
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByText('Advanced', { exact: true }).click();
  await page.getByTestId('price-in-input').fill('');
  await page.getByTestId('price-out-input').fill('');
  await page.getByTestId('nav-run').click();
  await page.getByTestId('max-cost').fill('0.0002');
  await expect(page.getByTestId('budget-budget-under-one-call')).toContainText("smaller than one call's worst case ($0.0098");
  await expect(page.getByTestId('budget-budget-under-one-call')).toContainText('maxTokensPerCall');
  await expect(page.getByTestId('start-button')).toBeEnabled();
  expect(pageErrors).toEqual([]);
});

test('a run whose every row failed is shown failed, in red, never a green Completed', async ({ page }) => {
  await page.goto(app.url);
  await importCsv(page, 'failing.csv', 'id,review\n1,a [[status:500]]\n2,b [[status:500]]\n3,c [[status:500]]\n', 3);
  await agent(page, 'gpt-4o-mini');
  await page.getByTestId('nav-run').click();
  await page.getByTestId('start-button').click();

  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(page.getByTestId('count-failed')).toHaveText('3');
  await expect(status).toHaveAttribute('data-tone', 'bad');
  await expect(status).toHaveText('Failed: all 3 rows');

  await page.getByTestId('nav-runs').click();
  const listed = page.locator('[data-testid^="run-row-"] .pill');
  await expect(listed).toHaveAttribute('data-tone', 'bad');
  await expect(listed).not.toContainText('Completed');

  await page.getByTestId('nav-results').click();
  await expect(page.getByTestId('results-run-status')).toHaveAttribute('data-tone', 'bad');
  await expect(page.getByTestId('results-run-status')).toHaveText('Failed: all 3 rows');
  // the same red as a failed row's pill
  const red = await page.locator('.pill.item-failed').first().evaluate((e) => getComputedStyle(e).color);
  await expect(page.getByTestId('results-run-status')).toHaveCSS('color', red);
});
