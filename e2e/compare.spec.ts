// Runs side by side in the served app, and the Runs screen's rough edges: runs are ticked and compared
// (rows that differ marked, a filter for them, totals and agent differences above), renamed in place,
// shown with their id, fit a 900 px window; screens have hash routes that Back follows and that link a
// run; the token leaves the address bar once the cookie is set. The runs are made with the real CLI
// against the project's simulator, then `rowrunner serve` opens the same database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startSimulator, type Simulator } from '../electron/core/simulator/index.ts';
import { shot } from './flow.ts';
import { ROOT, serve, tempDir, type Served } from './serve.ts';

let dir: string;
let sim: Simulator;
let served: Served | null = null;
const ids = { a: '', b: '', short: '' };

/** Asynchronous: the simulator answers from this process. */
async function cliRun(csv: string, name: string, prompt: string, dbPath: string): Promise<string> {
  const agent = path.join(dir, `${name}.json`);
  writeFileSync(agent, JSON.stringify({ name, model: 'sim-model', prompt }));
  const { stdout: out } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'rowrunner.js'), 'run', csv, '--agent', agent, '--json'], {
    env: { ...process.env, OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: dbPath },
    encoding: 'utf8',
  });
  return String((JSON.parse(out.trim().split('\n').pop()!) as { runId: unknown }).runId);
}

test.beforeAll(async () => {
  dir = tempDir();
  sim = await startSimulator({ latencyMs: 1 });
  const dbPath = path.join(dir, 'rowrunner.db');
  // question and alt agree on rows 1, 3 and 5 (counting from 1).
  const csv = path.join(dir, 'items.csv');
  writeFileSync(csv, 'question,alt\nred,red\nblue,navy\ngreen,green\nwhite,ivory\nblack,black\npink,rose\n');
  ids.a = await cliRun(csv, 'reads-question', 'Name a thing that is {{question}}', dbPath);
  ids.b = await cliRun(csv, 'reads-alt', 'Name a thing that is {{alt}}', dbPath);
  const short = path.join(dir, 'short.csv');
  writeFileSync(short, 'question,alt\nred,red\nblue,blue\n');
  ids.short = await cliRun(short, 'short', '{{question}}', dbPath);
  served = await serve({ dbPath });
});

test.afterAll(async () => {
  await served?.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two runs side by side: differing rows marked and filtered, totals and agent differences above', async ({ page }) => {
  await page.goto(served!.url);
  await page.getByTestId('nav-runs').click();
  await page.getByTestId(`run-pick-${ids.a}`).check();
  await expect(page.getByTestId('compare-selected')).toBeDisabled();
  await page.getByTestId(`run-pick-${ids.b}`).check();
  await page.getByTestId('compare-selected').click();

  await expect(page.getByTestId('compare-counts')).toHaveText('3 of 6 rows differ');
  await expect(page).toHaveURL(new RegExp(`#/compare/${ids.a},${ids.b}$`));
  await expect(page.getByTestId(`compare-done-${ids.a}`)).toHaveText('6');
  await expect(page.getByTestId(`compare-failed-${ids.b}`)).toHaveText('0');
  await expect(page.getByTestId('compare-agent-prompt')).toContainText('{{alt}}');
  await expect(page.getByTestId('compare-agent-model')).toHaveCount(0);
  const table = page.getByTestId('compare-table');
  await expect(table.locator('thead')).toContainText(`result@${ids.a}`);
  await expect(table.locator('thead')).toContainText(`result@${ids.b}`);
  await expect(page.getByTestId('compare-row-0')).toHaveAttribute('data-differs', 'false');
  await expect(page.getByTestId('compare-row-1')).toHaveAttribute('data-differs', 'true');
  await expect(page.getByTestId('compare-row-1')).toContainText('navy');
  await expect(page.getByTestId('compare-range')).toHaveText('Rows 1–6 of 6');

  await page.getByTestId('compare-only-differing').check();
  await expect(page.getByTestId('compare-range')).toHaveText('Rows 1–3 of 3');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table.locator('tbody tr[data-differs="false"]')).toHaveCount(0);
  await shot(page, 'compare');

  // Runs over different rows say why.
  await page.goto(`${new URL(served!.url).origin}/#/compare/${ids.a},${ids.short}`);
  await expect(page.getByTestId('compare-error')).toContainText(`Runs ${ids.a} and ${ids.short} cover different rows`);
});

test('screens have addresses: Back follows them, a run can be linked, and the token leaves the address bar', async ({ page }) => {
  await page.goto(served!.url);
  await expect.poll(() => page.url()).not.toContain('token=');
  await page.getByTestId('nav-runs').click();
  await expect(page).toHaveURL(/#\/runs$/);
  await page.getByTestId(`run-open-${ids.short}`).click();
  await expect(page).toHaveURL(new RegExp(`#/results/${ids.short}$`));
  await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', '2');
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await page.goForward();
  await expect(page.getByTestId('results-table')).toHaveAttribute('data-total', '2');

  // A link to another run, opened afresh (the cookie, not the token, lets it in).
  const linked = await page.context().newPage();
  await linked.goto(`${new URL(served!.url).origin}/#/results/${ids.a}`);
  await expect(linked.getByTestId('results-table')).toHaveAttribute('data-total', '6');
  await expect(linked.getByTestId('nav-results')).toHaveAttribute('aria-current', 'page');
  await linked.close();
});

test('at 900 px the Runs table fits; a run is renamed in place and shows its id', async ({ page }) => {
  await page.setViewportSize({ width: 900, height: 800 });
  await page.goto(served!.url);
  await page.getByTestId('nav-runs').click();
  await expect(page.getByTestId(`run-id-${ids.a}`)).toHaveText(`#${ids.a}`);
  const scroller = page.locator('.table-scroll').first();
  await expect.poll(() => scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);

  await page.getByTestId(`run-rename-${ids.a}`).click();
  await page.getByTestId(`run-rename-input-${ids.a}`).fill('baseline');
  await page.getByTestId(`run-rename-input-${ids.a}`).press('Enter');
  await expect(page.getByTestId(`run-open-${ids.a}`)).toHaveText('baseline');
  await page.reload();
  await page.getByTestId('nav-runs').click();
  await expect(page.getByTestId(`run-open-${ids.a}`)).toHaveText('baseline');
});
