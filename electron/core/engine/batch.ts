// runBatchTasks / runBatchTaskGen: one task clone per item, a sliding window of at most batchSize items
// in flight, results in input order, exceptions and budgets as policies of the batch.
import { setMaxListeners } from 'node:events';
import type { BatchEvent, FinishStatus, ItemMetrics, ItemSkipReason } from '../../../shared/domain.ts';
import type { AgentCallReport } from './agent.ts';
import { RateGate, type Ticket } from './rate.ts';
import { AdaptiveWindow, BatchController, PauseGate } from './scheduler.ts';
import type { Task, TaskResult } from './task.ts';

export type HandleExceptions = 'raise' | 'return-none' | 'return-exception';

export type { FinishStatus };

/**
 * The events of a batch, in the order they happen. `index` is the item's position in `items`. The
 * batch's own events (shared/domain.ts), except that an output is the outputMap's, an error is an
 * Error, and an LLM call says more.
 */
export type EngineEvent<O = unknown> =
  | Extract<BatchEvent, { type: 'item-started' | 'item-skipped' | 'progress' | 'paused' | 'resumed' }>
  | (Extract<BatchEvent, { type: 'llm-call' }> & {
      attempt: number;
      ok: boolean;
      model: string;
      /** False when the model has no known price (its cost counts as 0). */
      priced: boolean;
      /** Set when the call will be retried after this many ms. */
      retryInMs?: number;
      error?: string;
    })
  | ({ type: 'item-done'; index: number; output: O } & ItemMetrics)
  | ({ type: 'item-failed'; index: number; error: Error } & ItemMetrics)
  | { type: 'finished'; status: FinishStatus; error?: Error };

export interface BatchOptions<T, R, O = R, H extends HandleExceptions = HandleExceptions> {
  /** Item → prompt. Default: the item itself when it is a string, else its JSON. */
  inputMap?: (item: T, index: number) => string;
  /** Task result → output. Runs under the exception policy: if it throws, that item fails. */
  outputMap?: (result: R, index: number) => O | Promise<O>;
  /** One item at a time. */
  sequential?: boolean;
  /** Most items in flight; undefined = no limit. */
  batchSize?: number;
  /** Most turns per item (-1 = no limit); overrides the task's. */
  turns?: number;
  /** 'raise' (default): stop at the first failure and reject with it. Others: null / the Error in its slot. */
  handleExceptions?: H;
  /** USD for this batch; once reached no new item or turn starts. */
  maxCost?: number;
  /** Tokens (prompt + completion) for this batch; once reached no new item or turn starts. */
  maxTokens?: number;
  /** Requests per minute, throttled before sending (else learned from the server's headers). */
  rpm?: number;
  /** Tokens per minute, throttled before sending. */
  tpm?: number;
  /** Aborts the batch: calls in flight stop at once, the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Pause, resume, cancel. */
  control?: BatchController;
  onEvent?: (event: EngineEvent<O>) => void;
  /** Least time between two progress events, ms (default 100); one comes at the end regardless. */
  progressIntervalMs?: number;
}

export type BatchResults<O, H extends HandleExceptions> = H extends 'return-none'
  ? Array<O | null>
  : H extends 'return-exception'
    ? Array<O | Error>
    : O[];

/** An item never started (its slot under 'return-exception'). */
export class SkippedError extends Error {
  readonly reason: ItemSkipReason;
  constructor(reason: ItemSkipReason) {
    super(
      reason === 'budget'
        ? 'skipped: the budget was reached'
        : reason === 'error'
          ? 'skipped: the batch stopped on an error'
          : 'skipped: the batch was cancelled',
    );
    this.name = 'SkippedError';
    this.reason = reason;
  }
}

/** The batch's maxCost or maxTokens was reached before a turn could start. */
export class BudgetExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExceededError';
  }
}

