// The response cache in the served app: a full run after a 5-row trial answers those 5 from the cache
// (the tiles and the Runs list say so), the switch on the Run screen sends every row, and the Runs
// screen's panel shows the kept answers and clears them.
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveForFile, shot } from './flow.ts';

const app = serveForFile();

test('a trial then the full run pays for each row once; the cache can be turned off, seen and cleared', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
  const file = path.join(app.dir, 'reviews.csv');
  writeFileSync(file, `id,review\n${Array.from({ length: 8 }, (_, i) => `${i},review number ${i}`).join('\n')}\n`);
  await page.getByTestId('nav-import').click();
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('dataset-rows')).toHaveText('8');
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('prompt-editor').fill('Label {{review}}');
  await page.getByTestId('output-mode-text').click();

  await page.getByTestId('nav-run').click();
  await expect(page.getByTestId('use-cache')).toBeChecked();
  await page.getByTestId('trial-button').click();
  await expect(page.getByTestId('count-done')).toHaveText('5', { timeout: 60_000 });
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'completed');
  await expect(page.getByTestId('cached-calls')).toHaveText('0');

  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('count-done')).toHaveText('8', { timeout: 60_000 });
  await expect(page.getByTestId('cached-calls')).toHaveText('5');
  await expect(page.getByTestId('saved-cost')).not.toHaveText('$0');
  await shot(page, 'cache-full-after-trial');

  await page.getByTestId('use-cache').uncheck();
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('count-done')).toHaveText('8', { timeout: 60_000 });
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'completed');
  await expect(page.getByTestId('cached-calls')).toHaveText('0');

  await page.getByTestId('nav-runs').click();
  await expect(page.getByTestId('run-cached-2')).toContainText('5 cached');
  await expect(page.getByTestId('cache-size')).toContainText('8 answers');
  await expect(page.getByTestId('cache-entries').locator('tbody tr')).toHaveCount(8);
  await page.getByTestId('cache-clear').click();
  await page.getByTestId('cache-clear-confirm').click();
  await expect(page.getByTestId('cache-cleared')).toContainText('Cleared 8 answers');
  await expect(page.getByTestId('cache-size')).toContainText('0 answers');
  expect(pageErrors).toEqual([]);
});
