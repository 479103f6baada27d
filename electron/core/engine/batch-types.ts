// The types of a batch: its options, its events, what it returns, and the errors of a stopped item.
import type { BatchEvent, FinishStatus, ItemMetrics, ItemSkipReason } from '../../../shared/domain.ts';
import type { ResponseCache } from './cache/cache.ts';
import type { BatchController } from './scheduler.ts';
import type { Task } from './task.ts';

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

/** Makes the task of item i; a Promise of one is awaited. Anything else fails that item. */
export type TaskGen<R> = (i: number) => Task<R> | Promise<Task<R>>;

export interface BatchOptions<T, R, O = R | null, H extends HandleExceptions = HandleExceptions> {
  /** Item → prompt (must return a string). Default: the item itself when it is a string, else its JSON. */
  inputMap?: (item: T, index: number) => string;
  /**
   * Task result → output; called with null for an item without a result (stopped by a budget, a
   * cancel or stopOnFirstResult). Runs under the exception policy: if it throws, that item fails.
   */
  outputMap?: (result: NoInfer<R> | null, index: number) => O | Promise<O>;
  /** One item at a time. */
  sequential?: boolean;
  /** Most items in flight, a positive integer; undefined = no limit. */
  batchSize?: number;
  /** Most turns per item, a positive integer (-1 = no limit); overrides the task's. */
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
  /** Cancels the batch: calls in flight stop at once; it resolves with what finished (see BatchStop). */
  signal?: AbortSignal;
  /** Pause, resume, cancel. */
  control?: BatchController;
  /** End the batch at the first item whose task returns a result (not null); the others are cancelled. */
  stopOnFirstResult?: boolean;
  /** A listener that throws fails the batch with that error, whatever the policy. */
  onEvent?: (event: EngineEvent<O>) => void;
  /**
   * When items fail for the endpoint's sake several in a row (no connection, timeouts, 5xx), pause
   * and probe it instead of failing the rest; those items run again once it answers (default false).
   */
  pauseOnOutage?: boolean;
  /** Least time between two progress events, ms (default 100); one comes at the end regardless. */
  progressIntervalMs?: number;
  /**
   * Answers requests already answered (the same endpoint, model, messages and parameters) without
   * sending them, and keeps each accepted answer. Absent: every call is sent. A run passes its store's.
   */
  cache?: ResponseCache;
}

/** Why a batch ended before every item ran: items without a result got outputMap(null). */
export interface BatchStop {
  reason: 'budget' | 'cancelled' | 'first-result';
  /** The budget error, or the cancel's reason. */
  error?: Error;
}

/** The outputs in input order; `stopped` is set when a budget, a cancel or stopOnFirstResult ended the batch. */
export type BatchResults<O, H extends HandleExceptions> = (H extends 'return-none'
  ? Array<O | null>
  : H extends 'return-exception'
    ? Array<O | Error>
    : O[]) & { readonly stopped?: BatchStop };

/** An item never started (its slot under 'return-exception' when the batch stopped on an error). */
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

export { BudgetExceededError } from './budget.ts';

/** An in-flight item stopped because the batch was cancelled or stopped. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * An item's slot. `interrupted`: the item ended because the batch stopped (a budget, a cancel, the
 * first result), not for a fault of its own.
 */
export type Slot<O> =
  | { kind: 'done'; output: O; hasResult: boolean }
  | { kind: 'failed'; error: Error; interrupted: boolean }
  | { kind: 'skipped'; reason: ItemSkipReason };

export type StopReason = ItemSkipReason | 'first-result';

export interface BatchOutcome<O> {
  status: FinishStatus;
  /** What stopped the batch early, if anything. */
  stop?: StopReason;
  /** The failure that stopped the batch ('stopped-error'), or the budget or cancel reason. */
  error?: Error;
  /** The first error an event listener threw: the batch stopped on it. */
  listenerError?: Error;
  /** Every item's slot; empty under keepOutputs: false (each item's end is in its event). */
  slots: Slot<O>[];
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
}

export interface EngineOptions<T, R, O> extends Omit<BatchOptions<T, R, O>, 'handleExceptions' | 'outputMap'> {
  /** A done item's result → its output (items without a result are the caller's to map). */
  outputMap?: (result: R, index: number) => O | Promise<O>;
  /** Stop the batch at the first failed item (cancelling those in flight). */
  stopOnError: boolean;
  /**
   * Keep each item's slot (a done item's output with it) until the batch ends (default true). A caller
   * that takes the outputs from the events (a run writing them to its store) passes false, and no
   * slot is kept, so that memory does not grow with the batch: 100,000 outputs held to the end are
   * tens of megabytes, and a million slots alone some fifty.
   */
  keepOutputs?: boolean;
  /**
   * Start the items that take a finished item's place on the event loop's next turn, not at once.
   * A caller that stores each answer (a run) then commits all the answers of a turn together before
   * any new request goes out: a crash costs at most the calls in flight, for one commit a turn.
   */
  startOnNextTurn?: boolean;
  /**
   * Run the first item alone until its first call is answered, then open the window: every request
   * shares a static prefix (system message, tools) long enough for the provider to cache, and the
   * calls sent after that answer find it cached instead of all paying for it at once.
   */
  warmFirst?: boolean;
  /**
   * The items are still arriving (a run that starts while its file is read): `items` grows, its length
   * read afresh, and the batch waits for more rather than finish while the list is open.
   */
  moreItems?: MoreItems;
}

/** A list of items that grows: whether more may come, and a call each time some came or the list closed. */
export interface MoreItems {
  readonly open: boolean;
  listen(onChange: () => void): void;
}
