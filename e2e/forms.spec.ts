// The forms' messages in the served app: errors that name fields by label, required fields that wait
// for a save, and an import error the Import screen acts on by its reason, not by its wording.
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveForFile } from './flow.ts';

const app = serveForFile();

async function choose(page: Page, name: string, text: string): Promise<void> {
  const file = path.join(app.dir, name);
  writeFileSync(file, text);
  await page.getByTestId('nav-import').click();
  await page.getByTestId('file-input').setInputFiles(file);
}

test('a ragged CSV is offered padding, by the error\'s reason; a broken quote is not', async ({ page }) => {
  await page.goto(app.url);
  await choose(page, 'ragged.csv', 'id,review\n1,fine\n2\n3,more\n');
  await expect(page.getByTestId('import-error')).toBeVisible();
  await page.getByTestId('ragged-pad').click();
  await expect(page.getByTestId('dataset-rows')).toHaveText('3');

  await choose(page, 'quote.csv', 'id,review\n1,fine\n2,"never closed\n3,more\n');
  await expect(page.getByTestId('import-error-message')).toContainText(/line 3/i);
  await expect(page.getByTestId('ragged-pad')).toHaveCount(0);
});

test('the Agent and Run screens name wrong fields by label, and empty ones once a save was tried', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
  await choose(page, 'reviews.csv', 'id,review\n1,fine\n2,broken\n');
  await expect(page.getByTestId('dataset-rows')).toHaveText('2');

  await page.getByTestId('nav-agent').click();
  await page.getByTestId('model-input').fill('');
  await page.getByTestId('temperature-input').fill('3');
  await expect(page.getByText('Temperature must be at most 2')).toBeVisible();
  await expect(page.getByText('Model is required')).toHaveCount(0);

  await page.getByTestId('agent-save').click();
  await expect(page.getByTestId('agent-save-error')).toContainText('Model is required');
  await expect(page.getByTestId('agent-save-error')).toContainText('Prompt is required');
  await expect(page.locator('.field-error', { hasText: 'Model is required' })).toBeVisible();

  await page.getByTestId('prompt-editor').fill('Label {{revew}}');
  await expect(page.getByTestId('prompt-missing')).toHaveText('The prompt names {{revew}}, which the CSV lacks (its columns: id, review).');
  await page.getByTestId('output-mode-structured').click();
  await expect(page.getByText('Answer field 1: name is required')).toBeVisible();

  await page.getByTestId('nav-run').click();
  const blockers = page.getByTestId('run-blockers');
  await expect(blockers).toContainText('Model is required');
  await expect(blockers).toContainText('Answer field 1: name is required');
  await expect(blockers).toContainText('Temperature must be at most 2');
  await expect(blockers).not.toContainText('fields.0');

  // A right agent; then the run options' own rule, from RunOptionsSchema.
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('temperature-input').fill('');
  await page.getByTestId('prompt-editor').fill('Label {{review}}');
  await page.getByTestId('output-mode-text').click();
  await page.getByTestId('nav-run').click();
  await expect(page.getByTestId('run-blockers')).toHaveCount(0);
  await page.getByTestId('batch-size').fill('0');
  await page.getByTestId('estimate-button').click();
  await expect(page.getByText('Batch size must be above 0')).toBeVisible();
  expect(pageErrors).toEqual([]);
});
