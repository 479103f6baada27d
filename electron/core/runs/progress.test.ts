// The coalescer under fake timers: how many events a burst of reports becomes, and the figures in them.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { EventName, EventPayload, RunTotals } from '../../../shared/contract.ts';
import { createRunProgress, type ProgressReport } from './progress.ts';

type Sent = { name: EventName; payload: EventPayload<EventName> };

function totals(done: number, pending: number): RunTotals {
  return { items: done + pending, pending, running: 0, done, failed: 0, skipped: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
}

function report(done: number, pending: number, changed: number[], latency?: number): ProgressReport {
  return { totals: totals(done, pending), concurrency: 4, changed, latencySum: latency ?? 0, latencyCount: latency === undefined ? 0 : 1 };
}

let sent: Sent[];
const emit = <K extends EventName>(name: K, payload: EventPayload<K>) => void sent.push({ name, payload });
const of = (name: EventName) => sent.filter((s) => s.name === name).map((s) => s.payload);

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  sent = [];
});
afterEach(() => {
  vi.useRealTimers();
});

it('sends the first report at once and folds the next ones in the interval into one event', () => {
  const p = createRunProgress('7', 100, emit, () => true);
  p.report(report(1, 9, [0], 40));
  expect(of('run:progress')).toHaveLength(1);
  expect(of('run:items')).toEqual([{ runId: '7', indexes: [0] }]);

  vi.advanceTimersByTime(10);
  p.report(report(2, 8, [3], 20));
  p.report(report(3, 7, [1, 3], 60));
  expect(of('run:progress')).toHaveLength(1);

  vi.advanceTimersByTime(89);
  expect(of('run:progress')).toHaveLength(1);
  vi.advanceTimersByTime(1);
  expect(of('run:progress')).toHaveLength(2);
  expect(of('run:items')[1]).toEqual({ runId: '7', indexes: [1, 3] });
  // The latest totals, and the mean latency of the items finished since the last event.
  expect(of('run:progress')[1]).toMatchObject({ runId: '7', status: 'running', totals: totals(3, 7), concurrency: 4, latencyMs: 40 });
});

it('measures items per minute over the recent window and gives the ETA of the rest', () => {
  const p = createRunProgress('1', 100, emit, () => true);
  p.report(report(0, 100, []));
  vi.advanceTimersByTime(6_000);
  p.report(report(10, 90, []));
  const last = of('run:progress').at(-1) as EventPayload<'run:progress'>;
  expect(last.itemsPerMinute).toBe(100);
  expect(last.etaMs).toBe(54_000);
  expect(last.latencyMs).toBeNull();
});

it('sends a status change at once, cancelling the pending event', () => {
  const p = createRunProgress('2', 100, emit, () => true);
  p.report(report(1, 1, [0]));
  p.report(report(2, 0, [1]));
  p.setStatus('completed');
  expect(of('run:progress').map((x) => (x as EventPayload<'run:progress'>).status)).toEqual(['running', 'completed']);
  vi.advanceTimersByTime(1_000);
  expect(of('run:progress')).toHaveLength(2);
});

it('builds no changed-rows event when nobody listens to it', () => {
  const p = createRunProgress('3', 100, emit, (name) => name !== 'run:items');
  p.report(report(1, 0, [0]));
  expect(of('run:items')).toEqual([]);
  expect(of('run:progress')).toHaveLength(1);
});
