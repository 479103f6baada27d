// The served app end to end: the real renderer in Chromium, `rowrunner serve` in its own process, the
// built-in simulated endpoint. One CSV of 500 rows, of which every 50th asks the simulator for a 400.
import { expect, test } from '@playwright/test';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { runFlow, SIM_ENV } from './flow.ts';
import { serve, tempDir, type Served } from './serve.ts';

let dir: string;
let served: Served | null = null;

test.beforeAll(() => {
  dir = tempDir();
});

test.afterAll(async () => {
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('import, agent, estimate, run, pause, filter, transcript, retry, export, crash and resume, bad CSV', async ({ page }) => {
  const dbPath = path.join(dir, 'rowrunner.db');
  served = await serve({ dbPath, env: SIM_ENV });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(served.url);

  await runFlow(page, {
    prefix: '',
    importCsv: (pg, file) => pg.getByTestId('drop-zone').drop({ files: file }),
    chooseCsv: (pg, file) => pg.getByTestId('file-input').setInputFiles(file),
    async exportXlsx(pg, target) {
      const downloadPromise = pg.waitForEvent('download');
      await pg.getByTestId('export-xlsx').click();
      const download = await downloadPromise;
      expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
      await download.saveAs(target);
      return target;
    },
    async crashAndRestart(pg) {
      const port = served!.port;
      await served!.kill();
      // the page notices that the server is gone
      await expect(pg.getByTestId('connection-state')).toBeVisible();
      // a new process makes a new token: the user opens the URL it prints
      served = await serve({ dbPath, port, env: SIM_ENV });
      await pg.goto(served.url);
      return pg;
    },
  }, dir);

  expect(pageErrors).toEqual([]);
});
