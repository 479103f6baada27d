// The steps of the end-to-end flow, shared by the served spec (Chromium) and the Electron spec.
import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './serve.ts';

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