/** An in-flight item stopped because the batch was cancelled or stopped. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export type Slot<O> = { kind: 'done'; output: O } | { kind: 'failed'; error: Error } | { kind: 'skipped'; reason: ItemSkipReason };

export interface BatchOutcome<O> {
  status: FinishStatus;
  /** The failure that stopped the batch ('stopped-error'), or the budget or cancel reason. */
  error?: Error;
  /** Every item's slot; a done item's output is undefined under keepOutputs: false. */
  slots: Slot<O>[];
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface EngineOptions<T, R, O> extends Omit<BatchOptions<T, R, O>, 'handleExceptions'> {
  /** Stop the batch at the first failed item (cancelling those in flight). */
  stopOnError: boolean;
  /**
   * Keep each done item's output in its slot until the batch ends (default true). A caller that takes
   * the outputs from the events (a run writing them to its store) passes false, so that memory does
   * not grow with the batch: 100,000 outputs held to the end are tens of megabytes.
   */
  keepOutputs?: boolean;
}

const defaultInput = (item: unknown): string => (typeof item === 'string' ? item : JSON.stringify(item));

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * The engine under both batch functions: never rejects for an item's failure; reports everything
 * through events and returns every item's slot and the batch's status.
 */
export function runBatchEngine<T, R, O>(genTask: (i: number) => Task<R>, items: ArrayLike<T>, options: EngineOptions<T, R, O>): Promise<BatchOutcome<O>> {
  const n = items.length;
  const inputMap = options.inputMap ?? (defaultInput as (item: T, index: number) => string);
  const outputMap = options.outputMap ?? ((r: R) => r as unknown as O);
  const keepOutputs = options.keepOutputs ?? true;
  const listener = options.onEvent;
  // A throwing listener stops the batch (as a failure of the batch itself) instead of corrupting its state.
  const emit = (event: EngineEvent<O>) => {
    if (!listener) return;
    try {
      listener(event);
    } catch (e) {
      if (!stop) queueMicrotask(() => stopBatch('error', new Error(`the event listener threw: ${asError(e).message}`, { cause: e })));
    }
  };
  const maxWindow = options.sequential ? 1 : Math.max(1, Math.min(options.batchSize ?? n, Math.max(n, 1)));
  const window = new AdaptiveWindow(maxWindow);
  const rate = new RateGate({ rpm: options.rpm, tpm: options.tpm });
  const gate = new PauseGate();
  const abort = new AbortController();
  const signal = abort.signal;
  // Every call in flight listens to this one signal; that is by design, not a leak.
  setMaxListeners(0, signal);
  const progressEvery = options.progressIntervalMs ?? 100;
  const slots: Slot<O>[] = new Array(n);
  const spent = { promptTokens: 0, completionTokens: 0, costUsd: 0 };
  const counts = { done: 0, failed: 0, skipped: 0 };
  let next = 0;
  let inFlight = 0;
  let stop: { reason: ItemSkipReason; error?: Error } | null = null;
  let budgetHit = false;
  let finished = false;
  let lastProgress = -Infinity;
  let progressTimer: NodeJS.Timeout | null = null;
  let resolveOutcome!: (o: BatchOutcome<O>) => void;
  const outcome = new Promise<BatchOutcome<O>>((resolve) => (resolveOutcome = resolve));

  const budgetReached = (): string | null => {
    if (options.maxCost !== undefined && spent.costUsd >= options.maxCost) return `the budget of $${options.maxCost} was reached`;
    if (options.maxTokens !== undefined && spent.promptTokens + spent.completionTokens >= options.maxTokens) {
      return `the budget of ${options.maxTokens} tokens was reached`;
    }
    return null;
  };

  const emitProgress = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastProgress < progressEvery) {
      if (!progressTimer && !finished) {
        progressTimer = setTimeout(() => {
          progressTimer = null;
          if (!finished) emitProgress(true);
        }, progressEvery - (now - lastProgress));
      }
      return;
    }
    if (progressTimer) {
      clearTimeout(progressTimer);
      progressTimer = null;
    }
    lastProgress = now;
    emit({ type: 'progress', total: n, ...counts, running: inFlight, ...spent, concurrency: window.limit });
  };

  const stopBatch = (reason: ItemSkipReason, error?: Error) => {
    if (stop) return;
    stop = { reason, error };
    if (reason !== 'budget') abort.abort(reason === 'cancelled' ? (error ?? new CancelledError()) : new CancelledError(`cancelled: ${error?.message ?? 'the batch stopped'}`));
  };

  // Pause, resume and cancel, from the caller's controller or signal.
  const unsubscribe = options.control?.subscribe((action) => {
    if (finished) return;
    if (action === 'pause') {
      gate.pause();
      emit({ type: 'paused' });
    } else if (action === 'resume') {
      gate.resume();
      emit({ type: 'resumed' });
      pump();
    } else {
      stopBatch('cancelled', new CancelledError());
      gate.resume();
      pump();
    }
  });
  if (options.control?.paused) gate.pause();
  const onUserAbort = () => {
    stopBatch('cancelled', options.signal?.reason instanceof Error ? options.signal.reason : new CancelledError());
    gate.resume();
    pump();
  };
  options.signal?.addEventListener('abort', onUserAbort, { once: true });

  const finish = () => {
    if (finished) return;
    const reason = stop?.reason ?? 'budget';
    for (let i = next; i < n; i++) {
      slots[i] = { kind: 'skipped', reason };
      counts.skipped += 1;
      emit({ type: 'item-skipped', index: i, reason });
    }
    next = n;
    finished = true;
    if (progressTimer) clearTimeout(progressTimer);
    lastProgress = -Infinity;
    emitProgress(true);
    unsubscribe?.();
    options.signal?.removeEventListener('abort', onUserAbort);
    const status: FinishStatus =
      stop?.reason === 'cancelled' ? 'cancelled' : stop?.reason === 'error' ? 'stopped-error' : budgetHit ? 'stopped-budget' : 'completed';
    emit(status === 'completed' ? { type: 'finished', status } : { type: 'finished', status, error: stop?.error });
    resolveOutcome({ status, error: stop?.error, slots, ...spent });
  };

  // Items that fail synchronously call pump again from inside pump: the flag turns that into another
  // pass of the outer loop instead of a recursion as deep as the batch.
  let pumping = false;
  let pumpAgain = false;
  function pump(): void {
    if (finished) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        while (!stop && !gate.paused && inFlight < window.limit && next < n) {
          const why = budgetReached();
          if (why) {
            budgetHit = true;
            stopBatch('budget', new BudgetExceededError(why));
            break;
          }
          const i = next++;
          inFlight += 1;
          void runItem(i);
        }
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
    if (inFlight === 0 && (next >= n || stop)) finish();
  }

  async function runItem(index: number): Promise<void> {
    emit({ type: 'item-started', index });
    emitProgress(false);
    const started = performance.now();
    const item = { turns: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
    let task: Task<R> | undefined;
    let ticket: Ticket | undefined;
    let result: { ok: true; output: O; full: TaskResult } | { ok: false; error: Error };
    try {
      task = genTask(index);
      task.agent.llm.ensureConnections(Math.min(maxWindow, 1024));
      const prompt = inputMap(items[index], index);
      const full: TaskResult = await task.runFull(prompt, {
        signal,
        turns: options.turns,
        beforeTurn: (turn) => {
          const why = budgetReached();
          if (why) {
            budgetHit = true;
            stopBatch('budget', new BudgetExceededError(why));
            throw new BudgetExceededError(`${why} before turn ${turn}`);
          }
          item.turns = turn;
        },
        beforeAttempt: (estimate, callSignal) => {
          // Not paused and nothing to throttle (the usual case): no wait, not even a turn of the loop.
          if (!gate.paused) {
            ticket = rate.tryAcquire(estimate);
            if (ticket) return undefined;
          }
          return (async () => {
            await gate.wait(callSignal);
            ticket = await rate.acquire(estimate, callSignal);
            // A pause that came while waiting for the rate limit still holds the call back.
            await gate.wait(callSignal);
          })();
        },
        afterAttempt: (report: AgentCallReport) => {
          if (ticket) rate.report(ticket, report);
          if (report.ok) window.onSuccess();
          else if (report.status === 429 && ticket) window.onThrottle(ticket.sentAt);
          ticket = undefined;
          item.promptTokens += report.promptTokens;
          item.completionTokens += report.completionTokens;
          item.costUsd += report.costUsd;
          spent.promptTokens += report.promptTokens;
          spent.completionTokens += report.completionTokens;
          spent.costUsd += report.costUsd;
          const event: EngineEvent<O> = {
            type: 'llm-call',
            index,
            attempt: report.attempt,
            status: report.status,
            ok: report.ok,
            promptTokens: report.promptTokens,
            completionTokens: report.completionTokens,
            costUsd: report.costUsd,
            latencyMs: report.latencyMs,
            model: report.model,
            priced: report.priced,
          };
          if (report.retryInMs !== undefined) event.retryInMs = report.retryInMs;
          if (report.error !== undefined) event.error = report.error;
          emit(event);
          emitProgress(false);
          // A grown window lets a waiting item start now rather than when the next one ends.
          if (report.ok) queueMicrotask(pump);
        },
      });
      const output = await outputMap(task.select(full), index);
      result = { ok: true, output, full };
    } catch (e) {
      const error = signal.aborted && !(e instanceof BudgetExceededError) ? asError(signal.reason ?? e) : asError(e);
      result = { ok: false, error };
    }
    inFlight -= 1;
    const totals = {
      promptTokens: item.promptTokens,
      completionTokens: item.completionTokens,
      costUsd: item.costUsd,
      latencyMs: performance.now() - started,
    };
    if (result.ok) {
      slots[index] = { kind: 'done', output: keepOutputs ? result.output : (undefined as O) };
      counts.done += 1;
      emit({ type: 'item-done', index, output: result.output, turns: result.full.turns, ...totals, transcript: result.full.transcript });
    } else {
      const error = result.error;
      slots[index] = { kind: 'failed', error };
      counts.failed += 1;
      emit({ type: 'item-failed', index, error, turns: item.turns, ...totals, transcript: task ? task.agent.transcript() : [] });
      if (options.stopOnError && !stop && !(error instanceof BudgetExceededError)) stopBatch('error', error);
    }
    emitProgress(false);
    pump();
  }

  // Starts on the next tick so that a caller can attach to the returned promise first.
  queueMicrotask(() => {
    if (options.signal?.aborted) onUserAbort();
    else pump();
  });
  return outcome;
}

