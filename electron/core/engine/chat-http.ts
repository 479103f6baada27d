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
    const v = this.raw[/[A-Z]/.test(name) ? name.toLowerCase() : name];
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
 * One request's state, and its handler: methods on the prototype rather than closures, since a batch
 * makes one of these per call and every closure would be another object per call.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private settled = false;
  private controller: Dispatcher.DispatchController | null = null;
  private stopReason: Error | null = null;
  private status = 0;
  private headers: RawHeaders = {};
  private first: Buffer | null = null;
  private rest: Buffer[] | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly resolve: (reply: HttpReply) => void;
  private readonly reject: (error: Error) => void;

  constructor(resolve: (reply: HttpReply) => void, reject: (error: Error) => void) {
    this.resolve = resolve;
    this.reject = reject;
  }

  start(dispatcher: Dispatcher, target: PostTarget, body: string, timeoutMs: number): void {
    this.timer = setTimeout(onTimeout, timeoutMs, this);
    try {
      dispatcher.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers: target.headers, body }, this);
    } catch (err) {
      this.settle(new HttpConnectionError(err));
    }
  }

  /** Stops the request (or, when it has not started yet, as soon as it starts) and rejects with `reason`. */
  stop(reason: Error): void {
    if (this.settled) return;
    this.stopReason = reason;
    this.controller?.abort(reason);
    this.settle(reason);
  }

  private settle(error: Error | null, reply?: HttpReply): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    if (error) this.reject(error);
    else this.resolve(reply!);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopReason) controller.abort(this.stopReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx: informational, the response follows
    this.status = statusCode;
    this.headers = headers as RawHeaders;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.first === null) this.first = chunk;
    else (this.rest ??= [this.first]).push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    try {
      let bytes = this.rest ? Buffer.concat(this.rest) : (this.first ?? Buffer.alloc(0));
      const encoding = this.headers['content-encoding'];
      if (typeof encoding === 'string' && encoding !== '') bytes = decode(bytes, encoding);
      this.settle(null, { status: this.status, headers: this.headers, text: bytes.toString('utf8') });
    } catch (err) {
      this.settle(err instanceof Error ? err : new Error(String(err)));
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.settle(this.stopReason ?? new HttpConnectionError(err));
  }
}

function onTimeout(exchange: Exchange): void {
  exchange.stop(new HttpTimeoutError());
}

/**
 * POSTs `body` and resolves with the whole response (any status), or rejects with
 * HttpTimeoutError, HttpConnectionError, or the reason given to the stop function that
 * `onStoppable` receives.
 */
export function post(
  dispatcher: Dispatcher,
  target: PostTarget,
  body: string,
  timeoutMs: number,
  onStoppable?: (stop: (reason: Error) => void) => void,
): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const exchange = new Exchange(resolve, reject);
    onStoppable?.((reason) => exchange.stop(reason));
    exchange.start(dispatcher, target, body, timeoutMs);
  });
}
