// The IPC binding driven without Electron: a fake ipcMain, the real core (SQLite, the run workers).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../core/core.ts';
import { createMemoryKeyStore } from '../core/keys/index.ts';
import { CHOSEN_FILE_CHANNEL, EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.ts';
import { bindIpc, forwardEvents, sameFileUrl, type InvokeEventLike, type IpcMainLike } from './ipc.ts';

let dir: string;
let core: Core;
const pageUrl = pathToFileURL('/opt/Rowrunner/resources/app.asar/out/renderer/index.html').href;

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  listeners = new Map<string, Set<(event: InvokeEventLike, ...args: unknown[]) => void>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error('a second handler');
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
  }
  removeListener(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void) {
    this.listeners.get(channel)?.delete(listener);
  }
  /** What the preload sends when the page asks for a chosen file's path. */
  choose(url: string, file: unknown) {
    for (const l of this.listeners.get(CHOSEN_FILE_CHANNEL) ?? []) l({ senderFrame: { url, parent: null } }, file);
  }
  invoke(url: string | null, ...args: unknown[]): Promise<any> {
    const h = this.handlers.get(INVOKE_CHANNEL)!;
    return Promise.resolve(h({ senderFrame: url === null ? null : { url, parent: null } }, ...args));
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-ipc-'));
  core = createCore({ dataDir: dir, front: 'electron', keyStore: createMemoryKeyStore({ OPENAI_API_KEY: 'sk-never-shown' }) });
});

afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IPC binding', () => {
  it('answers our page and refuses any other sender before parsing', async () => {
    const ipc = new FakeIpcMain();
    const logs: string[] = [];
    const unbind = bindIpc({ ipcMain: ipc, core, isTrustedUrl: (u) => sameFileUrl(u, pageUrl), log: (l) => logs.push(l) });
    const ok = await ipc.invoke(`${pageUrl}#/results`, 'app:info', {});
    expect(ok.ok).toBe(true);
    expect(ok.res.front).toBe('electron');
    expect(ok.res.keys.openai).toBe(true);
    expect(JSON.stringify(ok.res)).not.toContain('sk-never-shown');

    for (const url of ['https://evil.example/', 'file:///tmp/other.html', 'about:blank', 'data:text/html,x', 'devtools://devtools/']) {
      const r = await ipc.invoke(url, 'app:info', {});
      expect(r, url).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.any(String) } });
    }
    expect(await ipc.invoke(null, 'app:info', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // a subframe of our own page is refused too
    const h = ipc.handlers.get(INVOKE_CHANNEL)!;
    expect(await h({ senderFrame: { url: pageUrl, parent: { url: pageUrl } } }, 'app:info', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(logs.length).toBeGreaterThan(0);
    unbind();
    expect(ipc.handlers.size).toBe(0);
    expect(ipc.listeners.get(CHOSEN_FILE_CHANNEL)?.size).toBe(0);
  });

  it('imports only a file the user chose, whatever path the page names', async () => {
    const ipc = new FakeIpcMain();
    bindIpc({ ipcMain: ipc, core, isTrustedUrl: (u) => sameFileUrl(u, pageUrl) });
    const chosen = path.join(dir, 'chosen.csv');
    const other = path.join(dir, 'other.csv');
    writeFileSync(chosen, 'q\na\n');
    writeFileSync(other, 'secret\nhunter2\n');
    // Another frame cannot choose for the page; a chosen file does not open the folder around it.
    ipc.choose('https://evil.example/', other);
    for (const p of [other, '/proc/self/environ', '/etc/passwd', `${chosen}/../other.csv`, path.join(dir, 'CHOSEN.csv')]) {
      const r = await ipc.invoke(pageUrl, 'dataset:import', { source: { kind: 'path', path: p } });
      expect(r, p).toMatchObject({ ok: false, error: { code: 'unauthorized', fields: ['source.path'] } });
    }
    ipc.choose(pageUrl, chosen);
    expect((await ipc.invoke(pageUrl, 'dataset:import', { source: { kind: 'path', path: chosen } })).res.rowCount).toBe(1);
    expect((await ipc.invoke(pageUrl, 'dataset:import', { source: { kind: 'path', path: `${dir}/./chosen.csv` } })).ok).toBe(true);
    const rows = JSON.stringify((await ipc.invoke(pageUrl, 'runs:list', {})).res);
    expect(rows).not.toContain('hunter2');
  });

  it('imports a file chosen in the open dialog of the main process (File, Open CSV…)', async () => {
    const ipc = new FakeIpcMain();
    const chosenHere = new Set<string>();
    bindIpc({ ipcMain: ipc, core, chosen: chosenHere, isTrustedUrl: (u) => sameFileUrl(u, pageUrl) });
    const file = path.join(dir, 'menu.csv');
    writeFileSync(file, 'q\na\nb\n');
    expect(await ipc.invoke(pageUrl, 'dataset:import', { source: { kind: 'path', path: file } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    chosenHere.add(file);
    expect((await ipc.invoke(pageUrl, 'dataset:import', { source: { kind: 'path', path: file } })).res.rowCount).toBe(2);
  });

  it('rejects malformed payloads with a typed error naming the fields', async () => {
    const ipc = new FakeIpcMain();
    bindIpc({ ipcMain: ipc, core, isTrustedUrl: (u) => sameFileUrl(u, pageUrl) });
    const r = await ipc.invoke(pageUrl, 'dataset:rows', { datasetId: '', offset: 'zero', limit: 100000 });
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('bad-request');
    expect(r.error.fields).toEqual(expect.arrayContaining(['datasetId', 'offset', 'limit']));
    expect((await ipc.invoke(pageUrl, 'shell:exec', {})).error.code).toBe('bad-request');
    expect((await ipc.invoke(pageUrl, 42, {})).error.code).toBe('bad-request');
  });

  it('imports a dropped file by its path, asks where to save an export, and forwards events', async () => {
    const ipc = new FakeIpcMain();
    const asked: string[] = [];
    const target = path.join(dir, 'out.jsonl');
    bindIpc({
      ipcMain: ipc,
      core,
      isTrustedUrl: (u) => sameFileUrl(u, pageUrl),
      askExportPath: async (runId, format) => {
        asked.push(`${runId}.${format}`);
        return asked.length === 1 ? null : target;
      },
    });
    const sent: unknown[][] = [];
    const stop = forwardEvents(core, () => ({ isDestroyed: () => false, send: (...args: unknown[]) => sent.push(args) }));
    const csv = path.join(dir, 'in.csv');
    writeFileSync(csv, 'q\nfirst\nsecond\n');
    ipc.choose(pageUrl, csv);
    const ds = await ipc.invoke(pageUrl, 'dataset:import', { source: { kind: 'path', path: csv } });
    expect(ds.res.rowCount).toBe(2);
    const upload = await ipc.invoke(pageUrl, 'dataset:import', { source: { kind: 'upload', uploadId: 'x' } });
    expect(upload.error.code).toBe('bad-request');
    const started = await ipc.invoke(pageUrl, 'run:start', {
      datasetId: ds.res.id,
      agent: { name: 'a', model: 'gpt-4o-mini', prompt: 'Say {{q}}' },
      options: {},
      endpoint: { kind: 'simulated' },
    });
    expect(started.ok).toBe(true);
    await core.runs.finished(started.res.runId);
    const cancelled = await ipc.invoke(pageUrl, 'run:export', { runId: started.res.runId, format: 'jsonl' });
    expect(cancelled).toEqual({ ok: true, res: { rows: 0 } });
    const saved = await ipc.invoke(pageUrl, 'run:export', { runId: started.res.runId, format: 'jsonl' });
    expect(saved.res).toMatchObject({ rows: 2, path: target });
    expect(asked).toEqual([`${started.res.runId}.jsonl`, `${started.res.runId}.jsonl`]);
    expect(sent.some(([channel, name]) => channel === EVENT_CHANNEL && name === 'run:finished')).toBe(true);
    stop();

    // A page that names the file itself (to overwrite a shell profile, say) is refused, and nothing is written.
    const victim = path.join(dir, 'bashrc');
    writeFileSync(victim, 'untouched');
    for (const p of [victim, '', 42]) {
      const chosen = await ipc.invoke(pageUrl, 'run:export', { runId: started.res.runId, format: 'csv', path: p });
      expect(chosen, String(p)).toMatchObject({ ok: false, error: { code: 'bad-request', fields: ['path'] } });
      const compared = await ipc.invoke(pageUrl, 'compare:export', { runIds: [started.res.runId, started.res.runId], format: 'csv', path: p });
      expect(compared, String(p)).toMatchObject({ ok: false, error: { code: 'bad-request', fields: ['path'] } });
    }
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(asked).toHaveLength(2);
  });
});

describe('sameFileUrl', () => {
  it('matches only the same file', () => {
    expect(sameFileUrl('file:///a/b/index.html?x=1#y', 'file:///a/b/index.html')).toBe(true);
    expect(sameFileUrl('file:///a/b/index.html/../index.html', 'file:///a/b/index.html')).toBe(true);
    expect(sameFileUrl('file:///a/b/other.html', 'file:///a/b/index.html')).toBe(false);
    expect(sameFileUrl('http://a/b/index.html', 'file:///a/b/index.html')).toBe(false);
    expect(sameFileUrl('not a url', 'file:///a/b/index.html')).toBe(false);
  });
});
