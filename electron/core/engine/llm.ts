// The LLM client: chat completions over one undici connection pool, with our own retry loop.
//
// Each attempt goes through the official openai SDK, over a fetch that sends on our undici pool (so
// one client opens at most twice `connections` sockets). The SDK's own retries are off and ours run
// instead, because a batch needs what the SDK's cannot give: every attempt reported (tokens and
// latency of failed calls count too), a gate before every attempt (pause, rate limits, a shared
// cool-down after a 429), and waits that any abort ends at once.
import type OpenAI from 'openai';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import type { ToolCall as ChatToolCall, ToolSpec, TranscriptMessage as ChatMessageParam } from '../../../shared/domain.ts';
import { makeFetch } from './http.ts';
import { parseRateLimitHeaders, parseRetryAfter, type HeaderSource, type RateLimitInfo } from './headers.ts';
import { cachedTokensOf, toBody, type Completion } from './wire.ts';
import { abortError, sleep } from './signals.ts';

export { sleep };
export { parseDurationMs, parseRateLimitHeaders, parseRetryAfter } from './headers.ts';
export type { HeaderSource, RateLimitInfo } from './headers.ts';

export interface LlmClientOptions {
  /** Any OpenAI-compatible endpoint; absent: OPENAI_BASE_URL, else OpenAI itself. */
  baseURL?: string;
  /** Absent: OPENAI_API_KEY; endpoints that need none (Ollama, LM Studio) get a placeholder. */
  apiKey?: string;
  /** Calls in flight the pool is sized for (it holds twice as many sockets); a batch raises it to its batch size. */
  connections?: number;
  /**
   * The fetch under the SDK: 'lean' (default: undici's request API, the body read whole; about 40%
   * less CPU a call) or 'standard' (undici's WHATWG fetch).
   */
  fetch?: 'lean' | 'standard';
  /**
   * What the response cache keys this endpoint by; absent: its base URL. The app's simulated endpoint
   * listens on a new port each launch, so it is keyed by name, or its answers would not outlive a restart.
   */
  cacheEndpoint?: string;
}

/** A chat message and a tool call as the engine sends them: the transcript's own shapes. */
export type { TranscriptMessage as ChatMessageParam, ToolCall as ChatToolCall } from '../../../shared/domain.ts';

export interface ChatRequest {
  model: string;
  messages: ChatMessageParam[];
  tools?: readonly ToolSpec[];
  /** Force this tool. */
  toolChoice?: string;
  temperature?: number;
  /** The output cap; absent: the model's default (see outputCap). Every request carries one. */
  maxTokens?: number;
}

export interface ChatReply {
  content: string | null;
  toolCalls: ChatToolCall[];
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Of the prompt tokens, those the provider had cached (usage.prompt_tokens_details.cached_tokens). */
  cachedTokens?: number;
  model: string;
}


/** One finished HTTP attempt, successful or not. */
export interface CallReport {
  /** 1 for the first attempt. */
  attempt: number;
  /** HTTP status; 0 for a dropped connection or a timeout. */
  status: number;
  ok: boolean;
  promptTokens: number;
  completionTokens: number;
  /** Of the prompt tokens, those the provider had cached. */
  cachedTokens?: number;
  latencyMs: number;
  /** What the server asked us to wait (retry-after / retry-after-ms), uncapped. */
  retryAfterMs?: number;
  rateLimit?: RateLimitInfo;
  /** The delay before the next attempt, when there is one. */
  retryInMs?: number;
  error?: string;
}

export interface CallHooks {
  /**
   * Awaited before every attempt (retries included): pause, throttles, cool-downs, a budget's
   * reservation. Nothing to wait for: may return undefined. A throw stops the call unsent.
   */
  beforeAttempt?: (estimatedTokens: number, signal: AbortSignal | undefined, request: ChatRequest) => Promise<void> | undefined;
  /** Told about every finished attempt. */
  afterAttempt?: (report: CallReport) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per attempt, in ms (default 60 s). A timed-out attempt is retried at most once. */
  timeoutMs?: number;
  /** Retries after the first attempt (a timed-out call gets at most one of them). */
  maxRetries?: number;
  hooks?: CallHooks;
  /** The request's wire body when the caller built it already (for its cache key): toBody(request), as is. */
  body?: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
  /** For tests: a source of randomness for the jitter. */
  random?: () => number;
}

