// Token counts before sending, with the o200k_base tokenizer (the one the current OpenAI models use):
// what a budget reserves for a request and what the pre-run estimate shows. The ranks take over a
// second to load, on first use; a budget asks for them only when a cheaper upper bound (one token per
// UTF-8 byte, which no byte-level tokenizer exceeds) does not fit. The ranks (2.3 MB of text) are
// read from their package then too, not imported: a run that never counts does not hold them.
import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type { ChatMessageParam, ChatRequest } from './llm.ts';

export const TOKENIZER = 'o200k_base';

/** Chat framing, as OpenAI documents it: every message costs 3 tokens more, every reply is primed with 3. */
export const PER_MESSAGE = 3;
export const REPLY_PRIMING = 3;

let encoder: Tiktoken | null = null;
function enc(): Tiktoken {
  encoder ??= new Tiktoken(createRequire(import.meta.url)('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
  return encoder;
}

export function countTokens(text: string): number {
  return text ? enc().encode(text).length : 0;
}

/** At least as many as the tokenizer counts: one per UTF-8 byte. */
export function tokenBound(text: string): number {
  return text ? Buffer.byteLength(text, 'utf8') : 0;
}

type Counter = (text: string) => number;

// What a frozen tools array (an agent's, shared by all its clones) costs, counted once per counter.
const toolCounts = new WeakMap<object, Map<Counter, number>>();

function toolsTokens(tools: NonNullable<ChatRequest['tools']>, count: Counter): number {
  const cached = toolCounts.get(tools)?.get(count);
  if (cached !== undefined) return cached;
  // The definitions as sent; the server renders them in its own words, which JSON does not undercount.
  const n = count(JSON.stringify(tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }))));
  if (Object.isFrozen(tools)) {
    const byCounter = toolCounts.get(tools) ?? new Map<Counter, number>();
    byCounter.set(count, n);
    toolCounts.set(tools, byCounter);
  }
  return n;
}

function messageTokens(m: ChatMessageParam, count: Counter): number {
  let n = PER_MESSAGE + 1 + count(m.content ?? '');
  if (m.toolCalls) for (const c of m.toolCalls) n += PER_MESSAGE + count(c.id) + count(c.name) + count(c.arguments);
  if (m.toolCallId) n += count(m.toolCallId);
  return n;
}

/**
 * The prompt tokens of a request: its messages, its tools and their schemas, and the chat framing,
 * counted with the tokenizer, or (`bound`) bounded from above without it.
 */
export function requestTokens(request: ChatRequest, how: 'count' | 'bound' = 'count'): number {
  const count = how === 'count' ? countTokens : tokenBound;
  let n = REPLY_PRIMING;
  for (const m of request.messages) n += messageTokens(m, count);
  if (request.tools?.length) n += toolsTokens(request.tools, count);
  if (request.toolChoice) n += count(request.toolChoice) + PER_MESSAGE;
  return n;
}
