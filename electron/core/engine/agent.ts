// ChatAgent: one LLM conversation with a system message, function tools and tool handlers.
//
// Subclass it to handle tools: a method named like the tool receives the validated arguments and
// returns a string (sent back to the model as the tool's result) or `done(...)` (ends the task).
// A clone is built by the constructor, as a new agent is: a subclass's own fields start fresh in every
// clone. A subclass whose constructor takes more than (config, options) says what to pass it in
// `cloneArgs`. Override `initState()` to reset per-item state; every clone calls it.
import { randomUUID } from 'node:crypto';
import type { Pricing, ToolSpec, TranscriptMessage } from '../../../shared/domain.ts';
import { LlmClient, type CallHooks, type CallReport, type ChatMessageParam, type ChatReply } from './llm.ts';
import { addUsd } from '../../../shared/money.ts';
import { costOf, lookupPrice, type PriceLookup } from './pricing.ts';
import type { CachedAnswer, FromCache, ResponseCache } from './cache/cache.ts';
import { cacheKeyOfBody } from './cache/key.ts';
import { toBody } from './wire.ts';
import { deepFreeze, type Done, type Tool } from './tools.ts';

export interface ChatAgentConfig {
  name: string;
  model: string;
  /** Any OpenAI-compatible endpoint; absent: OPENAI_BASE_URL, else OpenAI. */
  baseURL?: string;
  /** Absent: OPENAI_API_KEY; a placeholder when neither is set (Ollama and the like need none). */
  apiKey?: string;
  /** What the response cache keys the endpoint by; absent: its base URL (see LlmClientOptions). */
  cacheEndpoint?: string;
  systemMessage?: string;
  tools?: readonly (ToolSpec | Tool)[];
  temperature?: number;
  maxTokensPerCall?: number;
  /** Overrides the built-in price table. */
  pricing?: Pricing;
  /** The model's context window (tokens); absent: the built-in table's, else not checked. */
  contextWindow?: number;
  /** Per LLM attempt, ms. */
  timeoutMs?: number;
  /** Retries of one LLM call after its first attempt (429, 5xx, timeouts, dropped connections). */
  maxRetries?: number;
}

/** What a tool handler gets besides its arguments. */
export interface ToolCallInfo {
  id: string;
  name: string;
  /** The raw JSON text the model sent. */
  arguments: string;
  /** Aborts when the batch is cancelled or stopped: a slow handler should stop its work then. */
  signal: AbortSignal;
}

export type ToolHandlerResult = string | Done | Promise<string | Done>;
export type ToolHandler = (args: unknown, call: ToolCallInfo) => ToolHandlerResult;

/** An attempt's report with its price. */
export interface AgentCallReport extends CallReport {
  costUsd: number;
  model: string;
  /** False when the model has no known price: its cost counts as 0. */
  priced: boolean;
  /** Set when the answer came from the response cache: nothing was sent, tokens and cost are 0. */
  fromCache?: FromCache;
}

export interface AgentCallContext {
  signal?: AbortSignal;
  beforeAttempt?: CallHooks['beforeAttempt'];
  afterAttempt?: (report: AgentCallReport) => void;
  /**
   * Answers a request already answered before, without sending it. A hit passes no gate (it costs
   * nothing and reserves nothing) and is reported through afterAttempt with `fromCache`.
   */
  cache?: ResponseCache;
}

export interface AgentReply extends ChatReply {
  costUsd: number;
  /** Set when the answer came from the cache. */
  fromCache?: FromCache;
}

export interface ChatAgentOptions {
  /** Share an existing client (and its connection pool) instead of creating one. */
  client?: LlmClient;
}

/** A deep copy of JSON-like data (the config holds only strings, numbers, booleans and plain objects). */
function deepCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  const out: Record<string, unknown> = {};
  for (const k in value) if (Object.hasOwn(value, k)) out[k] = deepCopy((value as Record<string, unknown>)[k]);
  return out as T;
}

/** A deep copy of the config but its tools, which become `tools`. One object per clone: every item makes one. */
function copyConfig(config: ChatAgentConfig, tools: readonly ToolSpec[]): ChatAgentConfig {
  const out: Record<string, unknown> = {};
  for (const k in config) if (k !== 'tools' && Object.hasOwn(config, k)) out[k] = deepCopy((config as unknown as Record<string, unknown>)[k]);
  out.tools = tools;
  return out as unknown as ChatAgentConfig;
}

/** A call on an agent whose client was closed (`agent.close()`, on it or on any of its clones). */
export class AgentClosedError extends Error {
  constructor(name: string) {
    super(`the agent "${name}" is closed (close() was called on it or a clone of it): make a new agent to run more`);
    this.name = 'AgentClosedError';
  }
}

/** Clients closed through an agent; their agents and clones refuse to call them. */
const closedClients = new WeakSet<LlmClient>();

