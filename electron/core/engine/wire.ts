// A ChatRequest in the chat completions wire format, and the parts of an answer the client reads.
import type OpenAI from 'openai';
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
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/** The request as the SDK sends it. */
export function toBody(request: ChatRequest): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
  const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: toOpenAiMessages(request.messages),
  };
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, description: t.description, parameters: t.parameters as Record<string, unknown> },
    }));
    if (request.toolChoice) body.tool_choice = { type: 'function', function: { name: request.toolChoice } };
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  // Every request carries its cap: an answer without one could run to the model's limit, past any budget.
  const cap = outputCap(request.model, request.maxTokens);
  if (usesCompletionTokens(request.model)) body.max_completion_tokens = cap;
  else body.max_tokens = cap;
  return body;
}
