// A run that paused itself because its endpoint went away, as the served app shows it: the run is
// started by the CLI against a test server that is then closed; the Run screen shows the pause and
// its reason, and the run's end once the server is back on its port.
import { expect, test } from '@playwright/test';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnCli } from '../electron/core/cli/test-helpers.ts';
import { startSimulator, type Simulator } from '../electron/core/simulator/index.ts';
import { serve, tempDir, writeCsv, type Served } from './serve.ts';

let dir: string;
let served: Served | null = null;
let sim: Simulator | null = null;

test.beforeAll(() => {
  dir = tempDir('rr-e2e-outage-');
});

test.afterAll(async () => {
  await served?.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a run paused for its endpoint shows why on the Run screen, and its end once the endpoint is back', async ({ page }) => {
  sim = await startSimulator({ latencyMs: 50 });
  const dbPath = path.join(dir, 'rowrunner.db');
  const csv = writeCsv(dir, 'items.csv', ['question'], Array.from({ length: 800 }, (_, i) => [`question ${i}`]));
  const agent = path.join(dir, 'agent.json');
  writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));
  const cli = spawnCli(['run', csv, '--agent', agent, '--json', '--batch-size', '8'], { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: dbPath });
  await cli.waitForStderr(/progress: [1-9]/);
  const port = sim.port;
  await sim.close();
  await cli.waitForStderr(/the endpoint is not answering: paused/);

  served = await serve({ dbPath });
  await page.goto(served.url);
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-open-1').click();
  await expect(page.getByTestId('run-status')).toContainText(/paused/i);
  await expect(page.getByTestId('pause-notice')).toContainText(/^the endpoint is not answering: paused \(next try in \d+ s\); last error: the connection failed/);
  await expect(page.getByTestId('run-error')).toHaveCount(0);

  sim = await startSimulator({ port, latencyMs: 50 });
  const res = await cli.result;
  expect(res.code, res.stderr).toBe(0);
  // The screen reads the paused run again every few seconds: it sees the run go on, the notice gone.
  await expect(page.getByTestId('run-status')).not.toContainText(/paused/i);
  await expect(page.getByTestId('pause-notice')).toHaveCount(0);
  // This server did not run it, so it hears nothing more of it: read again, it is complete, no row failed.
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('runs-refresh').click();
  await expect(page.getByTestId('run-row-1')).toHaveAttribute('data-status', 'completed');
  await page.getByTestId('nav-run').click();
  await expect(page.getByTestId('run-status')).toContainText(/completed/i);
  await expect(page.getByTestId('count-failed')).toHaveText('0');
  await expect(page.getByTestId('count-done')).toHaveText('800');
});
