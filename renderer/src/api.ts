// How the renderer reaches the core: the preload's window.rowrunner in Electron, otherwise the served
// bridge over a WebSocket. Everything else in the renderer goes through `api` and the helpers here.
import type { CallName, CallRequest, CallResponse, CsvSource, EventName, EventPayload, RowrunnerApi } from '../../shared/contract.ts';
import { BridgeError, createBridge, type Bridge, type ConnectionState, type SocketLike } from './bridge.ts';

declare global {
  interface Window {
    rowrunner?: RowrunnerApi;
    rowrunnerFiles?: { pathForFile(file: File): string };
  }
}

function pageToken(): string | null {
  try {
    return new URLSearchParams(window.location.search).get('token');
  } catch {
    return null;
  }
}

/** Read once: the token leaves the address bar once the cookie is set (routes/token.ts). */
const PAGE_TOKEN = typeof window !== 'undefined' ? pageToken() : null;

function withToken(path: string): string {
  const token = PAGE_TOKEN;
  return token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;
}

const electronApi = typeof window !== 'undefined' ? window.rowrunner : undefined;

let bridge: Bridge | null = null;
function getBridge(): Bridge {
  if (!bridge) {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    bridge = createBridge({
      url: withToken(`${scheme}://${window.location.host}/bridge`),
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    });
  }
  return bridge;
}

export const isElectron = electronApi !== undefined;

export const api: RowrunnerApi = {
  invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<CallResponse<K>> {
    return electronApi ? electronApi.invoke(name, request) : getBridge().invoke(name, request);
  },
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
    return electronApi ? electronApi.on(name, listener) : getBridge().on(name, listener);
  },
};

/** The link to the core; Electron's never drops. `reconnected` is true when it comes back after a drop. */
export function onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
  if (electronApi) {
    listener('open', false);
    return () => {};
  }
  const b = getBridge();
  listener(b.state(), false);
  return b.onState(listener);
}

/**
 * Served mode, while the link is down: whether the server is back but refuses our token (it restarted
 * with a new one), so the user must open the URL it printed. null: cannot tell (still down).
 */
export async function tokenRefused(): Promise<boolean | null> {
  if (electronApi) return false;
  try {
    const res = await fetch(withToken('/'), { method: 'HEAD', credentials: 'same-origin', cache: 'no-store' });
    return res.status === 401;
  } catch {
    return null;
  }
}

/** Where a chosen or dropped file comes from: its path in Electron, an upload in served mode. */
export async function csvSourceFor(file: File): Promise<CsvSource> {
  if (electronApi) {
    const path = window.rowrunnerFiles?.pathForFile(file) ?? '';
    if (!path) throw new BridgeError({ code: 'bad-input', message: `Could not read "${file.name}": it is not a file on disk.` });
    return { kind: 'path', path };
  }
  let res: Response;
  try {
    res = await fetch(withToken('/upload'), {
      method: 'POST',
      body: file,
      headers: { 'x-filename': encodeURIComponent(file.name), 'content-type': 'application/octet-stream' },
      credentials: 'same-origin',
    });
  } catch {
    throw new BridgeError({ code: 'internal', message: `Could not upload "${file.name}": Rowrunner is not reachable.` });
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const err = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : body;
    if (err && typeof err === 'object' && 'message' in err) throw new BridgeError(err as { code: 'bad-input'; message: string });
    throw new BridgeError({
      code: res.status === 401 ? 'unauthorized' : 'internal',
      message: `Upload of "${file.name}" failed (${res.status}${text && text.length < 200 ? `: ${text}` : ''}).`,
    });
  }
  const uploadId = body && typeof body === 'object' ? (body as { uploadId?: unknown }).uploadId : undefined;
  if (typeof uploadId !== 'string') throw new BridgeError({ code: 'internal', message: 'The upload was not acknowledged.' });
  return { kind: 'upload', uploadId };
}

/** Starts a browser download of a URL the core handed out (served export). */
export function downloadUrl(url: string, filename?: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename ?? '';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** Saves text the renderer made itself (AGENT.json) as a download. */
export function downloadText(text: string, filename: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  downloadUrl(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
