// The spec-driven batch: what the store, the CLI and the app run. An AgentSpec (AGENT.json) becomes a
// ChatAgent and a Task; each item's prompt (already rendered from its row) runs on a clone; results
// come back as the domain's BatchEvents, each output mapped into columns by the spec's output map.
import type { AgentSpec, BatchEvent, OutputValues, RunOptions } from '../../../shared/domain.ts';
import { ChatAgent } from './agent.ts';
import type { LlmClient } from './llm.ts';
import { budgetProblem } from './budget.ts';
import { runBatchEngine, type EngineEvent, type FinishStatus } from './batch.ts';
import type { MoreItems } from './batch-types.ts';
import { cacheablePrefix } from './prompt-prefix.ts';
import type { ResponseCache } from './cache/cache.ts';
import { BatchController } from './scheduler.ts';
import { Task, TurnLimitError, type TaskResult } from './task.ts';

export interface SpecBatchItem {
  /** The CSV row index, not necessarily 0..n-1. */
  index: number;
  prompt: string;
}

/**
 * Items given lazily: their row indexes up front, each prompt only when its item starts. A run of
 * 100,000 rows then holds 400 KB of indexes and a page of prompts rather than every prompt.
 */
export interface SpecBatchItemSource {
  /** The CSV row index of each item, in the order they run. */
  readonly rows: ArrayLike<number>;
  /** Item i's prompt (i is a position in rows); asked once per item, as it starts, in rising order. */
  prompt(i: number): string;
  /** Present while rows are still being added (see EngineOptions.moreItems). */
  readonly more?: MoreItems;
}

export interface SpecBatchParams {
  spec: AgentSpec;
  /** A list (it can cross to a worker thread), or a source that reads prompts as they are needed. */
  items: SpecBatchItem[] | SpecBatchItemSource;
  options: RunOptions;
  /** Else OPENAI_API_KEY; endpoints such as Ollama need none (a placeholder is sent). */
  apiKey?: string;
  /** Every event, in order; 'progress' at most every 100 ms and once at the end. */
  onEvent: (event: BatchEvent) => void;
  /** See EngineOptions.startOnNextTurn. */
  startOnNextTurn?: boolean;
  /** See EngineOptions.warmFirst; absent: when the agent's static prefix is long enough to be cached. */
  warmFirst?: boolean;
  /** Answers requests already answered; absent: every call is sent (see BatchOptions.cache). */
  cache?: ResponseCache;
  /** The transport the agent calls through; absent: a live client of its own (batch mode passes its own). */
  client?: LlmClient;
  /** What the response cache keys the endpoint by; absent: its base URL (see LlmClientOptions). */
  cacheEndpoint?: string;
}

function sourceOf(items: SpecBatchItem[] | SpecBatchItemSource): SpecBatchItemSource {
  if (!Array.isArray(items)) return items;
  return { rows: items.map((item) => item.index), prompt: (i) => items[i].prompt };
}

export interface SpecBatchHandle {
  pause(): void;
  resume(): void;
  cancel(): void;
  done: Promise<Extract<BatchEvent, { type: 'finished' }>>;
}

type Finished = Extract<BatchEvent, { type: 'finished' }>;

/**
 * The output columns of one item: each column of the spec's output map gets the named argument of the
 * tool call the item ended with, or the final text for "content". Without an output map: `result`,
 * the final text or the tool call's arguments as JSON text. A column naming a tool argument when the
 * model answered in text fails the item: its value does not exist.
 */
export function mapSpecOutput(output: AgentSpec['output'], result: TaskResult): OutputValues {
  if (!output || Object.keys(output).length === 0) return { result: result.content };
  const values: OutputValues = {};
  for (const [column, source] of Object.entries(output)) {
    if (source === 'content') {
      values[column] = result.content;
    } else if (result.toolCall) {
      const args = result.toolCall.args;
      const value = typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>)[source] : undefined;
      values[column] = value === undefined ? null : value;
    } else {
      throw new Error(`the model answered in text without calling a tool, so column "${column}" (tool argument "${source}") has no value`);
    }
  }
  return values;
}