/** Runs `genTask(i)` on every item; resolves to the outputs in input order (see BatchOptions). */
export async function runBatchTaskGen<T, R, O = R, H extends HandleExceptions = 'raise'>(
  genTask: (i: number) => Task<R>,
  items: readonly T[],
  options: BatchOptions<T, R, O, H> = {},
): Promise<BatchResults<O, H>> {
  const policy: HandleExceptions = options.handleExceptions ?? 'raise';
  const { handleExceptions: _ignored, ...rest } = options;
  const outcome = await runBatchEngine<T, R, O>(genTask, items, { ...rest, stopOnError: policy === 'raise' });
  if (outcome.status === 'cancelled') {
    throw options.signal?.aborted && options.signal.reason instanceof Error ? options.signal.reason : (outcome.error ?? new CancelledError());
  }
  if (policy === 'raise') {
    if (outcome.status !== 'completed') throw outcome.error ?? new Error(`the batch ended ${outcome.status}`);
    const failed = outcome.slots.find((s) => s.kind !== 'done');
    if (failed) throw failed.kind === 'failed' ? failed.error : new SkippedError(failed.reason);
  }
  return outcome.slots.map((s) => {
    if (s.kind === 'done') return s.output;
    if (policy === 'return-none') return null;
    return s.kind === 'failed' ? s.error : new SkippedError(s.reason);
  }) as BatchResults<O, H>;
}

/** Runs a clone of `task` (`task.clone(i)`) on every item; resolves to the outputs in input order. */
export function runBatchTasks<T, R, O = R, H extends HandleExceptions = 'raise'>(
  task: Task<R>,
  items: readonly T[],
  options: BatchOptions<T, R, O, H> = {},
): Promise<BatchResults<O, H>> {
  return runBatchTaskGen<T, R, O, H>((i) => task.clone(i), items, options);
}
