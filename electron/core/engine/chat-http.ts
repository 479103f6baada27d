// One POST to a chat-completions endpoint on undici's dispatcher, with no stream in between: the
// response's chunks are gathered by a handler and handed back whole.
//
// Why not the openai SDK, or fetch: a batch makes one call per item on one thread, and the SDK's
// request pipeline (header merging, a WHATWG Response, composed abort signals, a timer and a
// logger per attempt) cost about 0.25 ms of CPU a call at 256 in flight, twice what everything else
// of an item costs. A chat completion needs none of it: a JSON body out, a JSON body back.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Dispatcher } from 'undici';

export type RawHeaders = Record<string, string | string[] | undefined>;

export interface HttpReply {
  status: number;
  headers: RawHeaders;
  /** The body, decoded (gzip, deflate, br) and read as UTF-8. */
  text: string;
}

/** The attempt took longer than its timeout. */
export class HttpTimeoutError extends Error {
  constructor() {
    super('the request timed out');
    this.name = 'HttpTimeoutError';
  }
}

/** No response: the connection could not be made, or it broke before the response was complete. */
export class HttpConnectionError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'HttpConnectionError';
  }
}

/** A header read like WHATWG Headers.get (repeated headers joined with ", "). */
export class HeaderView {
  private readonly raw: RawHeaders;
  constructor(raw: RawHeaders) {
    this.raw = raw;
  }
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

function decode(bytes: Buffer, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case '':
    case 'identity':
      return bytes;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(bytes);
    case 'deflate':
      return inflateSync(bytes);
    case 'br':
      return brotliDecompressSync(bytes);
    default:
      throw new Error(`unsupported content-encoding "${encoding}"`);
  }
}

export interface PostTarget {
  /** e.g. https://api.openai.com */
  origin: string;
  /** e.g. /v1/chat/completions (with the base URL's query, if any) */
  path: string;
  /** Sent as given on every request (built once per client). */
  headers: Record<string, string>;
}

/** The origin and path of `${baseURL}/${endpoint}`. */
export function targetOf(baseURL: string, endpoint: string, headers: Record<string, string>): PostTarget {
  const url = new URL(baseURL);
  const base = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return { origin: url.origin, path: `${base}/${endpoint}${url.search}`, headers };
}

/**
 * POSTs `body` and resolves with the whole response (any status), or rejects with
 * HttpTimeoutError, HttpConnectionError, or `abort`'s reason once `abort` is called.
 */
export function post(
  dispatcher: Dispatcher,
  target: PostTarget,
  body: string,
  timeoutMs: number,
  onAbortable?: (abort: (reason: Error) => void) => void,
): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | null = null;
    let stopReason: Error | null = null;
    let status = 0;
    let headers: RawHeaders = {};
    let first: Buffer | null = null;
    let rest: Buffer[] | null = null;

    const settle = (error: Error | null, reply?: HttpReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(reply!);
    };
    const stop = (reason: Error): void => {
      if (settled) return;
      stopReason = reason;
      // Before the request started (queued for a socket), it is stopped as soon as it starts.
      controller?.abort(reason);
      settle(reason);
    };
    const timer = setTimeout(() => stop(new HttpTimeoutError()), timeoutMs);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (stopReason) c.abort(stopReason);
      },
      onResponseStart(_c, statusCode, responseHeaders) {
        if (statusCode < 200) return; // 1xx: informational, the response follows
        status = statusCode;
        headers = responseHeaders as RawHeaders;
      },
      onResponseData(_c, chunk) {
        if (first === null) first = chunk;
        else (rest ??= [first]).push(chunk);
      },
      onResponseEnd() {
        if (settled) return;
        try {
          let bytes = rest ? Buffer.concat(rest) : (first ?? Buffer.alloc(0));
          const encoding = headers['content-encoding'];
          if (typeof encoding === 'string' && encoding !== '') bytes = decode(bytes, encoding);
          settle(null, { status, headers, text: bytes.toString('utf8') });
        } catch (err) {
          settle(err instanceof Error ? err : new Error(String(err)));
        }
      },
      onResponseError(_c, err) {
        settle(stopReason ?? new HttpConnectionError(err));
      },
    };
    onAbortable?.(stop);
    if (settled) return;
    try {
      dispatcher.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers: target.headers, body }, handler);
    } catch (err) {
      settle(new HttpConnectionError(err));
    }
  });
}
