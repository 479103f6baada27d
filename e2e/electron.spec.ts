// The same flow in the desktop app, through Playwright's Electron driver: the real main process,
// preload and window. It needs Electron's binary, which `npm install` fetches on first use; where it
// is absent (an offline machine) the spec skips.
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runFlow, SIM_ENV } from './flow.ts';
import { ROOT, tempDir } from './serve.ts';

/** Electron's binary if it is installed: $ELECTRON_PATH, else the electron package's dist (read without
 * requiring the package, which would try to download it). */
function electronBinary(): string | null {
  if (process.env.ELECTRON_PATH) return existsSync(process.env.ELECTRON_PATH) ? process.env.ELECTRON_PATH : null;
  try {
    const pkg = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const name = readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
    const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist');
    const bin = path.join(dist, name);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const built = existsSync(path.join(ROOT, 'out', 'main', 'index.js')) && existsSync(path.join(ROOT, 'out', 'renderer', 'index.html'));

test.skip(!binary, 'No Electron binary here (npm could not download it); the served spec covers the same flow in Chromium.');
test.skip(!!binary && !built, 'Build first: npm run build.');

let dir: string;
let app: ElectronApplication | null = null;

async function launch(userData: string): Promise<{ app: ElectronApplication; page: Page }> {
  const a = await electron.launch({
    executablePath: binary!,
    args: [ROOT, '--no-sandbox', '--disable-gpu'],
    cwd: ROOT,
    env: { ...process.env, ...SIM_ENV, ROWRUNNER_USER_DATA: userData } as Record<string, string>,
  });
  const page = await a.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  return { app: a, page };
}

test.beforeAll(() => {
  dir = tempDir('rr-e2e-electron-');
});

test.afterAll(async () => {
  await app?.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

test('the desktop app: the same flow through the preload and IPC', async () => {
  const userData = path.join(dir, 'userData');
  const first = await launch(userData);
  app = first.app;
  const pageErrors: string[] = [];
  first.page.on('pageerror', (e) => pageErrors.push(e.message));

  // the page sees the contract and nothing of Node or Electron
  expect(await first.page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
  expect(await first.page.evaluate(() => Object.keys((window as unknown as { rowrunner: object }).rowrunner).sort())).toEqual(['invoke', 'on']);

  await runFlow(
    first.page,
    {
      prefix: 'electron-',
      // A drop carries no path in a test; the file input gives the page a real one, as a drop does.
      importCsv: (pg, file) => pg.getByTestId('file-input').setInputFiles(file),
      chooseCsv: (pg, file) => pg.getByTestId('file-input').setInputFiles(file),
      async exportXlsx(pg, target) {
        // Answer the native save dialog.
        await app!.evaluate(({ dialog }, file) => {
          dialog.showSaveDialog = (async () => ({ canceled: false, filePath: file })) as typeof dialog.showSaveDialog;
        }, target);
        await pg.getByTestId('export-xlsx').click();
        await expect(pg.getByTestId('export-result')).toBeVisible();
        return target;
      },
      async crashAndRestart() {
        const pid = app!.process().pid!;
        process.kill(pid, 'SIGKILL');
        await app!.close().catch(() => {});
        const again = await launch(userData);
        app = again.app;
        again.page.on('pageerror', (e) => pageErrors.push(e.message));
        return again.page;
      },
    },
    dir,
  );
  expect(pageErrors).toEqual([]);
});
