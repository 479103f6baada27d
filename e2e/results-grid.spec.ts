// The results grid in the served app: per-column filters run by the core, marks saved and exported
// as _rating/_note, arrow keys and Enter, columns hidden, moved and resized and remembered per dataset,
// 200 columns drawn a screenful at a time, charts of the results; and the Run screen's figures: Start
// asks during a run, the tiles while paused and once finished, a short run's chart.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveForFile, shot, waitForCount } from './flow.ts';

const app = serveForFile();

async function importCsv(page: Page, name: string, header: string[], rows: string[][]): Promise<void> {
  const file = path.join(app.dir, name);
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  writeFileSync(file, [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n');
  await page.getByTestId('nav-import').click();
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('dataset-rows')).toHaveText(String(rows.length));
}

/** An agent answering three fields: label (free text), confidence (a number in 0..1), urgent (true/false). */
async function structuredAgent(page: Page, prompt: string): Promise<void> {
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('prompt-editor').fill(prompt);
  await page.getByTestId('output-mode-structured').check();
  if (!(await page.getByTestId('field-name-0').isVisible())) await page.getByTestId('field-add').click();
  const fields = [
    ['label', 'string'],
    ['confidence', 'number'],
    ['urgent', 'boolean'],
  ];
  for (const [i, [name, type]] of fields.entries()) {
    if (i > 0) await page.getByTestId('field-add').click();
    await page.getByTestId(`field-name-${i}`).fill(name);
    await page.getByTestId(`field-type-${i}`).selectOption(type);
  }
}

const reviews = (n: number) => Array.from({ length: n }, (_, i) => [String(i + 1), `Review ${i + 1}: ${i % 2 ? 'arrived broken' : 'works well'}`]);

test('Run screen: Start asks during a run; paused tiles show no rate, ETA or stale in-flight; a finished run shows elapsed and average throughput', async ({ page }) => {
  await page.goto(app.url);
  await importCsv(page, 'slow.csv', ['id', 'review'], reviews(300));
  await structuredAgent(page, 'Label {{review}}');
  await page.getByTestId('nav-run').click();
  await page.getByTestId('batch-size').fill('2');
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('run-status')).toContainText(/running/i);
  await waitForCount(page, 'count-done', (n) => n >= 4);
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'paused');
  await waitForCount(page, 'count-running', (n) => n === 0);
  await expect(page.getByTestId('items-per-minute')).toHaveText('—');
  await expect(page.getByTestId('eta')).toHaveText('paused');
  await expect(page.getByTestId('concurrency')).toHaveText('0');

  // Start again while this run is paused: asked, and "Keep one" starts nothing.
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('start-confirm')).toBeVisible();
  await expect(page.getByTestId('start-button')).toBeDisabled();
  await page.getByTestId('start-confirm-no').click();
  await expect(page.getByTestId('start-confirm')).toHaveCount(0);
  await page.getByTestId('nav-runs').click();
  await expect(page.locator('[data-testid^="run-row-"]')).toHaveCount(1);

  await page.getByTestId('nav-run').click();
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('eta')).toHaveText(/^\d+(\.\d+)?s$|^\d+ ms$|^\d+m \d\ds$/);
  await expect(page.getByTestId('items-per-minute')).toHaveText(/^[\d,.]+$/);
});

