// The domain of Rowrunner: the agent spec (AGENT.json), run options, statuses, transcripts and the
// events a running batch emits. Every front (CLI, Electron, served UI) and the core speak these types.
import { z } from 'zod';

/** An endpoint's base URL: http or https (a bare "localhost:11434" parses as a URL of scheme "localhost:"). */
export const HttpUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, such as http://localhost:11434/v1' });

/** Turns per item: -1 for no limit; 0 would end every item before the model is called. */
export const TurnsSchema = z.number().int().min(-1).refine((n) => n !== 0, 'must be -1 (no limit) or at least 1');

/** Deepest nesting of a JSON schema (a tool's parameters): far more than any model accepts. */
export const MAX_SCHEMA_DEPTH = 32;

/**
 * What keeps `value` from being plain JSON of at most `limit` levels (a cycle nests without end), or
 * null: walked without recursion, so no depth can overflow the stack here.
 */
export function jsonProblem(value: unknown, limit: number): string | null {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    // undefined is left out when written, as JSON does.
    if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'holds a number JSON cannot carry';
      continue;
    }
    if (typeof v !== 'object') return `holds a ${typeof v}, which JSON cannot carry`;
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return 'holds an object that is not plain JSON';
    if (depth > limit) return `nests more than ${limit} levels deep`;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return null;
}

/** A JSON-schema function tool the model may call. */
export const ToolSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -, at most 64'),
  description: z.string().default(''),
  parameters: z
    .record(z.string(), z.unknown())
    .refine((p) => p.type === undefined || p.type === 'object', { message: 'must be "object": a tool takes an object of named arguments', path: ['type'] })
    // It is stored and sent as JSON; deeper values would overflow the stack of what walks them next.
    .superRefine((p, ctx) => {
      const problem = jsonProblem(p, MAX_SCHEMA_DEPTH);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default({ type: 'object', properties: {} }),
});
export type ToolSpec = z.infer<typeof ToolSpecSchema>;

export const PricingSchema = z.strictObject({
  /** USD per million prompt tokens. */
  inputPerMTok: z.number().nonnegative(),
  /** USD per million completion tokens. */
  outputPerMTok: z.number().nonnegative(),
  /** USD per million prompt tokens the provider had cached; absent: inputPerMTok (no discount). */
  cachedInputPerMTok: z.number().nonnegative().optional(),
});
export type Pricing = z.infer<typeof PricingSchema>;

/** The agent spec: the AGENT.json file that the CLI reads and the desktop app saves and loads. */
export const AgentSpecSchema = z
  .strictObject({
    name: z.string().min(1),
    model: z.string().min(1),
    /** Any OpenAI-compatible endpoint; absent means OPENAI_BASE_URL or OpenAI itself. */
    baseURL: HttpUrlSchema.optional(),
    systemMessage: z.string().default(''),
    /** The input map: a template naming the CSV's columns as {{column}}. */
    prompt: z.string().min(1),
    tools: z.array(ToolSpecSchema).optional(),
    /** End the item as soon as the model calls a tool with valid arguments, and return that call. */
    doneIfTool: z.boolean().optional(),
    /** The output map: output column → tool argument name, or "content" for the final text. */
    output: z.record(z.string().min(1), z.string().min(1)).optional(),
    turns: TurnsSchema.optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** The output cap of every call; absent: the model's largest answer from the price table, else 4,096. */
    maxTokensPerCall: z.number().int().positive().optional(),
    pricing: PricingSchema.optional(),
    /** The model's context window (prompt and answer, tokens), for models not in the built-in table. */
    contextWindow: z.number().int().positive().optional(),
    /** How long one LLM call may take before it times out (it is retried once), ms. Absent: 60 s. */
    timeoutMs: z.number().int().positive().max(3_600_000).optional(),
  })
  .superRefine((spec, ctx) => {
    // What the fields mean together; checked once each field is right on its own.
    const tools = spec.tools ?? [];
    const first = new Map<string, number>();
    tools.forEach((t, i) => {
      const at = first.get(t.name);
      if (at === undefined) first.set(t.name, i);
      else ctx.addIssue({ code: 'custom', path: ['tools', i, 'name'], message: `"${t.name}" is already the name of tool ${at + 1}` });
    });
    // An output column reads the final text ("content") or an argument of the tool call the item ends with.
    const declared = tools.map((t) => t.parameters.properties);
    const known = declared.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p))
      ? new Set(declared.flatMap((p) => Object.keys(p as object)))
      : null; // a tool with free-form parameters may send any argument
    for (const [column, source] of Object.entries(spec.output ?? {})) {
      if (source === 'content') continue;
      if (tools.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['output', column], message: `names the tool argument "${source}", but the agent has no tools (use "content" for the model's text)` });
      } else if (known && !known.has(source)) {
        const have = [...known].map((k) => `"${k}"`).join(', ') || 'none';
        ctx.addIssue({ code: 'custom', path: ['output', column], message: `names the tool argument "${source}", which no tool declares (they declare ${have}; "content" is the model's text)` });
      }
    }
  });
export type AgentSpec = z.infer<typeof AgentSpecSchema>;
export type AgentSpecInput = z.input<typeof AgentSpecSchema>;

