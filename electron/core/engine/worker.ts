// The entry of a batch worker thread: runs one spec batch and streams its events to the parent in
// batches (one message per flush interval), so that a fast batch does not flood the parent's event
// loop with one message per event. The parent sends pause / resume / cancel.
import { parentPort, workerData } from 'node:worker_threads';
import type { BatchEvent } from '../../../shared/domain.ts';
import { startSpecBatch, type SpecBatchParams } from './spec-batch.ts';

export interface WorkerStart {
  params: Omit<SpecBatchParams, 'onEvent'>;
  /** How long events gather before they are posted, ms. */
  flushMs: number;
  /** Most events in one message. */
  maxEventsPerMessage: number;
}

export type ToWorker = { type: 'pause' } | { type: 'resume' } | { type: 'cancel' };

export type FromWorker =
  | { type: 'events'; events: BatchEvent[] }
  | { type: 'done'; finished: Extract<BatchEvent, { type: 'finished' }> }
  | { type: 'fatal'; message: string; stack?: string };

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread only');
const start = workerData as WorkerStart;

let buffer: BatchEvent[] = [];
let timer: NodeJS.Timeout | null = null;
const post = (m: FromWorker) => port.postMessage(m);

function flush(): void {
  if (timer) {
    clearTimeout(timer);
    timer = null;
  }
  if (buffer.length === 0) return;
  const events = buffer;
  buffer = [];
  post({ type: 'events', events });
}

function onEvent(event: BatchEvent): void {
  buffer.push(event);
  if (buffer.length >= start.maxEventsPerMessage) flush();
  else if (!timer) timer = setTimeout(flush, start.flushMs);
}

process.on('uncaughtException', (e) => {
  flush();
  post({ type: 'fatal', message: e.message, stack: e.stack });
  process.exit(1);
});

const handle = startSpecBatch({ ...start.params, onEvent });

port.on('message', (m: ToWorker) => {
  if (m.type === 'pause') handle.pause();
  else if (m.type === 'resume') handle.resume();
  else if (m.type === 'cancel') handle.cancel();
});

void handle.done.then((finished) => {
  flush();
  post({ type: 'done', finished });
  port.close();
});
