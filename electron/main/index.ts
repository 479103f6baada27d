// The Electron main process: one window on our own page from disk, the contract bound to the core over
// IPC, native menus and dialogs. The core is the same one `rowrunner serve` and the CLI use; runs go to
// the runs service's worker threads, so this process only routes calls and events.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, safeStorage, session, shell } from 'electron';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EventPayload } from '../../shared/contract.ts';
import { createCore, type Core } from '../core/core.ts';
import { createEncryptedKeyStore, type SafeStorageLike } from '../core/keys/file.ts';
import { withEnvFallback } from '../core/keys/index.ts';
import { cspOfHtml, FALLBACK_CSP } from '../core/serve/csp.ts';
import { bindIpc, forwardEvents, sameFileUrl } from './ipc.ts';
import { EVENT_CHANNEL } from './channels.ts';
import { menuTemplate } from './menu.ts';
import { hardenApp, hardenSession, secureWebPreferences } from './security.ts';

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main
const pageFile = path.join(here, '..', 'renderer', 'index.html');
const preloadFile = path.join(here, '..', 'preload', 'index.cjs');
const pageUrl = pathToFileURL(pageFile).href;

let core: Core | null = null;
let win: BrowserWindow | null = null;

function log(line: string): void {
  console.error(`[rowrunner] ${line}`);
}

function pageCspText(): string {
  try {
    return cspOfHtml(readFileSync(pageFile, 'utf8')) ?? FALLBACK_CSP;
  } catch {
    return FALLBACK_CSP;
  }
}

/**
 * safeStorage, except that on Linux without a secret service (its 'basic_text' backend, a fixed
 * password) it counts as unavailable: a key would not really be encrypted, so it is not stored.
 */
function keyring(): SafeStorageLike {
  const plainOnly = () => process.platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text';
  return {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable() && !plainOnly(),
    encryptString: (plain) => safeStorage.encryptString(plain),
    decryptString: (encrypted) => safeStorage.decryptString(encrypted),
  };
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Rowrunner',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#ffffff',
    webPreferences: secureWebPreferences(preloadFile),
  });
  w.once('ready-to-show', () => w.show());
  w.on('closed', () => {
    if (win === w) win = null;
  });
  void w.loadFile(pageFile);
  return w;
}

/** Tells the page about a menu command. */
function sendMenu(payload: EventPayload<'app:menu'>): void {
  const w = win ?? BrowserWindow.getAllWindows()[0];
  if (w && !w.isDestroyed()) w.webContents.send(EVENT_CHANNEL, 'app:menu', payload);
}

/**
 * Open CSV… asks here, with the native dialog: a page may open its file chooser only from a user's
 * own click, which a menu command sent over IPC is not. The file then counts as chosen by the user.
 */
async function openCsv(chosen: Set<string>): Promise<void> {
  const options = { title: 'Open CSV', properties: ['openFile' as const], filters: [{ name: 'CSV or Excel workbook', extensions: ['csv', 'tsv', 'txt', 'xlsx'] }] };
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  const file = result.canceled ? undefined : result.filePaths[0];
  if (!file) return;
  chosen.add(path.resolve(file));
  sendMenu({ command: 'open-csv', path: file, name: path.basename(file) });
}

// A separate data folder (tests, or a second profile): must be set before the app is ready.
if (process.env.ROWRUNNER_USER_DATA) app.setPath('userData', path.resolve(process.env.ROWRUNNER_USER_DATA));

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  hardenApp(app, shell);

  await app.whenReady();
  const dataDir = app.getPath('userData');
  hardenSession(session.defaultSession, pageCspText());

  core = await createCore({
    dataDir,
    front: 'electron',
    keyStore: withEnvFallback(createEncryptedKeyStore({ file: path.join(dataDir, 'keys.json'), safeStorage: keyring() })),
    log,
  });
  const c = core;

  const chosen = new Set<string>();
  bindIpc({
    ipcMain,
    chosen,
    core: c,
    isTrustedUrl: (url) => sameFileUrl(url, pageUrl),
    log,
    askExportPath: async (runId, format) => {
      let name = 'results';
      try {
        name = (await c.handlers['run:get']({ runId })).name || name;
      } catch {
        // the core reports the missing run when it is asked to export it
      }
      const options = {
        title: 'Export results',
        defaultPath: path.join(app.getPath('documents'), `${name.replace(/[\\/:*?"<>|]+/g, '_')}.${format}`),
        filters: [{ name: format.toUpperCase(), extensions: [format] }],
      };
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
  });
  forwardEvents(c, () => (win && !win.isDestroyed() ? win.webContents : null));

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        openCsv: () => void openCsv(chosen),
        exportRun: () => sendMenu({ command: 'export' }),
        openDataFolder: () => void shell.openPath(dataDir),
        about: () => app.showAboutPanel(),
      }),
    ),
  );
  app.setAboutPanelOptions({ applicationName: 'Rowrunner', applicationVersion: app.getVersion() });

  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('will-quit', (event) => {
  if (quitting || !core) return;
  // Let the core stop its workers and flush the store before the process ends.
  event.preventDefault();
  quitting = true;
  const c = core;
  core = null;
  void c.close().finally(() => app.quit());
});

main().catch((e: unknown) => {
  log(`failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  dialog.showErrorBox('Rowrunner could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
});
