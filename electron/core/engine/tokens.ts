// Token counts before sending, with the o200k_base tokenizer (the one the current OpenAI models use):
// what a budget reserves for a request and what the pre-run estimate shows. The ranks load on first
// use, so a batch without a budget never pays for them.
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import type { ChatMessageParam, ChatRequest } from './llm.ts';

export const TOKENIZER = 'o200k_base';

/** Chat framing, as OpenAI documents it: every message costs 3 tokens more, every reply is primed with 3. */
export const PER_MESSAGE = 3;
export const REPLY_PRIMING = 3;

let encoder: Tiktoken | null = null;
function enc(): Tiktoken {
  encoder ??= new Tiktoken(o200kBase);
  return encoder;
}

export function countTokens(text: string): number {
  return text ? enc().encode(text).length : 0;
}

// What a frozen tools array (an agent's, shared by all its clones) costs, counted once.
const toolTokens = new WeakMap<object, number>();

function toolsTokens(tools: NonNullable<ChatRequest['tools']>): number {
  const cached = toolTokens.get(tools);
  if (cached !== undefined) return cached;
  // The definitions as sent; the server renders them in its own words, which JSON does not undercount.
  const n = countTokens(JSON.stringify(tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }))));
  if (Object.isFrozen(tools)) toolTokens.set(tools, n);
  return n;
}

function messageTokens(m: ChatMessageParam): number {
  let n = PER_MESSAGE + 1 + countTokens(m.content ?? '');
  if (m.toolCalls) for (const c of m.toolCalls) n += PER_MESSAGE + countTokens(c.id) + countTokens(c.name) + countTokens(c.arguments);
  if (m.toolCallId) n += countTokens(m.toolCallId);
  return n;
}

/** The prompt tokens of a request: its messages, its tools and their schemas, and the chat framing. */
export function requestTokens(request: ChatRequest): number {
  let n = REPLY_PRIMING;
  for (const m of request.messages) n += messageTokens(m);
  if (request.tools?.length) n += toolsTokens(request.tools);
  if (request.toolChoice) n += countTokens(request.toolChoice) + PER_MESSAGE;
  return n;
}
