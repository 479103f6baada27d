// The preload: the page gets window.rowrunner (the contract's calls and events, by an allowlist of
// names) and window.rowrunnerFiles (a dropped or chosen file's path, which is then importable). ipcRenderer itself never reaches the page,
// nor does any IPC event object. Built as CommonJS: a sandboxed preload cannot be an ES module.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { CALL_NAMES, CHOSEN_FILE_CHANNEL, EVENT_CHANNEL, EVENT_NAMES, INVOKE_CHANNEL, type InvokeReply } from '../main/channels.ts';

const calls = new Set<string>(CALL_NAMES);
const eventNames = new Set<string>(EVENT_NAMES);
const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  const set = listeners.get(name);
  if (!set) return;
  for (const listener of [...set]) {
    try {
      listener(payload);
    } catch (e) {
      console.error(e);
    }
  }
});

contextBridge.exposeInMainWorld('rowrunner', {
  async invoke(name: unknown, request: unknown): Promise<unknown> {
    if (typeof name !== 'string' || !calls.has(name)) {
      // A plain object, not an Error: it crosses the context bridge with its code intact.
      throw { code: 'bad-request', message: `Unknown call: ${String(name).slice(0, 100)}`, fields: ['call'] };
    }
    const reply = (await ipcRenderer.invoke(INVOKE_CHANNEL, name, request)) as InvokeReply;
    if (reply && reply.ok === true) return reply.res;
    throw reply && reply.ok === false ? reply.error : { code: 'internal', message: 'No answer from Rowrunner.' };
  },
  on(name: unknown, listener: unknown): () => void {
    if (typeof name !== 'string' || !eventNames.has(name)) throw new Error(`Unknown event: ${String(name).slice(0, 100)}`);
    if (typeof listener !== 'function') throw new Error('A listener must be a function.');
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
});

contextBridge.exposeInMainWorld('rowrunnerFiles', {
  pathForFile(file: unknown): string {
    let path = '';
    try {
      path = webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
    // Only a File the user gave the page (a drop, the file input) has a path; the main side imports
    // no other. Sent before the page can ask for the import, on the same ordered channel.
    if (path) ipcRenderer.send(CHOSEN_FILE_CHANNEL, path);
    return path;
  },
});