/** What a clone takes over from the agent it is cloned from, handed to the constructor it runs. */
interface CloneSource {
  tools: readonly ToolSpec[];
  llm: LlmClient;
}
let cloning: CloneSource | null = null;

/** Clone ids: this process's random prefix and a count, unique like a UUID and cheaper to make per item. */
const CLONE_ID_PREFIX = randomUUID();
let cloneCount = 0;

/** A chat agent: its config, tools, history and one shared LLM client. */
export class ChatAgent {
  /** A deep copy of the config it was made with; `tools` is the shared frozen array. */
  config: Readonly<ChatAgentConfig>;
  /** Unique per agent and per clone. */
  id: string;
  /** Shared read-only by the agent and all its clones. */
  tools: readonly ToolSpec[];
  /** Shared by the agent and all its clones: one connection pool. */
  llm: LlmClient;
  /** The conversation so far, without the system message. */
  history: ChatMessageParam[];
  /** Tokens and dollars this agent (this clone) has spent. */
  spent: { promptTokens: number; completionTokens: number; costUsd: number; calls: number };

  constructor(config: ChatAgentConfig, options: ChatAgentOptions = {}) {
    const source = cloning;
    cloning = null;
    if (source) {
      // A clone: the tools are already checked and frozen, and the client is shared.
      this.tools = source.tools;
      // cloneArgs got a fresh copy already; copy again only if a subclass swapped it.
      this.config = config.tools === source.tools ? config : copyConfig(config, source.tools);
      this.id = `${CLONE_ID_PREFIX}-${++cloneCount}`;
      this.llm = source.llm;
      this.history = [];
      this.spent = { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 };
      return;
    }
    const tools = deepFreeze(
      (config.tools ?? []).map((t) => ({ name: t.name, description: t.description ?? '', parameters: structuredClone(t.parameters ?? { type: 'object', properties: {} }) })),
    );
    Object.freeze(tools);
    const names = new Set<string>();
    for (const t of tools) {
      if (names.has(t.name)) throw new Error(`two tools are named "${t.name}"`);
      names.add(t.name);
    }
    this.tools = tools;
    this.config = copyConfig(config, tools);
    this.id = randomUUID();
    this.llm = options.client ?? new LlmClient({ baseURL: config.baseURL, apiKey: config.apiKey, cacheEndpoint: config.cacheEndpoint });
    this.history = [];
    this.spent = { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 };
  }

  get name(): string {
    return this.config.name;
  }

  /** Resets per-item state. Subclasses that override it call super.initState(). Every clone calls it. */
  initState(): void {
    this.history = [];
    this.spent = { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 };
    this.unkept = undefined;
  }

  /**
   * The arguments a clone's constructor gets, given the clone's config (a deep copy of this one's).
   * Default: `[config]`. A subclass whose constructor takes more (a database handle, say) returns them,
   * e.g. `[config, this.db]`: what it passes is shared by the clones, its other fields start fresh.
   */
  protected cloneArgs(config: ChatAgentConfig): unknown[] {
    return [config];
  }

  /**
   * A fresh agent for item i, built by this agent's own constructor (as langroid re-runs `__init__`):
   * a deep copy of the config, an empty history, the same frozen tools and the same LLM client, a new
   * id, then `initState()`. Fields initialised by the class start fresh, `#private` ones included.
   */
  clone(_i: number): this {
    // Looked up once here and inherited, instead of once per clone (each checks it still fits its model).
    const priceCache = (this.price(), this.priceCache);
    const args = this.cloneArgs(copyConfig(this.config, this.tools));
    cloning = { tools: this.tools, llm: this.llm };
    let copy: this;
    try {
      copy = Reflect.construct(this.constructor, args) as this;
    } finally {
      cloning = null;
    }
    if (copy.llm !== this.llm) throw new Error(`${this.constructor.name}'s constructor did not call super() with the config first: it cannot be cloned`);
    copy.priceCache = priceCache;
    copy.initState();
    return copy;
  }

  /** True once close() was called on this agent or any agent sharing its client. */
  get closed(): boolean {
    return closedClients.has(this.llm);
  }

  tool(name: string): ToolSpec | undefined {
    return this.tools.find((t) => t.name === name);
  }

  /**
   * The handler of a tool: a method (or function field) named like the tool, on a subclass. Names that
   * ChatAgent itself uses (clone, initState, …) are never handlers.
   */
  handlerFor(name: string): ToolHandler | undefined {
    if (name in ChatAgent.prototype) return undefined;
    const fn = (this as unknown as Record<string, unknown>)[name];
    return typeof fn === 'function' ? (fn.bind(this) as ToolHandler) : undefined;
  }

