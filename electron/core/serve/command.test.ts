// `rowrunner serve` as a command: the URL on a line of its own, the renderer built on first use (and
// said so), a clean stop on the signal, a bad port refused.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServeCommand } from './command.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rowrunner-serve-cmd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

/** Starts the command; resolves with the first line it prints on stdout (the URL) and a way to stop it. */
function serve(argv: string[], rendererDir: string) {
  const errs: string[] = [];
  let stop!: () => void;
  const stopSignal = new Promise<void>((r) => (stop = r));
  let printed!: (line: string) => void;
  const url = new Promise<string>((r) => (printed = r));
  const done = runServeCommand(argv, { out: (l) => printed(l), err: (l) => errs.push(l), stopSignal, rendererDir });
  return { url: Promise.race([url, done.then((code) => Promise.reject(new Error(`exited ${code}: ${errs.join('\n')}`)))]), errs, stop, done };
}

describe('rowrunner serve', () => {
  it('builds the renderer on first use, says so, then serves it with the full URL on a line of its own', async () => {
    const rendererDir = path.join(dir, 'first-use', 'renderer');
    const s = serve(['--db', path.join(dir, 'first.db')], rendererDir);
    const url = await s.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
    expect(s.errs.join('\n')).toContain('The web UI is not built yet: building it');
    expect(s.errs.join('\n')).toContain('Built the web UI.');
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    s.stop();
    expect(await s.done).toBe(0);
  });

  it('serves a renderer already built without building it again', async () => {
    const rendererDir = path.join(dir, 'built');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>built</title>');
    const s = serve(['--db', path.join(dir, 'built.db')], rendererDir);
    const page = await get(await s.url);
    expect(page.body).toContain('<title>built</title>');
    expect(s.errs.join('\n')).not.toContain('building');
    s.stop();
    expect(await s.done).toBe(0);
  });

  it('rejects a bad port', async () => {
    const errs: string[] = [];
    expect(await runServeCommand(['--port', 'abc'], { out: () => {}, err: (l) => errs.push(l) })).toBe(2);
    expect(errs.join('\n')).toMatch(/--port/);
  });
});