/** A call that failed for good: not retryable, or out of retries. */
export class LlmCallError extends Error {
  readonly status: number;
  readonly attempts: number;
  readonly retryable: boolean;
  /** The last attempt got no answer within the call's timeout. */
  readonly timedOut: boolean;
  constructor(message: string, status: number, attempts: number, retryable: boolean, cause?: unknown, timedOut = false) {
    super(message, { cause });
    this.name = 'LlmCallError';
    this.status = status;
    this.attempts = attempts;
    this.retryable = retryable;
    this.timedOut = timedOut;
  }
}

export const RETRY_BASE_MS = 500;
export const RETRY_MAX_BACKOFF_MS = 20_000;
/** Longest wait a retry-after header can impose on one attempt. */
export const RETRY_AFTER_CAP_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 5;
/**
 * Retries of a call whose attempts time out. A server that let one attempt hang is likely to let the
 * next hang too: each costs a whole timeout while the call holds its slot of the batch.
 */
export const MAX_TIMEOUT_RETRIES = 1;

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** Backoff before retry number `retry` (1-based): full jitter over an exponential ceiling. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_BACKOFF_MS, RETRY_BASE_MS * 2 ** (retry - 1));
  return Math.round(random() * ceiling);
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500 || status === 0;
}

// What a frozen tools array (an agent's, shared by all its clones) costs to describe, computed once.
const toolChars = new WeakMap<readonly ToolSpec[], number>();

function once<V>(cache: WeakMap<readonly ToolSpec[], V>, tools: readonly ToolSpec[], make: () => V): V {
  if (!Object.isFrozen(tools)) return make();
  let v = cache.get(tools);
  if (v === undefined) {
    v = make();
    cache.set(tools, v);
  }
  return v;
}

/** A rough token count for throttling before sending (about 4 characters a token); reconciled after. */
export function estimateTokens(request: ChatRequest): number {
  let chars = 0;
  for (const m of request.messages) {
    chars += (m.content?.length ?? 0) + 8;
    if (m.toolCalls) for (const c of m.toolCalls) chars += c.name.length + c.arguments.length;
  }
  const tools = request.tools;
  if (tools?.length) {
    chars += once(toolChars, tools, () => {
      let n = 0;
      for (const t of tools) n += t.name.length + t.description.length + JSON.stringify(t.parameters).length;
      return n;
    });
  }
  return Math.ceil(chars / 4) + (request.maxTokens ?? 256);
}

type Sdk = typeof import('openai');
let sdkModule: Sdk | undefined;
// Every call goes through the SDK, so it starts loading with this module, in the background: a run
// worker started ahead of its run (or anything that makes a client before its first call) has it
// ready instead of loading it in front of the first request.
const sdkLoad: Promise<Sdk> = import('openai').then((m) => (sdkModule = m));
sdkLoad.catch(() => undefined);

let clientCounter = 0;

/**
 * One OpenAI-compatible client with its own connection pool. Shared by an agent and all its clones, so
 * a batch of thousands of items opens at most `connections` sockets.
 */
export class LlmClient {
  readonly id: number;
  readonly baseURL: string;
  /** The endpoint as the response cache keys it (see LlmClientOptions.cacheEndpoint). */
  readonly cacheEndpoint: string;
  private readonly apiKey: string;
  private readonly mode: 'lean' | 'standard';
  private sdk?: Promise<OpenAI>;
  private dispatcher: UndiciAgent;
  private connectionsValue: number;
  private closed = false;

  constructor(options: LlmClientOptions = {}) {
    this.id = ++clientCounter;
    this.connectionsValue = Math.max(1, options.connections ?? 16);
    this.dispatcher = LlmClient.makeDispatcher(this.connectionsValue);
    // Endpoints such as Ollama need no key; OpenAI's API insists on one, so they get a placeholder.
    this.apiKey = options.apiKey || process.env.OPENAI_API_KEY || 'no-key';
    this.baseURL = options.baseURL || process.env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
    this.cacheEndpoint = options.cacheEndpoint ?? this.baseURL;
    this.mode = options.fetch ?? 'lean';
  }

