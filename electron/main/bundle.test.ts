// The built app as Electron would load it: esbuild's out/main/index.js (core and run worker bundled)
// and out/preload/index.cjs, started under Node with a stand-in for the 'electron' module, since an
// Electron binary cannot be assumed. It checks what the window is made with, that the bundled run
// worker really runs, and the security wiring.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const home = mkdtempSync(path.join(os.tmpdir(), 'rr-bundle-'));

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('the bundled main process', () => {
  it('builds, starts, binds the contract and runs a simulated run on the bundled worker', () => {
    execFileSync(process.execPath, [path.join(root, 'electron', 'build.ts')], { cwd: root, stdio: 'pipe' });
    const preload = readFileSync(path.join(root, 'out', 'preload', 'index.cjs'), 'utf8');
    expect(preload).toMatch(/require\("electron"\)/);
    expect(preload).not.toMatch(/^import /m);
    expect(preload).not.toMatch(/exposeInMainWorld\("rowrunner", import_electron\.ipcRenderer\)/);
    expect(preload).not.toContain('zod');
    // A file's path, asked for by the page, is reported to the main side as chosen by the user.
    expect(preload).toMatch(/send\([^)]*"rowrunner:chosen-file"|send\(CHOSEN_FILE_CHANNEL|send\(import_channels\.CHOSEN_FILE_CHANNEL/);

    const csv = path.join(home, 'in.csv');
    writeFileSync(csv, 'q\none\ntwo\nthree\n');
    const stdout = execFileSync(
      process.execPath,
      ['--import', path.join(import.meta.dirname, 'testing', 'register-fake-electron.mjs'), path.join(import.meta.dirname, 'testing', 'drive-bundle.mjs'), path.join(root, 'out'), csv],
      { cwd: home, env: { ...process.env, FAKE_ELECTRON_HOME: home, ROWRUNNER_SIMULATOR_LATENCY_MS: '0', ROWRUNNER_SIMULATOR_JITTER_MS: '0' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    ).toString();
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(report.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(report.webPreferences.preload).toBe(path.join(root, 'out', 'preload', 'index.cjs'));
    expect(report.loadedFile).toBe(path.join(root, 'out', 'renderer', 'index.html'));
    expect(report.shown).toBe(true);
    expect(report.info).toMatchObject({ ok: true, res: { front: 'electron', dataDir: path.join(home, 'Rowrunner') } });
    expect(report.foreign).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(report.samples.ok).toBe(true);
    expect(report.unchosen).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(report.imported).toMatchObject({ ok: true, res: { rowCount: 3 } });
    expect(report.estimate).toMatchObject({ ok: true, res: { items: 3, tokenizer: 'o200k_base' } });
    expect(report.run).toMatchObject({ ok: true, res: { status: 'completed', totals: { done: 3 } } });
    expect(report.events).toContain('run:finished');
    expect(report.csp).toEqual([expect.stringContaining("default-src 'self'")]);
    expect(report.permission).toBe(false);
    expect(report.navigationPrevented).toBe(true);
    expect(report.windowOpen).toEqual({ action: 'deny' });
    expect(report.menu).toEqual(['&File', 'editMenu', '&View', 'help']);
  });
});
