// `rowrunner serve`: the same core and the same renderer, served to a browser on 127.0.0.1 with the
// contract carried over a WebSocket at /bridge. It binds to loopback only; a random token made at start
// must come with every request (?token= or the HttpOnly cookie set when the page is opened with it);
// the Host header must name 127.0.0.1 or localhost at our port, which defeats DNS rebinding; a browser's
// WebSocket must also come from our own origin.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { createCore, type Core } from '../core.ts';
import { toContractError } from '../errors.ts';
import { createMemoryKeyStore, type KeyStore } from '../keys/index.ts';
import type { SimulatorOptions } from '../simulator/index.ts';
import { pageCsp } from './csp.ts';

export const HOST = '127.0.0.1';
/** Uploads larger than this are refused (a CSV of 100,000 long rows is well under it). */
export const DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** A bridge frame larger than this closes the socket. */
const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** Past this many bytes queued on a socket, events (hints) are dropped rather than buffered. */
const EVENT_BACKLOG_BYTES = 4 * 1024 * 1024;

export interface ServerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** The data folder (uploads, exports, the key file); default: the per-user folder. */
  dataDir?: string;
  /** The database file; default: the data folder's. */
  dbPath?: string;
  /** The built renderer; default: out/renderer of this checkout or package. */
  rendererDir?: string;
  /** Default: in memory, seeded from OPENAI_API_KEY. */
  keyStore?: KeyStore;
  /** A core made elsewhere (it is then not closed by close()). */
  core?: Core;
  maxUploadBytes?: number;
  /** The built-in simulated endpoint's behaviour. */
  simulator?: SimulatorOptions;
  /** Fixed token (tests); default: 32 random bytes. */
  token?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The full URL to open, token included. */
  url: string;
  port: number;
  token: string;
  core: Core;
  close(): Promise<void>;
}

