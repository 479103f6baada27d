// Binds the contract to Electron's IPC. Every call arrives on one channel as (name, request); the
// sender's frame must be our own page (the top frame, loaded from our renderer's index.html) before
// anything is parsed; the core then checks the name and parses the request with the contract's schema.
// The page names no file itself: it imports only files the user chose, and exports where the save
// dialog says.
// Electron is a parameter (IpcMainLike), so a test drives this without Electron.
import path from 'node:path';
import type { CallName, EventName } from '../../shared/contract.ts';
import type { Core } from '../core/core.ts';
import { CallError, toContractError } from '../core/errors.ts';
import { CALL_NAMES, CHOSEN_FILE_CHANNEL, EVENT_CHANNEL, INVOKE_CHANNEL, type InvokeReply } from './channels.ts';

export interface FrameLike {
  readonly url: string;
  readonly parent?: FrameLike | null;
}

export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void): unknown;
}

export interface IpcOptions {
  ipcMain: IpcMainLike;
  core: Pick<Core, 'dispatch'>;
  /** True for the URL of our own page. */
  isTrustedUrl: (url: string) => boolean;
  /** Asks where to save an export (a native dialog); null when the user cancels. */
  askExportPath?: (runId: string, format: string) => Promise<string | null>;
  /** The files the user chose in a native dialog of the main process (the menu's Open CSV…). */
  chosen?: Set<string>;
  log?: (line: string) => void;
}

const KNOWN = new Set<string>(CALL_NAMES);

/** True for a file:// URL naming exactly the given file (query and fragment ignored). */
export function sameFileUrl(url: string, expected: string): boolean {
  try {
    const a = new URL(url);
    const b = new URL(expected);
    return a.protocol === 'file:' && b.protocol === 'file:' && a.host === b.host && decodeURIComponent(a.pathname) === decodeURIComponent(b.pathname);
  } catch {
    return false;
  }
}

export function bindIpc(options: IpcOptions): () => void {
  const { ipcMain, core, isTrustedUrl } = options;
  const log = options.log ?? (() => {});
  const trusted = (frame: FrameLike | null): boolean => !!frame && !frame.parent && isTrustedUrl(frame.url);

  // The files the user chose, as the preload reports them: a path import must name one of them, so
  // the page cannot read whatever file it names (a key in /proc/self/environ, say).
  const chosen = options.chosen ?? new Set<string>();
  const onChosen = (event: InvokeEventLike, file: unknown): void => {
    if (trusted(event.senderFrame) && typeof file === 'string' && file.length > 0 && file.length <= 4096) chosen.add(path.resolve(file));
  };
  ipcMain.on(CHOSEN_FILE_CHANNEL, onChosen);

  ipcMain.handle(INVOKE_CHANNEL, async (event, name, request): Promise<InvokeReply> => {
    const frame = event.senderFrame;
    if (!trusted(frame)) {
      log(`refused an IPC call from an untrusted frame: ${frame ? frame.url.slice(0, 200) : '(gone)'}`);
      return { ok: false, error: { code: 'unauthorized', message: 'This page may not call Rowrunner.' } };
    }
    try {
      if (typeof name !== 'string' || !KNOWN.has(name)) throw new CallError('bad-request', `Unknown call: ${String(name).slice(0, 100)}`, ['call']);
      let req = request;
      if ((name === 'dataset:import' || name === 'run:exportInto') && isPlainObject(req) && isPlainObject(req.source) && req.source.kind === 'path' && typeof req.source.path === 'string') {
        if (!chosen.has(path.resolve(req.source.path))) {
          throw new CallError('unauthorized', 'Rowrunner imports only a file you chose: drop it on the window, or pick it with Open.', ['source.path']);
        }
      }
      if ((name === 'run:export' || name === 'compare:export') && options.askExportPath && isPlainObject(req)) {
        // The desktop app asks where to save, always: a page that chose the path could overwrite any
        // file the user may write. The request is still parsed by the core afterwards.
        if (req.path !== undefined) throw new CallError('bad-request', 'Where an export is saved is chosen in the save dialog, not by the page.', ['path']);
        // A comparison is named for its first run.
        const ids = Array.isArray(req.runIds) ? req.runIds : [req.runId];
        const runId = typeof ids[0] === 'string' ? ids[0] : '';
        const format = typeof req.format === 'string' ? req.format : 'xlsx';
        const chosen = await options.askExportPath(runId, format);
        if (chosen === null) return { ok: true, res: { rows: 0 } };
        req = { ...req, path: chosen };
      }
      const res = await core.dispatch(name as CallName, req);
      return { ok: true, res };
    } catch (e) {
      if (!(e instanceof CallError)) log(`call ${String(name)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return { ok: false, error: toContractError(e) };
    }
  });

  return () => {
    ipcMain.removeHandler(INVOKE_CHANNEL);
    ipcMain.removeListener(CHOSEN_FILE_CHANNEL, onChosen);
  };
}

export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

/** Forwards the core's events to a window's page; a closed window is skipped. */
export function forwardEvents(core: Pick<Core, 'onEvent'>, target: () => EventTarget | null): () => void {
  return core.onEvent((name: EventName, payload: unknown) => {
    const t = target();
    if (t && !t.isDestroyed()) t.send(EVENT_CHANNEL, name, payload);
  });
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
