// Runs a spec batch on a worker thread. The calling thread (the one serving the UI) only receives
// events, a batch of them per message, and sends pause / resume / cancel.
import { Worker } from 'node:worker_threads';
import type { BatchEvent } from '../../../shared/domain.ts';
import type { SpecBatchHandle, SpecBatchParams } from './spec-batch.ts';
import type { FromWorker, ToWorker, WorkerStart } from './worker.ts';

type Finished = Extract<BatchEvent, { type: 'finished' }>;

export interface WorkerBatchParams extends Omit<SpecBatchParams, 'onEvent'> {
  /** Called for every event, in order. Without it, read `events`. */
  onEvent?: (event: BatchEvent) => void;
  /** How long events gather in the worker before they are posted, ms (default 20). */
  flushMs?: number;
  /** Most events in one message (default 2000). */
  maxEventsPerMessage?: number;
  /** The worker entry, for bundled builds; default ./worker.ts next to this file. */
  workerUrl?: URL;
}

export interface WorkerBatchHandle extends SpecBatchHandle {
  /**
   * Every event, in order, ending after 'finished' (or throwing if the worker dies). Buffered from the
   * start when no onEvent was given; empty when one was.
   */
  events: AsyncIterable<BatchEvent>;
  /** Stops the worker at once (no 'finished' event; `done` rejects). */
  terminate(): Promise<void>;
  readonly threadId: number;
}

/** Starts the batch on a new worker thread. `done` rejects with a clear error if the worker dies. */
export function runSpecBatchOnWorker(params: WorkerBatchParams): WorkerBatchHandle {
  const { onEvent, flushMs = 20, maxEventsPerMessage = 2000, workerUrl, ...batch } = params;
  const start: WorkerStart = { params: batch, flushMs, maxEventsPerMessage };
  const worker = new Worker(workerUrl ?? new URL('./worker.ts', import.meta.url), { workerData: start });

  // The event queue for `events`, used only without onEvent.
  let queue: BatchEvent[] = [];
  let head = 0;
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  let settled = false;
  let resolveDone!: (f: Finished) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<Finished>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // Marked as handled: a caller that only reads `events` learns of a death there.
  done.catch(() => undefined);

  const fail = (error: Error) => {
    if (settled) return;
    settled = true;
    failure = error;
    ended = true;
    notify();
    rejectDone(error);
  };

  worker.on('message', (m: FromWorker) => {
    if (m.type === 'events') {
      if (onEvent) for (const e of m.events) onEvent(e);
      else {
        for (const e of m.events) queue.push(e);
        notify();
      }
    } else if (m.type === 'done') {
      if (settled) return;
      settled = true;
      ended = true;
      notify();
      resolveDone(m.finished);
    } else if (m.type === 'fatal') {
      fail(new Error(`the batch worker died: ${m.message}`));
    }
  });
  worker.on('error', (e) => fail(new Error(`the batch worker died: ${e.message}`, { cause: e })));
  worker.on('exit', (code) => fail(new Error(`the batch worker exited (code ${code}) before the batch finished`)));

  const send = (m: ToWorker) => {
    if (!settled) worker.postMessage(m);
  };

  const events: AsyncIterable<BatchEvent> = {
    [Symbol.asyncIterator](): AsyncIterator<BatchEvent> {
      return {
        async next(): Promise<IteratorResult<BatchEvent>> {
          for (;;) {
            if (head < queue.length) {
              const value = queue[head++];
              if (head > 4096 && head * 2 > queue.length) {
                queue = queue.slice(head);
                head = 0;
              }
              return { value, done: false };
            }
            if (failure) throw failure;
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      };
    },
  };

  return {
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    cancel: () => send({ type: 'cancel' }),
    done,
    events,
    threadId: worker.threadId,
    async terminate() {
      fail(new Error('the batch worker was terminated'));
      await worker.terminate();
    },
  };
}
