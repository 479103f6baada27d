// npm start's first step: with no Electron binary and no way to download one (here a loopback mirror
// that has none), it says plainly that Electron downloads on first use and needs the internet.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = path.join(import.meta.dirname, 'electron-binary.ts');
const installed = existsSync(path.join(path.dirname(createRequire(import.meta.url).resolve('electron/package.json')), 'path.txt'));

let mirror: http.Server;
let cache: string;
beforeAll(async () => {
  cache = mkdtempSync(path.join(os.tmpdir(), 'rowrunner-electron-cache-'));
  mirror = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => mirror.close(r));
  rmSync(cache, { recursive: true, force: true });
});

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { ELECTRON_OVERRIDE_DIST_PATH: _, ...rest } = process.env;
  const child = spawn(process.execPath, [SCRIPT], { env: { ...rest, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('npm start without the Electron binary', () => {
  it.skipIf(installed)('says that Electron downloads on first use and needs the internet', async () => {
    const port = (mirror.address() as { port: number }).port;
    const r = await run({ ELECTRON_MIRROR: `http://127.0.0.1:${port}/`, electron_config_cache: cache });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('it downloads once, on first use, and needs the internet. Downloading…');
    expect(r.stderr).toContain('npm start could not download the Electron binary');
    expect(r.stderr).toContain('npx rowrunner serve');
  });

  it('goes on at once, silently, when told where an Electron is', async () => {
    const r = await run({ ELECTRON_OVERRIDE_DIST_PATH: cache });
    expect(r).toEqual({ code: 0, stderr: '' });
  });
});
