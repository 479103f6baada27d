// The HTTP side of the simulator: routing, auth, rate limit, latency, faults and directives, stats.
// Per-request work is kept small: it serves benchmarks at zero latency and thousands in flight.

import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answer, completionBody, RequestError, streamBody, userTexts, validateRequest } from './answer.ts';
import type { Answer, ChatRequest } from './answer.ts';
import { parseDirectives } from './directives.ts';
import { PromptCache } from './prompt-cache.ts';
import { drawFault, PromptCounters, requestRandom } from './faults.ts';
import { formatReset, SlidingWindow } from './rate-limit.ts';
import type { Simulator, SimulatorOptions, SimulatorStats } from './types.ts';

const MODELS = ['simulated-small', 'simulated-large'];
const MODEL_CREATED = 1735689600;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const JSON_TYPE = 'application/json';

type Headers = Record<string, string | number>;
type LiveOptions = Omit<SimulatorOptions, 'port'> & { latencyMs: number; latencyJitterMs: number; seed: number };

function freshStats(inFlight = 0): SimulatorStats {
  return {
    requests: 0,
    modelRequests: 0,
    inFlight,
    maxInFlight: inFlight,
    byStatus: {},
    byPrompt: new Map(),
    completedByPrompt: new Map(),
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    firstRequestAt: null,
    lastAnswerAt: null,
  };
}