test('Results grid: filters, marks, keys, selection, columns and charts; exported with _rating and _note', async ({ page }) => {
  await page.goto(app.url);
  await importCsv(page, 'reviews.csv', ['id', 'review'], reviews(60));
  // Not the first test's prompt: its answers, in the response cache, would end this run before a throughput is seen.
  await structuredAgent(page, 'Label this review: {{review}}');
  await page.getByTestId('nav-run').click();
  await page.getByTestId('batch-size').fill('8');
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'completed');
  // A run of a second or two still draws its throughput, with a readable peak.
  await expect(page.getByTestId('chart-peak')).toHaveText(/^peak [\d,]+(\.\d)? items\/min$/);
  await expect(page.getByTestId('eta')).not.toHaveText('—');

  await page.getByTestId('view-results').click();
  await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', '60');

  // Charts: the status, a histogram of the number, the counts of the boolean; none of the free text.
  await expect(page.getByTestId('chart-status')).toContainText('done 60');
  await expect(page.getByTestId('chart-field-confidence').locator('.bar-v')).toHaveCount(10);
  await expect(page.getByTestId('chart-field-urgent')).toContainText('true');
  await expect(page.getByTestId('chart-field-label')).toHaveCount(0);

  // Marks: 👍 on row 1, 👎 on row 2, a note on row 3 reached with the arrow keys and Enter.
  await page.getByTestId('mark-up-0').click();
  await expect(page.getByTestId('results-row-0')).toHaveAttribute('data-rating', 'up');
  await page.getByTestId('mark-down-1').click();
  await expect(page.getByTestId('results-row-1')).toHaveAttribute('data-rating', 'down');
  await page.getByTestId('results-row-0').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('results-row-2')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('item-detail')).toHaveAttribute('aria-label', 'Row 3');
  await page.getByTestId('detail-note').fill('check the label');
  await page.getByTestId('detail-note-save').click();
  await expect(page.getByTestId('note-2')).toBeVisible();
  await page.getByTestId('detail-close').click();

  await page.getByTestId('filter-mark').selectOption('up');
  await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', '1');
  await page.getByTestId('filter-mark').selectOption('noted');
  await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', '1');
  await expect(page.getByTestId('results-row-2')).toBeVisible();
  await page.getByTestId('filter-mark').selectOption('');

  // A number range on an output field, and text on an input column, together.
  await page.getByTestId('filter-confidence').fill('< 0.5');
  await expect(page.getByTestId('results-count')).toContainText('match');
  const low = Number(await page.getByTestId('results-table').getAttribute('data-total'));
  await page.getByTestId('filter-review').fill('broken');
  await expect.poll(async () => Number(await page.getByTestId('results-table').getAttribute('data-total'))).toBeLessThan(low);
  const both = Number(await page.getByTestId('results-table').getAttribute('data-total'));
  for (const row of await page.locator('[data-testid^="results-row-"]').all()) await expect(row).toContainText('broken');

  // Select all the filter's rows (not only those drawn).
  await page.getByTestId('select-all').click();
  await expect(page.getByTestId('selection-count')).toContainText(`${both} selected`);
  await expect(page.getByTestId('select-all')).toBeChecked();

  // Columns: hide id, move confidence first, widen review; remembered after a reload.
  await page.getByTestId('columns-button').click();
  await page.getByTestId('show-id').uncheck();
  // index, status, mark, id, review, label, confidence: six steps to the front, then it cannot go further
  for (let i = 0; i < 6; i++) await page.getByTestId('left-confidence').click();
  await expect(page.getByTestId('left-confidence')).toBeDisabled();
  await page.getByTestId('columns-button').click();
  await expect(page.getByTestId('colhead-id')).toHaveCount(0);
  const heads = page.locator('.vhead [role="columnheader"]');
  await expect(heads.nth(1)).toHaveAttribute('data-testid', 'colhead-confidence');
  const before = (await page.getByTestId('colhead-review').boundingBox())!.width;
  const handle = (await page.getByTestId('resize-review').boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + 120, handle.y + handle.height / 2, { steps: 4 });
  await page.mouse.up();
  await expect.poll(async () => (await page.getByTestId('colhead-review').boundingBox())!.width).toBeGreaterThan(before + 100);
  // For the picture: the text filter, the 👎 on row 2, the charts.
  await page.getByTestId('filter-confidence').fill('');
  await expect(page.getByTestId('results-row-1')).toHaveAttribute('data-rating', 'down');
  await shot(page, 'results-grid');

  const exported = await exportJsonl(page);
  expect(exported[0]).toMatchObject({ _rating: 'up', _note: null });
  expect(exported[1]).toMatchObject({ _rating: 'down', _note: null });
  expect(exported[2]).toMatchObject({ _rating: null, _note: 'check the label' });
  expect(exported.filter((r) => (r.confidence as number) < 0.5)).toHaveLength(low);
  expect(exported.filter((r) => (r.confidence as number) < 0.5 && String(r.review).includes('broken'))).toHaveLength(both);

  await page.reload();
  await page.getByTestId('nav-results').click();
  await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', '60');
  await expect(page.getByTestId('colhead-id')).toHaveCount(0);
  await expect(page.locator('.vhead [role="columnheader"]').nth(1)).toHaveAttribute('data-testid', 'colhead-confidence');
});

async function exportJsonl(page: Page): Promise<Record<string, unknown>[]> {
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-jsonl').click();
  const file = path.join(app.dir, 'export.jsonl');
  await (await downloading).saveAs(file);
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('200 columns: only those on screen are drawn, and scrolling brings the last one', async ({ page }) => {
  await page.goto(app.url);
  const header = Array.from({ length: 200 }, (_, i) => `c${i}`);
  await importCsv(page, 'wide.csv', header, Array.from({ length: 3 }, (_, r) => header.map((h) => `${h}-${r}`)));
  await page.getByTestId('nav-agent').click();
  await page.getByTestId('endpoint-select').selectOption('simulated');
  await page.getByTestId('model-input').fill('gpt-4o-mini');
  await page.getByTestId('prompt-editor').fill('Summarise {{c0}}');
  await page.getByTestId('output-mode-text').click();
  await page.getByTestId('nav-run').click();
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'completed');
  await page.getByTestId('view-results').click();
  await expect(page.getByTestId('results-row-0')).toBeVisible();
  const drawn = await page.locator('.vhead [role="columnheader"]').count();
  expect(drawn).toBeGreaterThan(3);
  expect(drawn).toBeLessThan(30);
  await expect(page.getByTestId('colhead-c199')).toHaveCount(0);
  await page.locator('.vscroll').evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
  await expect(page.getByTestId('colhead-c199')).toBeVisible();
  await expect(page.getByTestId('results-row-0')).toContainText('c199-0');
  expect(await page.locator('.vhead [role="columnheader"]').count()).toBeLessThan(30);
});
