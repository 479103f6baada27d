// Deterministic answers to a chat-completions request: which kind of answer (text or one tool
// call), its content, its usage, and the response body (JSON or server-sent events). Answers depend
// only on the messages and tools; generated values are seeded by a hash of the first user message.

import { hashString, hex, mixInts } from './hash.ts';
import { generateArguments } from './schema-args.ts';

export interface ChatToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

export interface ChatTool {
  type?: string;
  function?: { name?: string; description?: string; parameters?: unknown };
}

export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  tool_choice?: unknown;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
}

export interface ToolCallAnswer {
  id: string;
  name: string;
  arguments: string;
}

export interface Answer {
  id: string;
  content: string | null;
  toolCall: ToolCallAnswer | null;
  finishReason: 'stop' | 'tool_calls' | 'length';
  /** prompt_tokens_details.cached_tokens: the prompt's prefix the server had cached (set by the server). */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

/** A request the simulator refuses, as an HTTP status and OpenAI-style error. */
export class RequestError extends Error {
  status: number;
  type: string;
  code: string | null;
  param: string | null;
  constructor(status: number, message: string, type = 'invalid_request_error', code: string | null = null, param: string | null = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }
}

const REPLY_CHARS = 80;
/** A fixed `created` timestamp keeps identical requests byte-identical. */
const CREATED = 1735689600;

/** The text of a message content: a string, or the text parts of a content-part array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let text = '';
    for (const part of content) {
      if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') text += (part as { text: string }).text;
    }
    return text;
  }
  return '';
}

/** Checks the shape enough to answer; throws RequestError (400) otherwise. */
export function validateRequest(body: unknown): ChatRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RequestError(400, 'The request body must be a JSON object.');
  const req = body as ChatRequest;
  if (!Array.isArray(req.messages) || req.messages.length === 0) {
    throw new RequestError(400, "'messages' must be a non-empty array.", 'invalid_request_error', null, 'messages');
  }
  for (const m of req.messages) {
    if (m === null || typeof m !== 'object' || typeof m.role !== 'string') {
      throw new RequestError(400, 'Each message needs a string role.', 'invalid_request_error', null, 'messages');
    }
  }
  if (req.tools !== undefined && req.tools !== null && !Array.isArray(req.tools)) {
    throw new RequestError(400, "'tools' must be an array.", 'invalid_request_error', null, 'tools');
  }
  return req;
}

/** The first and the last user message texts ('' when there is none). */
export function userTexts(messages: ChatMessage[]): { first: string; last: string } {
  let first: string | undefined;
  let last = '';
  for (const m of messages) {
    if (m.role !== 'user') continue;
    const text = contentText(m.content);
    if (first === undefined) first = text;
    last = text;
  }
  return { first: first ?? '', last };
}

/** Prompt tokens: ceil(chars of all contents and tool-call arguments / 4) + 4 per message. */
export function promptTokens(messages: ChatMessage[]): number {
  let chars = 0;
  for (const m of messages) {
    chars += contentText(m.content).length;
    if (Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) chars += call?.function?.arguments?.length ?? 0;
    }
  }
  return Math.ceil(chars / 4) + 4 * messages.length;
}

function completionTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function chosenTool(req: ChatRequest, forceText: boolean): { name: string; parameters: unknown } | null {
  const tools = req.tools;
  if (forceText || !tools || tools.length === 0) return null;
  const last = req.messages[req.messages.length - 1];
  if (last.role === 'tool' || last.role === 'function') return null;
  const choice = req.tool_choice;
  if (choice === 'none') return null;
  let wanted: string | undefined;
  if (choice && typeof choice === 'object') {
    const c = choice as { function?: { name?: unknown }; name?: unknown };
    const n = c.function?.name ?? c.name;
    if (typeof n === 'string') wanted = n;
  }
  const named = wanted === undefined ? tools[0] : tools.find((t) => t?.function?.name === wanted);
  if (!named?.function || typeof named.function.name !== 'string') {
    throw new RequestError(400, wanted === undefined ? 'Each tool needs a function name.' : `Tool choice '${wanted}' is not among the tools.`, 'invalid_request_error', null, 'tool_choice');
  }
  return { name: named.function.name, parameters: named.function.parameters };
}

