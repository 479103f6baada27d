// Shared pieces of the engine's tests: tools, agents pointed at a simulator, and a test file's simulator.
import { afterAll, beforeAll, beforeEach, expect, vi } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
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

export interface SimulatorBench {
  readonly sim: Simulator;
  /** A test agent on the simulator, closed after the file. */
  agent(extra?: Partial<ChatAgentConfig>): ChatAgent;
  /** Closes the agent after the file. */
  track<A extends ChatAgent>(agent: A): A;
}

/**
 * A test file's simulator at `latencyMs`, and the agents its tests make, closed after the file. Each
 * test starts with the simulator at that latency, nothing in flight (a test that cancelled calls to
 * [[hang]] prompts leaves them closing) and its counts reset.
 */
export function simulatorForFile(latencyMs: number): SimulatorBench {
  let started: Simulator | undefined;
  const agents: ChatAgent[] = [];
  beforeAll(async () => {
    started = await startSimulator({ latencyMs });
  });
  afterAll(async () => {
    for (const a of agents) await a.close();
    await started?.close();
  });
  beforeEach(async () => {
    const sim = bench.sim;
    sim.setOptions({ latencyMs, latencyJitterMs: 0 });
    await vi.waitFor(() => expect(sim.stats().inFlight).toBe(0), { timeout: 30_000, interval: 5 });
    sim.resetStats();
  });
  const bench: SimulatorBench = {
    get sim() {
      if (!started) throw new Error('the simulator starts in beforeAll');
      return started;
    },
    agent: (extra) => bench.track(testAgent(bench.sim.url, extra)),
    track(agent) {
      agents.push(agent);
      return agent;
    },
  };
  return bench;
}
