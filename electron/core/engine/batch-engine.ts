// The batch engine under runBatchTasks / runBatchTaskGen (batch.ts): a sliding window of at most
// batchSize items in flight, each item's calls gated by the budget, the rate limits and the pause, and
// every item's end as a slot and an event. What a caller gets back is batch.ts's.
import { setMaxListeners } from 'node:events';
import type { ItemSkipReason } from '../../../shared/domain.ts';
import { addUsd } from '../../../shared/money.ts';
import { AgentClosedError, type AgentCallReport } from './agent.ts';
import { validateBatchOptions } from './batch-options.ts';
import {
  BudgetExceededError,
  CancelledError,
  type BatchOutcome,
  type EngineEvent,
  type EngineOptions,
  type FinishStatus,
  type Slot,
  type StopReason,
  type TaskGen,
} from './batch-types.ts';
import { Budget, budgetGate } from './budget.ts';
import type { FromCache } from './cache/cache.ts';
import { contextProblem, contextWindowOf, PromptTooLongError } from './context-window.ts';
import { EndpointHealth, isEndpointFailure, isTimeout, outageNotice } from './endpoint-health.ts';
import type { LlmClient } from './llm.ts';
import { AdaptiveWindow, RateGate, type Ticket } from './rate.ts';
import { CallSlots, PauseGate } from './scheduler.ts';
import type { Task, TaskResult } from './task.ts';
import { asError, describe, taskOf } from './task-of.ts';

const defaultInput = (item: unknown): string => (typeof item === 'string' ? item : JSON.stringify(item));

/** The llm-call event of a call answered from the cache. */
function cachedCallEvent<O>(index: number, report: AgentCallReport, fromCache: FromCache): EngineEvent<O> {
  return {
    type: 'llm-call',
    index,
    attempt: report.attempt,
    status: report.status,
    ok: true,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    latencyMs: 0,
    model: report.model,
    priced: report.priced,
    fromCache: true,
    savedTokens: fromCache.promptTokens + fromCache.completionTokens,
    savedUsd: fromCache.savedUsd,
  };
}

/**
 * The engine under both batch functions: never rejects for an item's failure; reports everything
 * through events and returns every item's slot and the batch's status.
 */
