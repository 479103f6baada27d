// A ChatRequest in the chat completions wire format, and the parts of an answer the client reads.
import type OpenAI from 'openai';
import type { ToolSpec } from '../../../shared/domain.ts';
import type { ChatMessageParam, ChatRequest } from './llm.ts';
import { outputCap } from './pricing.ts';

/** Reasoning models take max_completion_tokens; others (and most compatible servers) max_tokens. */
function usesCompletionTokens(model: string): boolean {
  const id = model.slice(model.lastIndexOf('/') + 1);
  return /^(o\d|gpt-5)/.test(id);
}

function toOpenAiMessages(messages: readonly ChatMessageParam[]): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  return messages.map((m): OpenAI.Chat.Completions.ChatCompletionMessageParam => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content ?? '' };
      case 'user':
        return { role: 'user', content: m.content ?? '' };
      case 'tool':
        return { role: 'tool', content: m.content ?? '', tool_call_id: m.toolCallId ?? '' };
      case 'assistant':
        return m.toolCalls?.length
          ? {
              role: 'assistant',
              content: m.content,
              tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
            }
          : { role: 'assistant', content: m.content ?? '' };
    }
  });
}

/** The parts of a chat completion this client reads. */
export interface Completion {
  model?: string;
  choices?: { message: { content?: string | null; tool_calls?: { id: string; type: string; function?: { name: string; arguments?: string } }[] }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null };
}

/** The prompt tokens an answer says the provider had cached (0 when it does not say). */
export function cachedTokensOf(usage: unknown): number {
  const v = (usage as { prompt_tokens_details?: { cached_tokens?: unknown } | null } | undefined)?.prompt_tokens_details?.cached_tokens;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

type WireTool = OpenAI.Chat.Completions.ChatCompletionFunctionTool;

function toWireTools(tools: readonly ToolSpec[]): WireTool[] {
  return tools.map((t) => ({
    type: 'function' as const,
    function: { name: t.name, description: t.description, parameters: t.parameters as Record<string, unknown> },
  }));
}

// The wire form of a frozen tools array (an agent's, shared by all its clones), built once and frozen
// in turn: every body of a run then holds the same objects, whose canonical JSON the cache key
// computes once (cache/canonical.ts). Only the parts built here are frozen; the parameters are the
// tool's own object.
const wireTools = new WeakMap<readonly ToolSpec[], readonly WireTool[]>();

function sharedWireTools(tools: readonly ToolSpec[]): readonly WireTool[] {
  if (!Object.isFrozen(tools) || !tools.every((t) => Object.isFrozen(t))) return toWireTools(tools);
  let wire = wireTools.get(tools);
  if (!wire) {
    const built = toWireTools(tools);
    for (const t of built) Object.freeze(Object.freeze(t).function);
    wire = Object.freeze(built);
    wireTools.set(tools, wire);
  }
  return wire;
}

/**
 * The request as the SDK sends it. Everything the same for every row comes first, in a fixed order
 * (model, tools, tool choice, temperature, cap), and the messages last, the row's prompt after the
 * system message: every request of a run then shares one byte-identical prefix, which providers bill
 * at their cached-input rate once it is long enough (OpenAI: from 1,024 tokens).
 */
export function toBody(request: ChatRequest): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
  const head: Record<string, unknown> = { model: request.model };
  if (request.tools?.length) {
    head.tools = sharedWireTools(request.tools);
    if (request.toolChoice) head.tool_choice = { type: 'function', function: { name: request.toolChoice } };
  }
  if (request.temperature !== undefined) head.temperature = request.temperature;
  // Every request carries its cap: an answer without one could run to the model's limit, past any budget.
  const cap = outputCap(request.model, request.maxTokens);
  if (usesCompletionTokens(request.model)) head.max_completion_tokens = cap;
  else head.max_tokens = cap;
  head.messages = toOpenAiMessages(request.messages);
  return head as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
}