export function defaultRendererDir(): string {
  // From electron/core/serve/ (sources) or out/main/ (bundle): the package root holds out/renderer.
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../..']) {
    const dir = path.resolve(here, up, 'out', 'renderer');
    try {
      if (statSync(path.join(dir, 'index.html')).isFile()) return dir;
    } catch {
      // try the next
    }
  }
  return path.resolve(here, '../../..', 'out', 'renderer');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const token = options.token ?? randomBytes(32).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const ownsCore = !options.core;
  const core =
    options.core ??
    createCore({
      dataDir: options.dataDir,
      dbPath: options.dbPath,
      front: 'served',
      keyStore: options.keyStore ?? createMemoryKeyStore(),
      ...(options.log ? { log: options.log } : {}),
      ...(options.simulator ? { simulator: options.simulator } : {}),
    });
  const rendererDir = path.resolve(options.rendererDir ?? defaultRendererDir());
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const uploadDir = path.join(core.tempDir, 'uploads');
  mkdirSync(uploadDir, { recursive: true });
  const csp = pageCsp(path.join(rendererDir, 'index.html'));

  let port = 0;
  const cookieName = () => `rowrunner_token_${port}`;

  function tokenMatches(candidate: string | null | undefined): boolean {
    if (!candidate) return false;
    const buf = Buffer.from(candidate);
    return buf.length === tokenBuf.length && timingSafeEqual(buf, tokenBuf);
  }

  function hostOk(host: string | undefined): boolean {
    if (!host) return false;
    const h = host.toLowerCase();
    return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
  }

  function originOk(origin: string | undefined): boolean {
    if (origin === undefined) return true; // not a browser; the token still applies
    const o = origin.toLowerCase();
    return o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`;
  }

  function cookieToken(header: string | undefined): string | null {
    if (!header) return null;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() === cookieName()) return decodeURIComponent(part.slice(eq + 1).trim());
    }
    return null;
  }

  /** 'query' when the token came in the URL (then the cookie is (re)set), 'cookie', or null. */
  function authorised(req: http.IncomingMessage, url: URL): 'query' | 'cookie' | null {
    if (tokenMatches(url.searchParams.get('token'))) return 'query';
    if (tokenMatches(cookieToken(req.headers.cookie))) return 'cookie';
    return null;
  }

  function baseHeaders(): Record<string, string> {
    return {
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    };
  }

  function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...baseHeaders(), 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...extra });
    res.end(text);
  }

  function sendText(res: http.ServerResponse, status: number, text: string): void {
    res.writeHead(status, { ...baseHeaders(), 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  async function handleUpload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxUpload) {
      req.resume();
      sendJson(res, 413, { error: { code: 'bad-input', message: `The file is larger than ${Math.round(maxUpload / 1048576)} MB.` } }, { connection: 'close' });
      return;
    }
    let name = 'upload.csv';
    const rawName = req.headers['x-filename'];
    if (typeof rawName === 'string' && rawName) {
      try {
        name = decodeURIComponent(rawName);
      } catch {
        name = rawName;
      }
    }
    name = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f]/g, '').slice(0, 255) || 'upload.csv';
    const file = path.join(uploadDir, `${randomBytes(12).toString('hex')}.upload`);
    let size = 0;
    let tooBig = false;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxUpload) {
          tooBig = true;
          cb(new Error('too large'));
          return;
        }
        cb(null, chunk);
      },
    });
    try {
      await pipeline(req, counter, createWriteStream(file, { mode: 0o600 }));
    } catch {
      await rm(file, { force: true });
      if (tooBig) {
        sendJson(res, 413, { error: { code: 'bad-input', message: `The file is larger than ${Math.round(maxUpload / 1048576)} MB.` } }, { connection: 'close' });
        req.destroy();
      } else if (!res.headersSent) {
        sendJson(res, 400, { error: { code: 'bad-input', message: 'The upload was interrupted.' } });
      }
      return;
    }
    const uploadId = core.files.addUpload(file, name);
    sendJson(res, 200, { uploadId });
  }

  function handleDownload(res: http.ServerResponse, id: string): void {
    const entry = core.files.download(id);
    if (!entry) {
      sendJson(res, 404, { error: { code: 'not-found', message: 'No such download (it may have expired).' } });
      return;
    }
    let size: number;
    try {
      size = statSync(entry.path).size;
    } catch {
      sendJson(res, 404, { error: { code: 'not-found', message: 'The exported file is gone.' } });
      return;
    }
    const ascii = entry.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    res.writeHead(200, {
      ...baseHeaders(),
      'content-type': TYPES[path.extname(entry.name)] ?? 'application/octet-stream',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(entry.name)}`,
    });
    createReadStream(entry.path).pipe(res);
  }

  function handleStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL, setCookie: boolean): void {
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      sendText(res, 400, 'Bad path.');
      return;
    }
    if (rel.includes('\0')) {
      sendText(res, 400, 'Bad path.');
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(rendererDir, `.${path.posix.normalize(rel)}`);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) {
      sendText(res, 404, 'Not found.');
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      if (rel === '/index.html') {
        sendText(res, 503, 'The renderer is not built: run `npm run build:renderer` first.');
      } else {
        sendText(res, 404, 'Not found.');
      }
      return;
    }
    const headers: Record<string, string> = {
      ...baseHeaders(),
      'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(size),
    };
    if (setCookie) {
      headers['set-cookie'] = `${cookieName()}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  }

  const server = http.createServer((req, res) => {
    if (!hostOk(req.headers.host)) {
      sendText(res, 403, 'Forbidden host.');
      req.resume();
      return;
    }
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const auth = authorised(req, url);
    if (!auth) {
      req.resume();
      sendJson(res, 401, { error: { code: 'unauthorized', message: 'Open the URL that `rowrunner serve` printed, token included.' } });
      return;
    }
    if (url.pathname === '/upload') {
      if (req.method !== 'POST') {
        sendText(res, 405, 'Method not allowed.');
        return;
      }
      handleUpload(req, res).catch((e) => {
        log(`upload failed: ${String(e)}`);
        if (!res.headersSent) sendJson(res, 500, { error: toContractError(e) });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      sendText(res, 405, 'Method not allowed.');
      return;
    }
    if (url.pathname.startsWith('/download/')) {
      handleDownload(res, url.pathname.slice('/download/'.length));
      return;
    }
    if (url.pathname === '/bridge') {
      sendText(res, 426, 'WebSocket only.');
      return;
    }
    handleStatic(req, res, url, auth === 'query');
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // uploads may take long; the size cap bounds them

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('error', () => {});
    if (!hostOk(req.headers.host)) return refuse(403, 'Forbidden');
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (!authorised(req, url)) return refuse(401, 'Unauthorized');
    if (!originOk(req.headers.origin)) return refuse(403, 'Forbidden');
    if (url.pathname !== '/bridge') return refuse(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => {
        void onFrame(ws, isBinary ? null : data.toString());
      });
    });
  });

  function send(ws: WebSocket, frame: unknown): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(frame));
  }

  async function onFrame(ws: WebSocket, text: string | null): Promise<void> {
    let msg: unknown;
    try {
      msg = text === null ? undefined : JSON.parse(text);
    } catch {
      msg = undefined;
    }
    const m = msg && typeof msg === 'object' && !Array.isArray(msg) ? (msg as Record<string, unknown>) : null;
    const id = m && (typeof m.id === 'number' || typeof m.id === 'string') ? m.id : null;
    if (!m || typeof m.call !== 'string') {
      send(ws, { id, ok: false, error: { code: 'bad-request', message: 'A bridge frame is JSON: { id, call, req }.' } });
      return;
    }
    try {
      const res = await core.dispatch(m.call, m.req);
      send(ws, { id, ok: true, res });
    } catch (e) {
      send(ws, { id, ok: false, error: toContractError(e) });
    }
  }

  const unsubscribe = core.onEvent((event, payload) => {
    const frame = JSON.stringify({ event, payload });
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount > EVENT_BACKLOG_BYTES) continue;
      ws.send(frame);
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen({ port: options.port ?? 0, host: HOST, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (e: unknown) => {
    unsubscribe();
    if (ownsCore) await core.close();
    throw e;
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${HOST}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    core,
    close() {
      closing ??= (async () => {
        unsubscribe();
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (ownsCore) await core.close();
      })();
      return closing;
    },
  };
}
