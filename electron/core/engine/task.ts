// Task: runs an agent's turns on one prompt until it is done.
//
// A turn is one LLM call. The task ends on a text answer, on a tool call with valid arguments when
// `doneIfTool` is set (or when the tool has no handler: the call is the result), or when a handler
// returns `done(...)`. Invalid tool arguments go back to the model as a tool error and cost a turn.
// Out of turns, it returns the last reply marked `endedBy: 'turn-limit'`, as langroid does.
import type { ItemMetrics } from '../../../shared/domain.ts';
import type { AgentCallContext } from './agent.ts';
import { ChatAgent } from './agent.ts';
import { abortError } from './signals.ts';
import { isDone, parseToolArguments, type Tool } from './tools.ts';

export interface TaskConfig {
  /** Default: the agent's name. */
  name?: string;
  /** End at the first tool call with valid arguments and return it. */
  doneIfTool?: boolean;
  /** Most turns (LLM calls) per run; -1 = no limit (the default). */
  turns?: number;
}

export interface TaskRunOptions extends AgentCallContext {
  /** Overrides the task's own turn limit. */
  turns?: number;
  /** Called before every turn with its number (1-based); throw to stop the run (e.g. a budget). */
  beforeTurn?: (turn: number) => void;
}

/** The tool call a task ended with, its arguments parsed and validated. */
export interface ResultToolCall<A = unknown> {
  id: string;
  name: string;
  arguments: string;
  args: A;
}

/** Everything a run produced. */
export interface TaskResult extends ItemMetrics {
  /** The final text; the `done()` content; or, when a tool call ended the task, its arguments as JSON text. */
  content: string;
  /** The tool call that ended the task, if one did. */
  toolCall: ResultToolCall | null;
  /** The value a handler passed to `done(value)`. */
  value: unknown;
  /** 'turn-limit': the turns ran out; content is the last reply's text. */
  endedBy: 'text' | 'tool' | 'done' | 'turn-limit';
  /** Under 'turn-limit': the last tool error sent back to the model (invalid arguments, say), if any. */
  lastToolError?: string;
}

/** For a caller that treats a turn-limit stop as a failure (a run's row): what happened, and the last tool error. */
export class TurnLimitError extends Error {
  readonly turns: number;
  constructor(turns: number, lastToolError?: string) {
    super(`no answer within ${turns} turn${turns === 1 ? '' : 's'}${lastToolError ? `; the last: ${lastToolError}` : ''}`);
    this.name = 'TurnLimitError';
    this.turns = turns;
  }
}

const identity = (r: TaskResult) => r;

/** The signal of a run that nobody cancels. */
const NEVER = new AbortController().signal;