/** Runs a spec over items; see SpecBatchParams. Never throws: a bad spec ends as 'stopped-error'. */
export function startSpecBatch(params: SpecBatchParams): SpecBatchHandle {
  const { spec, options, onEvent } = params;
  const items = sourceOf(params.items);
  const control = new BatchController();
  let agent: ChatAgent | undefined;
  let task: Task<TaskResult>;
  try {
    agent = new ChatAgent({
      name: spec.name,
      model: spec.model,
      baseURL: spec.baseURL,
      apiKey: params.apiKey,
      ...(params.cacheEndpoint ? { cacheEndpoint: params.cacheEndpoint } : {}),
      systemMessage: spec.systemMessage,
      tools: spec.tools,
      temperature: spec.temperature,
      maxTokensPerCall: spec.maxTokensPerCall,
      pricing: spec.pricing,
      contextWindow: spec.contextWindow,
      timeoutMs: options.timeoutMs ?? spec.timeoutMs,
    }, { client: params.client });
    // A cost budget that cannot be kept is refused before anything is sent.
    const problem = budgetProblem(spec, options);
    if (problem) throw new Error(problem);
    task = new Task(agent, { name: spec.name, doneIfTool: spec.doneIfTool ?? false, turns: options.turns ?? spec.turns ?? -1 });
  } catch (e) {
    // A spec the engine cannot run: nothing starts.
    const error = e instanceof Error ? e.message : String(e);
    const done = Promise.resolve().then((): Finished => {
      const total = items.rows.length;
      for (let i = 0; i < total; i++) onEvent({ type: 'item-skipped', index: items.rows[i], reason: 'error' });
      onEvent({ type: 'progress', total, done: 0, failed: 0, skipped: total, running: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, concurrency: 0 });
      const finished: Finished = { type: 'finished', status: 'stopped-error', error };
      onEvent(finished);
      return finished;
    });
    return { pause() {}, resume() {}, cancel() {}, done };
  }

  const rowOf = (i: number) => items.rows[i];
  const translate = (e: EngineEvent<OutputValues>): BatchEvent | null => {
    switch (e.type) {
      case 'item-started':
        return { type: 'item-started', index: rowOf(e.index) };
      case 'llm-call':
        return {
          type: 'llm-call',
          index: rowOf(e.index),
          promptTokens: e.promptTokens,
          completionTokens: e.completionTokens,
          cachedTokens: e.cachedTokens ?? 0,
          costUsd: e.costUsd,
          latencyMs: e.latencyMs,
          status: e.status,
          ...(e.fromCache ? { fromCache: true, savedTokens: e.savedTokens, savedUsd: e.savedUsd } : {}),
        };
      case 'item-done':
        return { ...e, index: rowOf(e.index) };
      case 'item-failed':
        return { ...e, index: rowOf(e.index), error: e.error.message || e.error.name };
      case 'item-skipped':
        return { type: 'item-skipped', index: rowOf(e.index), reason: e.reason };
      case 'finished':
        return null; // sent once `done` is known, below
      default:
        return e;
    }
  };

  const outcome = runBatchEngine<number, TaskResult, OutputValues>((i) => task.clone(i), items.rows, {
    inputMap: (_row, i) => items.prompt(i),
    outputMap: (result) => {
      // A row that ran out of turns has no answer: it fails, saying why the last turn did not end it.
      if (result.endedBy === 'turn-limit') throw new TurnLimitError(result.turns, result.lastToolError);
      return mapSpecOutput(spec.output, result);
    },
    sequential: options.sequential,
    batchSize: options.batchSize,
    stopOnError: options.onError === 'stop',
    // A run waits out an outage of its endpoint rather than fail its rows one by one.
    pauseOnOutage: true,
    // The outputs go out in the item-done events; holding them all to the end would grow with the run.
    keepOutputs: false,
    startOnNextTurn: params.startOnNextTurn,
    // A prefix long enough to be cached is warmed by the first call before the others are sent.
    warmFirst: params.warmFirst ?? cacheablePrefix(spec),
    ...(items.more ? { moreItems: items.more } : {}),
    maxCost: options.maxCost,
    maxTokens: options.maxTokens,
    rpm: options.rpm,
    tpm: options.tpm,
    cache: params.cache,
    control,
    onEvent: (e) => {
      const event = translate(e);
      if (event) onEvent(event);
    },
  });

  const done = outcome
    .then((o): Finished => {
      const status: FinishStatus = o.status;
      return status === 'completed' || status === 'cancelled' || !o.error ? { type: 'finished', status } : { type: 'finished', status, error: o.error.message };
    })
    .catch((e: unknown): Finished => ({ type: 'finished', status: 'stopped-error', error: e instanceof Error ? e.message : String(e) }))
    .then(async (finished) => {
      try {
        onEvent(finished);
      } finally {
        await agent?.close();
      }
      return finished;
    });

  return {
    pause: () => control.pause(),
    resume: () => control.resume(),
    cancel: () => control.cancel(),
    done,
  };
}