export function runBatchEngine<T, R, O>(genTask: TaskGen<R>, items: ArrayLike<T>, options: EngineOptions<T, R, O>): Promise<BatchOutcome<O>> {
  try {
    validateBatchOptions(options);
  } catch (e) {
    return Promise.reject(asError(e));
  }
  // The list may grow while the batch runs (see EngineOptions.moreItems): its length is read as items start.
  const more = options.moreItems;
  const n = items.length;
  const inputMap = options.inputMap ?? (defaultInput as (item: T, index: number) => string);
  const outputMap = options.outputMap ?? ((r: R) => r as unknown as O);
  const keepOutputs = options.keepOutputs ?? true;
  const listener = options.onEvent;
  // A throwing listener stops the batch (as a failure of the batch itself) instead of corrupting its
  // state; the first such error is kept for the caller, even one thrown by the last event.
  let listenerError: Error | undefined;
  const emit = (event: EngineEvent<O>) => {
    if (!listener) return;
    try {
      listener(event);
    } catch (e) {
      const error = new Error(`the event listener threw on '${event.type}': ${asError(e).message}`, { cause: e });
      listenerError ??= error;
      if (!stop && !finished) queueMicrotask(() => stopBatch('error', error));
    }
  };
  const maxWindow = options.sequential ? 1 : Math.max(1, more ? (options.batchSize ?? 1) : Math.min(options.batchSize ?? n, Math.max(n, 1)));
  const window = new AdaptiveWindow(maxWindow);
  // Calls in flight never exceed the window, even while a throttled item's slot is lent to another.
  const sending = new CallSlots(() => window.limit);
  const rate = new RateGate({ rpm: options.rpm, tpm: options.tpm });
  const gate = new PauseGate();
  const abort = new AbortController();
  const signal = abort.signal;
  // Every call in flight listens to this one signal; that is by design, not a leak.
  setMaxListeners(0, signal);
  // An outage of the endpoint pauses the batch until a probe is answered (see endpoint-health.ts).
  let userPaused = options.control?.paused ?? false;
  let probeClient: LlmClient | undefined;
  let lastOutageError: string | undefined;
  const health = new EndpointHealth({
    probe: () => probeClient?.probe(signal) ?? Promise.resolve(true),
    onWaiting: (retryInMs) => {
      gate.pause();
      emit({ type: 'paused', reason: 'endpoint', message: outageNotice(retryInMs, lastOutageError), retryInMs });
    },
    onAlive: () => {
      if (userPaused || stop || finished) return;
      gate.resume();
      emit({ type: 'resumed' });
      pump();
    },
  });
  const progressEvery = options.progressIntervalMs ?? 100;
  // Under keepOutputs false the caller takes every item's end from its event: no slot is kept, so a
  // million-item batch does not hold a million small objects to its end.
  const slots: Slot<O>[] = keepOutputs ? new Array(n) : [];
  const record = (i: number, slot: Slot<O>): void => {
    if (keepOutputs) slots[i] = slot;
  };
  const spent = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  const counts = { done: 0, failed: 0, skipped: 0 };
  let next = 0;
  let inFlight = 0;
  let stop: { reason: StopReason; error?: Error } | null = null;
  let budgetHit = false;
  let finished = false;
  let lastProgress = -Infinity;
  let progressTimer: NodeJS.Timeout | null = null;
  // The first item alone until its first call is answered (see EngineOptions.warmFirst).
  let warming = options.warmFirst === true && maxWindow > 1 && (n > 1 || more !== undefined);
  const openWindow = () => {
    if (!warming) return;
    warming = false;
    pumpSoon();
  };
  let resolveOutcome!: (o: BatchOutcome<O>) => void;
  const outcome = new Promise<BatchOutcome<O>>((resolve) => (resolveOutcome = resolve));

  // Every call reserves its worst case before it is sent (see budget.ts); this says when nothing is left.
  const budget = new Budget({ maxCost: options.maxCost, maxTokens: options.maxTokens });
  const budgetReached = (): string | null => budget.reached();

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
    emit({ type: 'progress', total: items.length, ...counts, running: inFlight, ...spent, concurrency: window.limit });
  };

  const stopBatch = (reason: StopReason, error?: Error) => {
    if (stop) return;
    stop = { reason, error };
    // A budget stop lets the items in flight finish: during an outage they still wait for the endpoint.
    if (reason === 'budget') return;
    health.end();
    abort.abort(reason === 'cancelled' ? (error ?? new CancelledError()) : new CancelledError(`cancelled: ${error?.message ?? 'the batch stopped'}`));
    // Items waiting at a pause gate must see the stop.
    gate.resume();
  };

  // Pause, resume and cancel, from the caller's controller or signal.
  const unsubscribe = options.control?.subscribe((action) => {
    if (finished) return;
    if (action === 'pause') {
      userPaused = true;
      gate.pause();
      emit({ type: 'paused' });
    } else if (action === 'resume') {
      // A resume during an outage tries the endpoint at once.
      userPaused = false;
      health.end();
      if (!gate.paused) return;
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
    const reason: ItemSkipReason = stop?.reason === 'first-result' ? 'cancelled' : (stop?.reason ?? 'budget');
    // Items back in the queue for an outage did not fail: they are left like the unstarted ones.
    const skip = (i: number) => {
      record(i, { kind: 'skipped', reason });
      counts.skipped += 1;
      emit({ type: 'item-skipped', index: i, reason });
    };
    for (const i of health.takeAll()) skip(i);
    for (let i = next; i < items.length; i++) skip(i);
    next = items.length;
    finished = true;
    if (progressTimer) clearTimeout(progressTimer);
    lastProgress = -Infinity;
    emitProgress(true);
    unsubscribe?.();
    options.signal?.removeEventListener('abort', onUserAbort);
    const status: FinishStatus =
      stop?.reason === 'cancelled' ? 'cancelled' : stop?.reason === 'error' ? 'stopped-error' : budgetHit ? 'stopped-budget' : 'completed';
    emit(status === 'completed' ? { type: 'finished', status } : { type: 'finished', status, error: stop?.error });
    resolveOutcome({ status, stop: stop?.reason, error: stop?.error, listenerError, slots, ...spent });
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
        while (!stop && !gate.paused && inFlight < (warming ? 1 : window.items) && (health.queued > 0 || next < items.length)) {
          const why = budgetReached();
          if (why) {
            budgetHit = true;
            stopBatch('budget', new BudgetExceededError(why));
            break;
          }
          const i = health.next() ?? next++;
          inFlight += 1;
          void runItem(i);
        }
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
    // Items held for the endpoint's sake and nothing else left: a probe decides what they were.
    if (inFlight === 0 && !stop && next >= items.length && health.queued === 0 && health.holding) health.nothingElse();
    if (inFlight === 0 && ((next >= items.length && !more?.open && health.queued === 0 && !health.outage) || stop)) finish();
  }

  let pumpScheduled = false;
  /** Pumps after what this turn of the event loop still has to do (see startOnNextTurn). */
  function pumpSoon(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    const go = () => {
      pumpScheduled = false;
      pump();
    };
    if (options.startOnNextTurn) setImmediate(go);
    else queueMicrotask(go);
  }

  async function runItem(index: number): Promise<void> {
    emit({ type: 'item-started', index });
    emitProgress(false);
    const started = performance.now();
    const item = { turns: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
    let task: Task<R> | undefined;
    let ticket: Ticket | undefined;
    let calls: ReturnType<typeof budgetGate> | undefined;
    let result: { ok: true; output: O; full: TaskResult; hasResult: boolean } | { ok: false; error: Error };
    try {
      task = await taskOf(genTask, index);
      if (task.agent.closed) throw new AgentClosedError(task.agent.name);
      task.agent.llm.ensureConnections(Math.min(maxWindow, 1024));
      const agent = task.agent;
      calls = budgetGate(budget, () => agent.price());
      const contextWindow = contextWindowOf(agent.config.model, agent.config.contextWindow);
      const prompt: unknown = inputMap(items[index], index);
      if (typeof prompt !== 'string') throw new TypeError(`inputMap returned ${describe(prompt)} for item ${index}, not a string`);
      const full: TaskResult = await task.runFull(prompt, {
        signal,
        turns: options.turns,
        cache: options.cache,
        beforeTurn: (turn) => {
          const why = budgetReached();
          if (why) {
            budgetHit = true;
            stopBatch('budget', new BudgetExceededError(why));
            throw new BudgetExceededError(`${why} before turn ${turn}`);
          }
          item.turns = turn;
        },
        beforeAttempt: (estimate, callSignal, request) => {
          // A prompt the model cannot take fails its row unsent, saying so.
          const tooLong = contextProblem(request, contextWindow);
          if (tooLong) throw new PromptTooLongError(tooLong);
          // No call starts unless its worst case fits the budget: it may wait for calls in flight to settle.
          const held = calls?.before(request, callSignal);
          // Not paused, a call slot free and nothing to throttle (the usual case): no wait, not even a turn of the loop.
          if (!gate.paused && !held && sending.tryTake()) {
            ticket = rate.tryAcquire(estimate);
            if (ticket) return undefined;
            sending.release();
          }
          return (async () => {
            await held;
            await gate.wait(callSignal);
            await sending.take(callSignal);
            try {
              ticket = await rate.acquire(estimate, callSignal);
              // A pause that came while waiting for the rate limit still holds the call back.
              await gate.wait(callSignal);
            } catch (e) {
              sending.release();
              throw e;
            }
          })();
        },
        afterAttempt: (report: AgentCallReport) => {
          // Answered from the cache: it took no gate, so it gives none back, and it cost nothing.
          if (report.fromCache) return emit(cachedCallEvent<O>(index, report, report.fromCache));
          sending.release();
          if (ticket) rate.report(ticket, report);
          if (ticket) {
            const { ok, status, retryInMs } = report;
            window.onAnswer({ sentAt: ticket.sentAt, ok, status, retryInMs, remainingRequests: report.rateLimit?.remainingRequests });
          }
          ticket = undefined;
          calls?.after(report);
          item.promptTokens += report.promptTokens;
          item.completionTokens += report.completionTokens;
          const cachedTokens = report.cachedTokens ?? 0;
          item.cachedTokens += cachedTokens;
          item.costUsd = addUsd(item.costUsd, report.costUsd);
          spent.promptTokens += report.promptTokens;
          spent.completionTokens += report.completionTokens;
          spent.cachedTokens += cachedTokens;
          spent.costUsd = addUsd(spent.costUsd, report.costUsd);
          const event: EngineEvent<O> = {
            type: 'llm-call',
            index,
            attempt: report.attempt,
            status: report.status,
            ok: report.ok,
            promptTokens: report.promptTokens,
            completionTokens: report.completionTokens,
            cachedTokens,
            costUsd: report.costUsd,
            latencyMs: report.latencyMs,
            model: report.model,
            priced: report.priced,
          };
          if (report.retryInMs !== undefined) event.retryInMs = report.retryInMs;
          if (report.error !== undefined) event.error = report.error;
          emit(event);
          emitProgress(false);
          // A grown window, or a slot lent while this item waits out a 429, lets a waiting item start now.
          if (report.ok || report.status === 429) pumpSoon();
          // The prefix is in the provider's cache once a call is answered: the others may start.
          if (report.ok) openWindow();
        },
      });
      const selected = task.select(full);
      const output = await outputMap(selected, index);
      // The item took its output from the last answer: that answer is kept (a turn-limit one is not an answer).
      if (full.endedBy !== 'turn-limit') task.agent.keepLastAnswer();
      result = { ok: true, output, full, hasResult: selected !== null && selected !== undefined && full.endedBy !== 'turn-limit' };
    } catch (e) {
      const error = signal.aborted && !(e instanceof BudgetExceededError) ? asError(signal.reason ?? e) : asError(e);
      result = { ok: false, error };
    }
    calls?.end();
    inFlight -= 1;
    warming = false;
    const totals = {
      promptTokens: item.promptTokens,
      completionTokens: item.completionTokens,
      cachedTokens: item.cachedTokens,
      costUsd: item.costUsd,
      latencyMs: performance.now() - started,
    };
    const endpointFault = !result.ok && options.pauseOnOutage === true && !stop && isEndpointFailure(result.error) && health.mayHold(index);
    // Any other end shows the endpoint up; a stop leaves the held items to be skipped with the rest.
    if (!endpointFault && !stop && !(!result.ok && (result.error instanceof BudgetExceededError || isTimeout(result.error)))) health.passed();
    if (result.ok) {
      record(index, { kind: 'done', output: result.output, hasResult: result.hasResult });
      counts.done += 1;
      emit({ type: 'item-done', index, output: result.output, turns: result.full.turns, ...totals, transcript: result.full.transcript });
      if (options.stopOnFirstResult && result.hasResult) stopBatch('first-result');
    } else if (result.error instanceof BudgetExceededError) {
      // Its next call did not fit: the item is left for a resume with a larger budget.
      budgetHit = true;
      stopBatch('budget', result.error);
      record(index, { kind: 'skipped', reason: 'budget' });
      counts.skipped += 1;
      emit({ type: 'item-skipped', index, reason: 'budget' });
    } else {
      const error = result.error;
      const transcript = task ? task.agent.transcript() : [];
      const report = () => {
        // Ended by the batch's stop (a budget, a cancel, a first result), not by a fault of its own.
        const interrupted = error instanceof BudgetExceededError || (signal.aborted && stop !== null && stop.reason !== 'error');
        record(index, { kind: 'failed', error, interrupted });
        counts.failed += 1;
        emit({ type: 'item-failed', index, error, turns: item.turns, ...totals, transcript });
        if (options.stopOnError && !stop && !(error instanceof BudgetExceededError)) stopBatch('error', error);
      };
      if (!endpointFault) report();
      else {
        lastOutageError = error.message;
        probeClient = task?.agent.llm;
        health.hold(index, report);
      }
    }
    emitProgress(false);
    if (options.startOnNextTurn) pumpSoon();
    else pump();
  }

  more?.listen(() => pumpSoon());
  // Starts on the next tick so that a caller can attach to the returned promise first.
  queueMicrotask(() => {
    if (options.signal?.aborted) onUserAbort();
    else pump();
  });
  return outcome;
}