/**
 * The answer to a validated request. `forceText` answers text even when tools are offered;
 * `malformArgs` truncates the tool-call arguments so they are not valid JSON.
 */
export function answer(
  req: ChatRequest,
  opts: { forceText?: boolean; malformArgs?: boolean; texts?: { first: string; last: string } } = {},
): Answer {
  const { first, last } = opts.texts ?? userTexts(req.messages);
  const seed = hashString(first);
  const lastMessage = req.messages[req.messages.length - 1];
  const tool = chosenTool(req, opts.forceText === true);
  const limitRaw = req.max_completion_tokens ?? req.max_tokens;
  const limit = typeof limitRaw === 'number' && limitRaw > 0 ? Math.floor(limitRaw) : Infinity;
  const prompt = promptTokens(req.messages);

  let content: string | null = null;
  let toolCall: ToolCallAnswer | null = null;
  let finishReason: Answer['finishReason'];
  let produced: string;
  if (tool) {
    let args = JSON.stringify(generateArguments(tool.parameters, first, seed));
    if (opts.malformArgs) args = malformed(args);
    finishReason = 'tool_calls';
    if (completionTokens(args) > limit) {
      args = args.slice(0, limit * 4);
      finishReason = 'length';
    }
    toolCall = { id: `call_${hex(mixInts(seed, req.messages.length, hashString(tool.name)))}`, name: tool.name, arguments: args };
    produced = args;
  } else {
    content =
      lastMessage.role === 'tool' || lastMessage.role === 'function'
        ? `Done: ${contentText(lastMessage.content).slice(0, REPLY_CHARS)}`
        : `Simulated reply to: ${last.slice(0, REPLY_CHARS)}`;
    finishReason = 'stop';
    if (completionTokens(content) > limit) {
      content = content.slice(0, limit * 4);
      finishReason = 'length';
    }
    produced = content;
  }
  const completion = completionTokens(produced);
  const id = `chatcmpl-sim${hex(mixInts(seed, req.messages.length))}`;
  return { id, content, toolCall, finishReason, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0 } } };
}

/** Truncated JSON: never parses. */
export function malformed(json: string): string {
  return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
}

/** The non-streaming response body. */
export function completionBody(req: ChatRequest, a: Answer): string {
  const message: Record<string, unknown> = { role: 'assistant', content: a.content, refusal: null };
  if (a.toolCall) {
    message.tool_calls = [{ id: a.toolCall.id, type: 'function', function: { name: a.toolCall.name, arguments: a.toolCall.arguments } }];
  }
  return JSON.stringify({
    id: a.id,
    object: 'chat.completion',
    created: CREATED,
    model: req.model ?? 'simulated',
    choices: [{ index: 0, message, logprobs: null, finish_reason: a.finishReason }],
    usage: a.usage,
    system_fingerprint: 'fp_simulated',
  });
}

const PIECE = 24;

/** The streaming response body: all server-sent events at once, ending with [DONE]. */
export function streamBody(req: ChatRequest, a: Answer): string {
  const head = { id: a.id, object: 'chat.completion.chunk', created: CREATED, model: req.model ?? 'simulated', system_fingerprint: 'fp_simulated' };
  const includeUsage = req.stream_options?.include_usage === true;
  let out = '';
  const emit = (delta: Record<string, unknown>, finish: string | null): void => {
    const chunk: Record<string, unknown> = { ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    if (includeUsage) chunk.usage = null;
    out += `data: ${JSON.stringify(chunk)}\n\n`;
  };
  if (a.toolCall) {
    const args = a.toolCall.arguments;
    emit({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: a.toolCall.id, type: 'function', function: { name: a.toolCall.name, arguments: '' } }] }, null);
    for (let i = 0; i < args.length; i += PIECE) emit({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + PIECE) } }] }, null);
  } else {
    const text = a.content ?? '';
    emit({ role: 'assistant', content: '', refusal: null }, null);
    for (let i = 0; i < text.length; i += PIECE) emit({ content: text.slice(i, i + PIECE) }, null);
  }
  emit({}, a.finishReason);
  if (includeUsage) out += `data: ${JSON.stringify({ ...head, choices: [], usage: a.usage })}\n\n`;
  return `${out}data: [DONE]\n\n`;
}
