// Shared pieces of the engine's tests: tools and agents pointed at a simulator.
import { ChatAgent, type ChatAgentConfig } from './agent.ts';
import { defineTool } from './tools.ts';

export interface AnswerArgs {
  answer: string;
  confidence: number;
}

export const answerTool = defineTool<AnswerArgs>({
  name: 'answer',
  description: 'Give the answer',
  parameters: {
    type: 'object',
    properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
    required: ['answer', 'confidence'],
    additionalProperties: false,
  },
});

export function testAgent(baseURL: string, extra: Partial<ChatAgentConfig> = {}): ChatAgent {
  return new ChatAgent({ name: 'tester', model: 'gpt-4o-mini', baseURL, apiKey: 'sk-test', systemMessage: 'You answer questions.', maxRetries: 3, timeoutMs: 10_000, ...extra });
}

export function timeSince(t0: number): number {
  return performance.now() - t0;
}