export const OnErrorSchema = z.enum(['stop', 'continue']);
export type OnError = z.infer<typeof OnErrorSchema>;

/** Items in flight at once when a run does not say. */
export const DEFAULT_BATCH_SIZE = 8;

/** How a run is run. Budgets count this run only. */
export const RunOptionsSchema = z.strictObject({
  batchSize: z.number().int().positive().max(4096).default(DEFAULT_BATCH_SIZE),
  sequential: z.boolean().default(false),
  /** Most turns per item; -1 = no limit. Absent: the agent's own, else no limit. */
  turns: TurnsSchema.optional(),
  onError: OnErrorSchema.default('continue'),
  maxCost: z.number().positive().optional(),
  maxTokens: z.number().int().positive().optional(),
  /** Requests per minute, throttled before sending. */
  rpm: z.number().positive().optional(),
  /** Tokens per minute, throttled before sending. */
  tpm: z.number().positive().optional(),
  /** How long one LLM call may take before it times out (it is retried once), ms. Absent: the agent's, else 60 s. */
  timeoutMs: z.number().int().positive().max(3_600_000).optional(),
  /** Answer requests already answered in this database from its response cache. Absent: on. */
  cache: z.boolean().optional(),
});
export type RunOptions = z.infer<typeof RunOptionsSchema>;
export type RunOptionsInput = z.input<typeof RunOptionsSchema>;

export const ItemStatusSchema = z.enum(['pending', 'running', 'done', 'failed', 'skipped']);
export type ItemStatus = z.infer<typeof ItemStatusSchema>;

export const RunStatusSchema = z.enum([
  'pending', // created, not started yet
  'running',
  'paused',
  'completed', // every item done or failed under "continue"
  'stopped-error', // an item failed under "stop"
  'stopped-budget', // maxCost or maxTokens reached
  'cancelled',
  'interrupted', // the process died while it ran; found so at the next start
]);
export type RunStatus = z.infer<typeof RunStatusSchema>;
/** How a batch ended: a run's status once its session is over. */
export type FinishStatus = Exclude<RunStatus, 'pending' | 'running' | 'paused' | 'interrupted'>;

/** One message of an item's transcript, in the chat completions shape. */
export const ToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The raw JSON text the model sent, valid or not. */
  arguments: z.string(),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const TranscriptMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().nullable(),
  toolCalls: z.array(ToolCallSchema).optional(),
  toolCallId: z.string().optional(),
  /** An assistant message answered from the response cache, not by the endpoint. */
  fromCache: z.boolean().optional(),
});
export type TranscriptMessage = z.infer<typeof TranscriptMessageSchema>;

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Of the prompt tokens, those the provider had cached (billed at cachedInputPerMTok). */
  cachedTokens?: number;
}

/** How one attempt at an item went: what every item-done and item-failed event carries. */
export interface ItemMetrics {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  /** Of the prompt tokens, those the provider had cached. */
  cachedTokens?: number;
  costUsd: number;
  latencyMs: number;
  transcript: TranscriptMessage[];
}

/** What one item produced: its output columns, keyed by the spec's output map (or `result`). */
export type OutputValues = Record<string, unknown>;

/** A batch's counts so far: what every 'progress' event carries. */
export interface BatchProgress {
  total: number;
  done: number;
  failed: number;
  skipped: number;
  running: number;
  promptTokens: number;
  completionTokens: number;
  /** Of the prompt tokens, those the provider had cached. */
  cachedTokens?: number;
  costUsd: number;
  /** The window's current size, which shrinks on 429s and grows back. */
  concurrency: number;
}

/** Why an item never started: a budget was reached, the batch stopped on an error, or it was cancelled. */
export type ItemSkipReason = 'budget' | 'error' | 'cancelled';

/**
 * The events a spec-driven batch emits, in the order they happen. `llm-call` is emitted for every
 * finished LLM call (success or not), so tokens and cost already paid are never lost; item events
 * carry the item's totals for the attempt.
 */
export type BatchEvent =
  | { type: 'item-started'; index: number }
  | {
      type: 'llm-call';
      index: number;
      promptTokens: number;
      completionTokens: number;
      /** Of the prompt tokens, those the provider had cached. */
      cachedTokens?: number;
      costUsd: number;
      latencyMs: number;
      status: number; // HTTP status, 0 for a dropped connection or timeout
      /** Answered from the response cache: nothing was sent; tokens and cost are 0. */
      fromCache?: boolean;
      /** For a call answered from the cache: the tokens its answer carried and what it cost when paid for. */
      savedTokens?: number;
      savedUsd?: number;
    }
  | ({ type: 'item-done'; index: number; output: OutputValues } & ItemMetrics)
  | ({ type: 'item-failed'; index: number; error: string } & ItemMetrics)
  | { type: 'item-skipped'; index: number; reason: ItemSkipReason }
  | ({ type: 'progress' } & BatchProgress)
  /** reason 'endpoint': the run paused itself while its endpoint does not answer; message says so. */
  | { type: 'paused'; reason?: 'endpoint'; message?: string; retryInMs?: number }
  | { type: 'resumed' }
  | { type: 'finished'; status: FinishStatus; error?: string };