function errorBody(message: string, type: string, code: string | null = null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

/** Starts a simulator on 127.0.0.1. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { port: wantedPort = 0, ...rest } = options;
  const opts: LiveOptions = { ...rest, latencyMs: rest.latencyMs ?? 0, latencyJitterMs: rest.latencyJitterMs ?? 0, seed: rest.seed ?? 1 };
  let stats = freshStats();
  let requestNumber = 0;
  const counters = new PromptCounters();
  const window = new SlidingWindow();
  const promptCache = new PromptCache();
  const timers = new Set<NodeJS.Timeout>();

  function count(status: number): void {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    stats.lastAnswerAt = Date.now();
  }

  function send(res: ServerResponse, status: number, body: string, headers?: Headers, contentType = JSON_TYPE): void {
    if (res.destroyed || res.writableEnded) return;
    count(status);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function sendError(res: ServerResponse, status: number, message: string, type: string, code: string | null = null, headers?: Headers, param: string | null = null): void {
    send(res, status, errorBody(message, type, code, param), headers);
  }

  function later(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, delayMs);
    timers.add(timer);
  }

  function drop(res: ServerResponse): void {
    if (res.destroyed || res.writableEnded) return;
    count(0);
    res.socket?.destroy();
    res.destroy();
  }

  /** A status chosen by a directive or a random fault; a 429 asks for retryAfterMs (default 1 s). */
  function failWith(res: ServerResponse, status: number, headers?: Headers, retryAfterMs = 1000): void {
    if (status === 429) {
      const wait = { 'retry-after': Math.max(1, Math.ceil(retryAfterMs / 1000)), 'retry-after-ms': retryAfterMs };
      sendError(res, 429, 'Rate limit reached for requests (simulated).', 'requests', 'rate_limit_exceeded', { ...wait, ...headers });
    } else if (status >= 500) {
      sendError(res, status, 'The server had an error while processing your request (simulated).', 'server_error', null, headers);
    } else if (status === 401) {
      sendError(res, 401, 'Incorrect API key provided (simulated).', 'invalid_request_error', 'invalid_api_key', headers);
    } else {
      sendError(res, status, `Simulated error ${status}.`, 'invalid_request_error', null, headers);
    }
  }

  /** `received` is when the request's body was complete: the latency counts from then, as a model
   *  can start no sooner, and the simulator's own parsing and answering fall inside it. */
  function chat(res: ServerResponse, raw: string, received: number, authorization: string | undefined): void {
    opts.onChatBody?.(raw);
    let req: ChatRequest;
    try {
      req = validateRequest(JSON.parse(raw));
    } catch (err) {
      if (err instanceof RequestError) sendError(res, err.status, err.message, err.type, err.code, undefined, err.param);
      else sendError(res, 400, 'The request body is not valid JSON.', 'invalid_request_error');
      return;
    }
    const texts = userTexts(req.messages);
    stats.byPrompt.set(texts.first, (stats.byPrompt.get(texts.first) ?? 0) + 1);

    let rateHeaders: Headers | undefined;
    const rpm = opts.rateLimit?.rpm;
    if (typeof rpm === 'number' && rpm > 0) {
      const d = window.take(Date.now(), rpm, opts.rateLimit?.windowMs);
      rateHeaders = {
        'x-ratelimit-limit-requests': d.limit,
        'x-ratelimit-remaining-requests': d.remaining,
        'x-ratelimit-reset-requests': formatReset(d.resetMs),
      };
      if (!d.allowed) {
        const seconds = Math.max(1, Math.ceil(d.resetMs / 1000));
        sendError(res, 429, `Rate limit reached for requests: limit ${d.limit} per minute (simulated).`, 'requests', 'rate_limit_exceeded', {
          ...rateHeaders,
          'retry-after': seconds,
          'retry-after-ms': Math.ceil(d.resetMs),
        });
        return;
      }
    }

    const rand = requestRandom(opts.seed, ++requestNumber);
    const fault = drawFault(opts.faults, rand());
    const jitter = opts.latencyJitterMs > 0 ? Math.floor(rand() * (opts.latencyJitterMs + 1)) : 0;
    const directives = texts.last === texts.first ? parseDirectives(texts.first) : parseDirectives(texts.first, texts.last);
    const delay = opts.latencyMs + jitter + (directives?.sleepMs ?? 0) - (performance.now() - received);

    // A directive that decides this request's outcome takes precedence over the random fault, so an
    // item pinned to fail N times fails exactly N times.
    const hang = directives?.hang === true && counters.next('hang', texts.first) <= directives.hangTimes;
    const dropIt = !hang && directives?.drop === true && counters.next('drop', texts.first) <= directives.dropTimes;
    const pinned =
      !hang && !dropIt && directives?.status !== undefined && counters.next('status', texts.first) <= directives.statusTimes ? directives.status : undefined;
    const random = hang || dropIt || pinned !== undefined ? null : fault;
    if (hang || random === 'hang') return; // never answered; close() destroys the socket
    if (dropIt || random === 'drop') {
      later(delay, () => drop(res));
      return;
    }
    if (directives?.echoKey === true) {
      // A provider that quotes the key it was given back in its error, as some do.
      const message = `Incorrect API key provided: ${authorization ?? '(none)'} (simulated).`;
      later(delay, () => sendError(res, 401, message, 'invalid_request_error', 'invalid_api_key', rateHeaders));
      return;
    }
    if (pinned !== undefined) {
      later(delay, () => failWith(res, pinned, rateHeaders, directives?.retryAfterMs));
      return;
    }
    if (random === 'error500' || random === 'rateLimit429') {
      later(delay, () => failWith(res, random === 'error500' ? 500 : 429, rateHeaders));
      return;
    }

    let a: Answer;
    try {
      const forceText = directives?.text === true;
      a = answer(req, { forceText, texts });
      if (a.toolCall) {
        const byDirective = directives !== null && directives.badArgsTimes > 0 && counters.next('badargs', texts.first) <= directives.badArgsTimes;
        if (byDirective || random === 'malformedToolArgs') a = answer(req, { forceText, texts, malformArgs: true });
      }
    } catch (err) {
      if (err instanceof RequestError) sendError(res, err.status, err.message, err.type, err.code, undefined, err.param);
      else sendError(res, 500, 'Simulator failure.', 'server_error');
      return;
    }
    const cache = promptCache.lookup(req);
    a.usage.prompt_tokens_details.cached_tokens = cache.cachedTokens;
    const stream = req.stream === true;
    const body = stream ? streamBody(req, a) : completionBody(req, a);
    const answered = a;
    later(delay, () => {
      if (res.destroyed || res.writableEnded) return;
      cache.remember();
      stats.completedByPrompt.set(texts.first, (stats.completedByPrompt.get(texts.first) ?? 0) + 1);
      stats.promptTokens += answered.usage.prompt_tokens;
      stats.completionTokens += answered.usage.completion_tokens;
      stats.cachedTokens += answered.usage.prompt_tokens_details.cached_tokens;
      send(res, 200, body, rateHeaders, stream ? 'text/event-stream; charset=utf-8' : JSON_TYPE);
    });
  }

  function models(res: ServerResponse, id: string | undefined): void {
    const model = (name: string) => ({ id: name, object: 'model', created: MODEL_CREATED, owned_by: 'rowrunner' });
    if (id === undefined) {
      send(res, 200, JSON.stringify({ object: 'list', data: MODELS.map(model) }));
    } else {
      // Any model name is accepted by chat completions, so any is "found" here too.
      send(res, 200, JSON.stringify(model(decodeURIComponent(id))));
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const s = stats;
    s.requests++;
    s.firstRequestAt ??= Date.now();
    s.inFlight++;
    if (s.inFlight > s.maxInFlight) s.maxInFlight = s.inFlight;
    res.once('close', () => {
      stats.inFlight--;
    });

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q >= 0 ? url.slice(0, q) : url;
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);

    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      req.resume();
      failWith(res, 401);
      return;
    }
    if (path === '/v1/chat/completions') {
      if (req.method !== 'POST') {
        req.resume();
        sendError(res, 405, `Method ${req.method} not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed');
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        if (tooLarge) return;
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          tooLarge = true;
          chunks.length = 0;
          sendError(res, 413, 'The request body is too large.', 'invalid_request_error', null, { connection: 'close' });
        } else chunks.push(chunk);
      });
      req.on('end', () => {
        if (!tooLarge) {
          const raw = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
          chat(res, raw, performance.now(), req.headers.authorization);
        }
      });
      return;
    }
    req.resume();
    if (path === '/v1/models' || path.startsWith('/v1/models/')) {
      s.modelRequests++;
      if (req.method !== 'GET') sendError(res, 405, `Method ${req.method} not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed');
      else models(res, path === '/v1/models' ? undefined : path.slice('/v1/models/'.length));
      return;
    }
    sendError(res, 404, `Unknown path ${req.method} ${path}.`, 'invalid_request_error', 'unknown_url');
  }

  const server = http.createServer({ keepAlive: true }, handle);
  server.keepAliveTimeout = 30_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: wantedPort, host: '127.0.0.1', backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    stats() {
      return { ...stats, byStatus: { ...stats.byStatus }, byPrompt: new Map(stats.byPrompt), completedByPrompt: new Map(stats.completedByPrompt) };
    },
    resetStats() {
      stats = freshStats(stats.inFlight);
    },
    setOptions(patch) {
      const { port: _ignored, ...changes } = patch as SimulatorOptions;
      Object.assign(opts, changes);
      opts.latencyMs ??= 0;
      opts.latencyJitterMs ??= 0;
      opts.seed ??= 1;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