  /** The SDK client, loaded on first use. */
  private sdkClient(): Promise<OpenAI> {
    this.sdk ??= (async () => {
      sdkModule ??= await sdkLoad;
      return new sdkModule.default({
        apiKey: this.apiKey,
        baseURL: this.baseURL,
        maxRetries: 0,
        timeout: DEFAULT_TIMEOUT_MS,
        // The pool is read at each request, so a batch can enlarge it after the client exists.
        fetch: (this.mode === 'standard'
          ? (url: string | URL, init?: Record<string, unknown>) =>
              undiciFetch(url, { ...(init ?? {}), dispatcher: this.dispatcher } as Parameters<typeof undiciFetch>[1])
          : makeFetch(() => this.dispatcher)) as unknown as NonNullable<ConstructorParameters<typeof OpenAI>[0]>['fetch'],
      });
    })();
    return this.sdk;
  }

  /** One attempt through the SDK. */
  private async sendSdk(body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ data: Completion; status: number; headers: HeaderSource }> {
    const sdk = await this.sdkClient();
    if (this.mode === 'lean') {
      // The caller's signal goes to the lean fetch (the SDK passes fetchOptions through), which stops
      // the request when it aborts. The SDK gets no signal to compose: composing a batch-long signal
      // for every call, with a weak listener and a finalizer each, cost more CPU than the call.
      const options = { timeout: timeoutMs, maxRetries: 0, ...(signal ? { fetchOptions: { abortWith: signal } } : {}) };
      const { data, response } = await sdk.chat.completions.create(body, options as unknown as OpenAI.RequestOptions).withResponse();
      return { data: data as Completion, status: response.status, headers: response.headers as unknown as HeaderSource };
    }
    // Each attempt gets its own short-lived signal, relayed from the caller's. The SDK composes
    // (AbortSignal.any) whatever signal it is given; composing a batch-long signal thousands of
    // times makes it carry thousands of dependents until they are collected.
    const attemptAbort = new AbortController();
    const relay = () => attemptAbort.abort(signal?.reason);
    signal?.addEventListener('abort', relay, { once: true });
    try {
      const { data, response } = await sdk.chat.completions.create(body, { signal: attemptAbort.signal, timeout: timeoutMs, maxRetries: 0 }).withResponse();
      return { data: data as Completion, status: response.status, headers: response.headers as unknown as HeaderSource };
    } finally {
      signal?.removeEventListener('abort', relay);
    }
  }

  private static makeDispatcher(connections: number): UndiciAgent {
    // Twice as many sockets as calls in flight. With exactly as many, a call that starts as another
    // ends often found every socket still taken (the ended call's is released a moment after its
    // answer is read) and queued in the pool: at 64 in flight and 100 ms of latency, 2 ms more a
    // call and 2–4% less throughput (`node bench/layers.ts --layer sdk-lean --sockets 1`, then 2).
    // The batch still sends at most its window of calls at once; the spare sockets only idle until
    // keepAliveTimeout.
    // The SDK's per-attempt timeout governs; undici's own would cut long generations short.
    return new UndiciAgent({ connections: 2 * connections, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 10_000 });
  }

  /** Most calls in flight the pool is sized for (it holds twice as many sockets). */
  get connections(): number {
    return this.connectionsValue;
  }

  /** Grows the pool to at least n sockets (it never shrinks: a smaller batch simply uses fewer). */
  ensureConnections(n: number): void {
    const want = Math.max(1, Math.floor(n));
    if (want <= this.connectionsValue || this.closed) return;
    const old = this.dispatcher;
    this.connectionsValue = want;
    this.dispatcher = LlmClient.makeDispatcher(want);
    // Requests already sent on the old pool finish there; then it closes its sockets.
    void old.close().catch(() => undefined);
  }

