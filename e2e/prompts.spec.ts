// Prompts that fit, in the served app: a 5 MB cell is previewed by its start on the Agent screen, the
// estimate names its row as too long for the model.
import { expect, test } from '@playwright/test';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

test('a 5 MB cell: previewed by its start, named by the estimate', async ({ page }) => {
  const huge = 'The customer wrote at length about the delivery and the box. '.repeat(82_000);
  const file = path.join(dir, 'letters.csv');
  writeFileSync(file, `id,text\n1,short letter\n2,${huge}\n3,another short one\n`);
  await page.goto(served!.url);
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('dataset-rows')).toHaveText('3');

  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('prompt-editor').fill('Summarise: {{text}}');
  await page.getByTestId('output-mode-text').click();
  await page.getByTestId('preview-row').fill('2');
  const preview = page.getByTestId('prompt-preview');
  await expect(page.getByTestId('preview-truncated')).toContainText(`${(huge.length - 2000).toLocaleString('en-US')} more characters`);
  expect(((await preview.textContent()) ?? '').length).toBeLessThan(3000);
  // Typing goes on against the truncated preview.
  await page.getByTestId('system-input').pressSequentially('Be brief.');
  await expect(page.getByTestId('system-input')).toHaveValue('Be brief.');
  await shot(page, 'prompts-01-agent-huge-cell');

  await page.getByTestId('nav-run').click();
  await page.getByTestId('estimate-button').click();
  const tooLong = page.getByTestId('estimate-too-long');
  // The tokenizer's tables load on the first estimate: seconds on a loaded machine.
  await expect(tooLong).toContainText('1 row is too long for the model', { timeout: 120_000 });
  await expect(tooLong).toContainText('128,000 tokens. Row 2:');
  await shot(page, 'prompts-02-estimate-too-long');

  // The run failing that row unsent is covered through the engine (electron/core/estimate/prompts-fit.test.ts).
});