/** A handler's result, or the signal's abort: a cancel settles even if the handler ignores its signal. */
function untilAborted<V>(work: V | Promise<V>, signal: AbortSignal): Promise<V> {
  if (!(work instanceof Promise)) return Promise.resolve(work);
  if (signal === NEVER) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * A task over an agent. `R` is what `run` resolves to: the TaskResult, or (through `returning`) the
 * typed arguments of one tool.
 */
export class Task<R = TaskResult> {
  readonly agent: ChatAgent;
  readonly name: string;
  readonly doneIfTool: boolean;
  readonly turns: number;
  /** Turns the full result into what `run` returns. */
  readonly select: (result: TaskResult) => R;

  constructor(agent: ChatAgent, config: TaskConfig = {}, select?: (result: TaskResult) => R) {
    this.agent = agent;
    this.name = config.name ?? agent.name;
    this.doneIfTool = config.doneIfTool ?? false;
    const turns = config.turns ?? -1;
    if (turns !== -1 && (!Number.isInteger(turns) || turns <= 0)) throw new RangeError(`turns must be a positive integer or -1 (no limit), got ${String(turns)}`);
    this.turns = turns;
    this.select = select ?? (identity as unknown as (result: TaskResult) => R);
  }

  /** A task for item i: named `${name}-${i}`, over `agent.clone(i)`, same settings. */
  clone(i: number): Task<R> {
    return new Task<R>(this.agent.clone(i), { name: `${this.name}-${i}`, doneIfTool: this.doneIfTool, turns: this.turns }, this.select);
  }

  /**
   * The same task, returning the validated arguments of the given tool when the run ended with it, else
   * null (langroid's `task[AnswerTool]`).
   */
  returning<A>(tool: Tool<A> | string): Task<A | null> {
    const name = typeof tool === 'string' ? tool : tool.name;
    if (!this.agent.tool(name)) throw new Error(`the agent has no tool named "${name}"`);
    return new Task<A | null>(this.agent, { name: this.name, doneIfTool: this.doneIfTool, turns: this.turns }, (r) =>
      r.toolCall?.name === name ? (r.toolCall.args as A) : null,
    );
  }

  async run(prompt: string, options: TaskRunOptions = {}): Promise<R> {
    return this.select(await this.runFull(prompt, options));
  }

  /** Runs and returns everything: the result, turns, tokens, cost and transcript. */
  async runFull(prompt: string, options: TaskRunOptions = {}): Promise<TaskResult> {
    const agent = this.agent;
    const limit = options.turns ?? this.turns;
    const started = performance.now();
    const before = { ...agent.spent };
    let turns = 0;
    const finish = (partial: Pick<TaskResult, 'content' | 'toolCall' | 'value' | 'endedBy'>): TaskResult => ({
      ...partial,
      turns,
      promptTokens: agent.spent.promptTokens - before.promptTokens,
      completionTokens: agent.spent.completionTokens - before.completionTokens,
      costUsd: agent.spent.costUsd - before.costUsd,
      latencyMs: performance.now() - started,
      transcript: agent.transcript(),
    });

    agent.history.push({ role: 'user', content: prompt });
    let lastContent = '';
    let lastToolError: string | undefined;
    while (limit < 0 || turns < limit) {
      if (options.signal?.aborted) throw abortError(options.signal);
      options.beforeTurn?.(turns + 1);
      turns += 1;
      const reply = await agent.llmResponse(options);
      lastContent = reply.content ?? '';
      if (reply.toolCalls.length === 0) {
        return finish({ content: reply.content ?? '', toolCall: null, value: undefined, endedBy: 'text' });
      }
      const invalid: string[] = [];
      for (const call of reply.toolCalls) {
        const tool = agent.tool(call.name);
        if (!tool) {
          const known = agent.tools.map((t) => t.name).join(', ') || 'none';
          lastToolError = `there is no tool named "${call.name}" (tools: ${known})`;
          agent.history.push({ role: 'tool', toolCallId: call.id, content: `Error: ${lastToolError}.` });
          invalid.push(call.name);
          continue;
        }
        const check = parseToolArguments(tool, call.arguments);
        if (!check.ok) {
          lastToolError = check.error;
          agent.history.push({ role: 'tool', toolCallId: call.id, content: `Error: ${check.error}.` });
          invalid.push(call.name);
          continue;
        }
        const toolCall: ResultToolCall = { id: call.id, name: call.name, arguments: call.arguments, args: check.args };
        const handler = this.doneIfTool ? undefined : agent.handlerFor(call.name);
        if (!handler) {
          return finish({ content: call.arguments, toolCall, value: undefined, endedBy: 'tool' });
        }
        const signal = options.signal ?? NEVER;
        const out = await untilAborted(handler(check.args, { id: call.id, name: call.name, arguments: call.arguments, signal }), signal);
        if (isDone(out)) {
          agent.history.push({ role: 'tool', toolCallId: call.id, content: out.content });
          return finish({ content: out.content, toolCall: null, value: out.value, endedBy: 'done' });
        }
        agent.history.push({ role: 'tool', toolCallId: call.id, content: typeof out === 'string' ? out : String(out) });
      }
      // Every call was valid and answered: the conversation goes on from this answer, so it is kept.
      if (invalid.length === 0) agent.keepLastAnswer();
      // The tool results above answer the calls; this asks for the retry, as a user would.
      if (invalid.length > 0) {
        agent.history.push({ role: 'user', content: `Your call to ${[...new Set(invalid)].join(', ')} was not valid (see the error). Call the tool again with valid arguments.` });
      }
    }
    const last = finish({ content: lastContent, toolCall: null, value: undefined, endedBy: 'turn-limit' });
    if (lastToolError !== undefined) last.lastToolError = lastToolError;
    return last;
  }
}