  /**
   * Whether the endpoint answers at all: GET {baseURL}/models, without a key. Any HTTP answer (a 401
   * or a 404 too) counts; no connection or no answer within timeoutMs does not.
   */
  async probe(signal?: AbortSignal, timeoutMs = 10_000): Promise<boolean> {
    const limit = AbortSignal.timeout(timeoutMs);
    try {
      const res = await undiciFetch(`${this.baseURL.replace(/\/+$/, '')}/models`, {
        dispatcher: this.dispatcher,
        signal: signal ? AbortSignal.any([signal, limit]) : limit,
      });
      await res.body?.cancel();
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the pool's sockets once their requests finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dispatcher.close().catch(() => undefined);
  }

  /** One chat completion, retried on 429, 5xx, timeouts and dropped connections. */
  async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatReply> {
    const { signal, hooks } = options;
    const maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const random = options.random ?? Math.random;
    const body = options.body ?? toBody(request);
    const estimate = estimateTokens(request);
    let timeouts = 0;

    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      const wait = hooks?.beforeAttempt?.(estimate, signal, request);
      if (wait) await wait;
      if (signal?.aborted) throw abortError(signal);
      const started = performance.now();
      try {
        const { data, status, headers } = await this.sendSdk(body, signal, timeoutMs);
        const latencyMs = performance.now() - started;
        const choice = data.choices?.[0];
        const promptTokens = data.usage?.prompt_tokens ?? 0;
        const completionTokens = data.usage?.completion_tokens ?? 0;
        const cachedTokens = Math.min(promptTokens, cachedTokensOf(data.usage));
        hooks?.afterAttempt?.({
          attempt,
          status,
          ok: true,
          promptTokens,
          completionTokens,
          cachedTokens,
          latencyMs,
          rateLimit: parseRateLimitHeaders(headers),
        });
        if (!choice) throw new LlmCallError('the server answered without any choice', status, attempt, false);
        const toolCalls: ChatToolCall[] = [];
        const calls = choice.message.tool_calls;
        if (calls) {
          for (const c of calls) {
            if (c.type === 'function' && c.function) toolCalls.push({ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' });
          }
        }
        return {
          content: choice.message.content ?? null,
          toolCalls,
          finishReason: choice.finish_reason ?? null,
          promptTokens,
          completionTokens,
          cachedTokens,
          model: data.model ?? request.model,
        };
      } catch (error) {
        if (error instanceof LlmCallError) throw error;
        const latencyMs = performance.now() - started;
        if (signal?.aborted) throw abortError(signal);
        const failure = classify(error, timeoutMs);
        if (failure.timedOut) timeouts += 1;
        const retryAfterMs = parseRetryAfter(failure.headers);
        const canRetry = failure.retryable && attempt <= maxRetries && timeouts <= MAX_TIMEOUT_RETRIES;
        const retryInMs = canRetry
          ? retryAfterMs !== undefined
            ? Math.min(retryAfterMs, RETRY_AFTER_CAP_MS) + Math.round(random() * 100)
            : backoffMs(attempt, random)
          : undefined;
        const usage = usageOf(failure.body);
        hooks?.afterAttempt?.({
          attempt,
          status: failure.status,
          ok: false,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          cachedTokens: 0,
          latencyMs,
          retryAfterMs,
          rateLimit: parseRateLimitHeaders(failure.headers),
          retryInMs,
          error: failure.message,
        });
        if (retryInMs === undefined) {
          const tail = failure.retryable ? ` (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})` : '';
          throw new LlmCallError(`${failure.message}${tail}`, failure.status, attempt, failure.retryable, error, failure.timedOut === true);
        }
        await sleep(retryInMs, signal);
      }
    }
  }
}

interface Failure {
  status: number;
  retryable: boolean;
  message: string;
  headers?: HeaderSource;
  body?: unknown;
  timedOut?: boolean;
}

function classify(error: unknown, timeoutMs: number): Failure {
  const sdk = sdkModule?.default;
  if (sdk && error instanceof sdk.APIConnectionTimeoutError) {
    return { status: 0, retryable: true, message: `the request timed out after ${formatMs(timeoutMs)}`, timedOut: true };
  }
  if (sdk && error instanceof sdk.APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    return { status: 0, retryable: true, message: `the connection failed${detail}` };
  }
  if (sdk && error instanceof sdk.APIError && typeof error.status === 'number') {
    const e = error as { status: number; headers?: unknown; message: string; error?: unknown };
    const status = e.status;
    const headers = e.headers as HeaderSource | undefined;
    const retryHeader = headers?.get?.('x-should-retry');
    const retryable = retryHeader === 'true' ? true : retryHeader === 'false' ? false : isRetryableStatus(status);
    const text = e.message || `HTTP ${status}`;
    return { status, retryable, message: text.startsWith(String(status)) ? `HTTP ${text}` : `HTTP ${status}: ${text}`, headers, body: e.error };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 0, retryable: false, message };
}

function usageOf(body: unknown): { promptTokens: number; completionTokens: number } {
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | undefined)?.usage;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { promptTokens: n(usage?.prompt_tokens), completionTokens: n(usage?.completion_tokens) };
}
