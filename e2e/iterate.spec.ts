// Runs that build on each other in the served app: "New run from this one" opens the run's agent on
// the same rows (a trial's five), and "Re-run rows…" on Results sends rows again in the same run, the
// earlier attempt kept in the row's detail.
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveForFile, shot } from './flow.ts';

const app = serveForFile();

test('a new run from a trial takes its rows with an edited agent; rows re-run from Results keep their earlier attempt', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
  const csv = path.join(app.dir, 'reviews.csv');
  writeFileSync(csv, `id,review\n${Array.from({ length: 8 }, (_, i) => `${i + 1},review ${i + 1}`).join('\n')}\n`);
  await page.getByTestId('file-input').setInputFiles(csv);
  await expect(page.getByTestId('dataset-rows')).toHaveText('8');
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('prompt-editor').fill('Label {{review}}');
  await page.getByTestId('output-mode-text').click();
  await page.getByTestId('nav-run').click();
  await page.getByTestId('trial-button').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });

  // New run from this one, on the Runs screen: the agent is in the editor, the rows are the trial's five.
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('new-run-from-1').click();
  await expect(page.getByTestId('prompt-editor')).toHaveValue('Label {{review}}');
  await page.getByTestId('prompt-editor').fill('Summarise {{review}}');
  await page.getByTestId('nav-run').click();
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(page.getByTestId('progress-bar')).toHaveAttribute('aria-valuemax', '5');

  // Re-run rows 2 and 4 from Results; a row out of range is refused in place.
  await page.getByTestId('nav-results').click();
  await expect(page.getByTestId('results-row-4')).toBeVisible();
  await page.getByTestId('rerun-rows-open').click();
  await page.getByTestId('rerun-rows-spec').fill('9');
  await page.getByTestId('rerun-rows-submit').click();
  await expect(page.getByTestId('rerun-rows-problem')).toContainText('row 9 is out of range: the run has 5 rows');
  await page.getByTestId('rerun-rows-spec').fill('2,4');
  await page.getByTestId('rerun-rows-submit').click();
  await expect(page.getByTestId('rerun-rows')).toHaveCount(0);
  await expect(page.getByTestId('results-run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await page.getByTestId('results-row-3').click();
  await expect(page.getByTestId('detail-attempts')).toHaveText('2');
  await expect(page.getByTestId('earlier-attempt-1')).toBeVisible();
  await page.getByTestId('results-row-2').click();
  await expect(page.getByTestId('detail-attempts')).toHaveText('1');
  await expect(page.getByTestId('earlier-attempt-1')).toHaveCount(0);
  await shot(page, 'iterate-rerun');
  expect(pageErrors).toEqual([]);
});

test('Results retries failed rows by kind: the infrastructure failure alone', async ({ page }) => {
  await page.goto(app.url);
  // Row 2 gets six 429s, every try the client makes, then an answer: an infrastructure failure that a retry mends.
  const csv = path.join(app.dir, 'flaky.csv');
  writeFileSync(csv, 'id,review\n1,fine\n2,flaky [[status:429x6]] [[retry-after:1]]\n3,fine too\n');
  await page.getByTestId('file-input').setInputFiles(csv);
  await expect(page.getByTestId('dataset-rows')).toHaveText('3');
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('prompt-editor').fill('Label {{review}}');
  await page.getByTestId('output-mode-text').click();
  await page.getByTestId('nav-run').click();
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });

  await page.getByTestId('nav-results').click();
  await expect(page.getByTestId('retry-infra')).toHaveText('Retry infrastructure failures (1)');
  await expect(page.getByTestId('retry-invalid')).toBeDisabled();
  await page.getByTestId('retry-infra').click();
  await expect(page.getByTestId('results-run-status')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(page.getByTestId('retry-infra')).toHaveCount(0);
  await page.getByTestId('results-row-1').click();
  await expect(page.getByTestId('detail-attempts')).toHaveText('2');
});