  /** The transcript: the system message (when there is one) and the history. */
  transcript(): TranscriptMessage[] {
    const out: TranscriptMessage[] = [];
    if (this.config.systemMessage) out.push({ role: 'system', content: this.config.systemMessage });
    for (const m of this.history) {
      const t: TranscriptMessage = { role: m.role, content: m.content };
      if (m.toolCalls?.length) t.toolCalls = m.toolCalls.map((c) => ({ ...c }));
      if (m.toolCallId !== undefined) t.toolCallId = m.toolCallId;
      if (m.fromCache) t.fromCache = true;
      out.push(t);
    }
    return out;
  }

  /** Whether the model has a known price (built in or configured). */
  get priced(): boolean {
    return this.price().known;
  }

  private priceCache?: { model: string; pricing: Pricing | undefined; lookup: PriceLookup };

  /** The last answer fetched live, not kept in the cache until its turn accepts it (keepLastAnswer). */
  private unkept?: { cache: ResponseCache; key: string; answer: CachedAnswer };

  /**
   * Keeps the last answer fetched live in the cache it was looked up in: called once the answer is
   * accepted (its tool calls were valid and answered, or its item's output was taken from it). An
   * answer never accepted (invalid tool arguments, an output that failed) is never kept.
   */
  keepLastAnswer(): void {
    const u = this.unkept;
    this.unkept = undefined;
    if (u) u.cache.put(u.key, u.answer);
  }

  /** The prices of the configured model (looked up once per model and override). */
  price(): PriceLookup {
    const { model, pricing } = this.config;
    const cached = this.priceCache;
    const same = cached?.pricing?.inputPerMTok === pricing?.inputPerMTok && cached?.pricing?.outputPerMTok === pricing?.outputPerMTok && cached?.pricing?.cachedInputPerMTok === pricing?.cachedInputPerMTok;
    if (cached && cached.model === model && same) {
      return cached.lookup;
    }
    const lookup = lookupPrice(model, pricing);
    this.priceCache = { model, pricing, lookup };
    return lookup;
  }

  /** One LLM call on the current history (retries included); the reply is appended to the history. */
  async llmResponse(context: AgentCallContext = {}): Promise<AgentReply> {
    if (this.closed) throw new AgentClosedError(this.name);
    const { pricing, known } = this.price();
    const messages: ChatMessageParam[] = [];
    if (this.config.systemMessage) messages.push({ role: 'system', content: this.config.systemMessage });
    // The cache mark is the transcript's, never the wire's (toBody reads only the chat fields).
    messages.push(...this.history);
    const request = {
      model: this.config.model,
      messages,
      tools: this.tools,
      temperature: this.config.temperature,
      maxTokens: this.config.maxTokensPerCall,
    };
    this.unkept = undefined;
    const cache = context.cache;
    // One body serves the key and the call.
    const body = cache ? toBody(request) : undefined;
    const key = body ? cacheKeyOfBody(this.llm.cacheEndpoint, body) : '';
    const found = cache?.get(key);
    const hit = found instanceof Promise ? await found : found;
    if (hit) {
      const fromCache: FromCache = { promptTokens: hit.reply.promptTokens, completionTokens: hit.reply.completionTokens, savedUsd: hit.costUsd };
      this.spent.calls += 1;
      context.afterAttempt?.({ attempt: 1, status: 200, ok: true, promptTokens: 0, completionTokens: 0, latencyMs: 0, costUsd: 0, model: this.config.model, priced: known, fromCache });
      const reply = hit.reply;
      this.history.push({ role: 'assistant', content: reply.content, ...(reply.toolCalls.length ? { toolCalls: reply.toolCalls.map((c) => ({ ...c })) } : {}), fromCache: true });
      return { ...reply, toolCalls: reply.toolCalls.map((c) => ({ ...c })), promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0, fromCache };
    }
    const reply = await this.llm.complete(request, {
      signal: context.signal,
      body,
      timeoutMs: this.config.timeoutMs,
      maxRetries: this.config.maxRetries,
      hooks: {
        beforeAttempt: context.beforeAttempt,
        afterAttempt: (report) => {
          const costUsd = costOf(report, pricing);
          this.spent.promptTokens += report.promptTokens;
          this.spent.completionTokens += report.completionTokens;
          this.spent.costUsd = addUsd(this.spent.costUsd, costUsd);
          this.spent.calls += 1;
          context.afterAttempt?.({ ...report, costUsd, model: this.config.model, priced: known });
        },
      },
    });
    this.history.push({ role: 'assistant', content: reply.content, ...(reply.toolCalls.length ? { toolCalls: reply.toolCalls } : {}) });
    const costUsd = costOf(reply, pricing);
    if (cache) this.unkept = { cache, key, answer: { reply, costUsd } };
    return { ...reply, costUsd };
  }

  /** Closes the shared client's sockets (for the agent and all its clones). */
  async close(): Promise<void> {
    closedClients.add(this.llm);
    await this.llm.close();
  }
}
