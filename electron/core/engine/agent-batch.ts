// The agent-level batch (langroid's run_batch_agent_method / llm_response_batch): one agent method
// per item on a clone of the agent, without a task's turns: the prompt, one call, its reply.
import { AgentClosedError, type AgentCallContext, type AgentReply, type ChatAgent } from './agent.ts';
import { runBatchTaskGen } from './batch.ts';
import type { BatchOptions, BatchResults, HandleExceptions } from './batch-types.ts';
import { Task, type TaskResult, type TaskRunOptions } from './task.ts';

/** The names of an agent's methods that answer the history in one call, as llmResponse does. */
export type AgentMethodName<A extends ChatAgent> = {
  [K in keyof A]: A[K] extends (context: AgentCallContext) => Promise<AgentReply> ? K : never;
}[keyof A];

/** A one-call task: the prompt goes into the history, the method answers it; its reply is the result. */
class AgentMethodTask<A extends ChatAgent> extends Task<AgentReply> {
  readonly method: AgentMethodName<A>;

  constructor(agent: A, method: AgentMethodName<A>) {
    super(agent, { turns: 1 }, (r) => r.value as AgentReply);
    this.method = method;
  }

  override async runFull(prompt: string, options: TaskRunOptions = {}): Promise<TaskResult> {
    const agent = this.agent as A;
    const started = performance.now();
    agent.history.push({ role: 'user', content: prompt });
    options.beforeTurn?.(1);
    const call = agent[this.method] as (context: AgentCallContext) => Promise<AgentReply>;
    const reply = await call.call(agent, options);
    return {
      content: reply.content ?? '',
      toolCall: null,
      value: reply,
      endedBy: 'text',
      turns: 1,
      promptTokens: agent.spent.promptTokens,
      completionTokens: agent.spent.completionTokens,
      costUsd: agent.spent.costUsd,
      latencyMs: performance.now() - started,
      transcript: agent.transcript(),
    };
  }
}

/**
 * Runs `agent[method]` once per item, each on `agent.clone(i)` with the item's prompt as its history;
 * resolves to the replies (or what outputMap makes of them) in input order. The options are the
 * batch's, but turns: there is one call per item.
 */
export async function runBatchAgentMethod<A extends ChatAgent, T, O = AgentReply | null, H extends HandleExceptions = 'raise'>(
  agent: A,
  method: AgentMethodName<A>,
  items: readonly T[],
  options: Omit<BatchOptions<T, AgentReply, O, H>, 'turns'> = {},
): Promise<BatchResults<O, H>> {
  if (typeof agent[method] !== 'function') throw new TypeError(`the agent has no method named ${JSON.stringify(String(method))}`);
  if (agent.closed) throw new AgentClosedError(agent.name);
  return runBatchTaskGen<T, AgentReply, O, H>((i) => new AgentMethodTask(agent.clone(i), method), items, options);
}

/** `runBatchAgentMethod(agent, 'llmResponse', items, options)`: one LLM reply per item. */
export function llmResponseBatch<T, O = AgentReply | null, H extends HandleExceptions = 'raise'>(
  agent: ChatAgent,
  items: readonly T[],
  options: Omit<BatchOptions<T, AgentReply, O, H>, 'turns'> = {},
): Promise<BatchResults<O, H>> {
  return runBatchAgentMethod<ChatAgent, T, O, H>(agent, 'llmResponse', items, options);
}
