// A lean `fetch` for the openai SDK, on undici's request API over our own connection pool.
//
// Why: WHATWG fetch builds a stream pipeline per request; with the SDK on top, it cost about 0.5 ms of
// CPU per call where this costs about 0.3 ms (measured at 64 in flight), and a batch makes thousands
// of calls on one thread. What it does not do, because chat completions do not need it: stream the
// response (the body is read whole), follow redirects. It does decode gzip, deflate and br bodies.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { request, type Dispatcher } from 'undici';

type FetchInit = {
  method?: string;
  headers?: HeadersInit | Record<string, string | readonly string[] | undefined>;
  body?: unknown;
  signal?: AbortSignal | null;
};

function plainHeaders(input: FetchInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!input) return out;
  if (input instanceof Headers) {
    for (const [k, v] of input) out[k] = v;
  } else if (Array.isArray(input)) {
    for (const [k, v] of input as Array<[string, string]>) out[k.toLowerCase()] = v;
  } else {
    for (const [k, v] of Object.entries(input)) {
      if (v === undefined) continue;
      out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
  }
  return out;
}

function requestBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('this fetch sends string or byte bodies only');
}

function decode(bytes: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
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
      throw new TypeError(`unsupported content-encoding "${encoding}"`);
  }
}

/** A fetch on `dispatcher()` (read per request, so the pool can be replaced). */
export function makeFetch(dispatcher: () => Dispatcher): (input: string | URL | Request, init?: FetchInit) => Promise<Response> {
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const res = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers: plainHeaders(init.headers),
      body: requestBody(init.body),
      signal: init.signal ?? undefined,
      dispatcher: dispatcher(),
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) headers.append(k, item);
      else headers.set(k, String(v));
    }
    const noBody = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
    let body: Uint8Array<ArrayBuffer> | null = null;
    if (noBody) await res.body.dump();
    else {
      body = new Uint8Array(await res.body.arrayBuffer());
      const encoding = headers.get('content-encoding');
      if (encoding) {
        body = new Uint8Array(decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), encoding));
        headers.delete('content-encoding');
        headers.set('content-length', String(body.byteLength));
      }
    }
    return new Response(body, { status: res.statusCode, headers });
  };
}
