// Turns a run's stream of batch events (one per item, thousands a second) into contract events a
// window can afford: at most one run:progress and one run:items per run per interval (100 ms, so at
// most 10 a second), and run:finished at once. Totals come from the store (the truth), read at
// each flush; throughput, ETA and latency are measured here from the item events.
import type { EventName, EventPayload, RunTotals } from '../../shared/contract.ts';
import type { BatchEvent, RunStatus } from '../../shared/domain.ts';

export interface RunSnapshot {
  status: RunStatus;
  totals: RunTotals;
}

export interface CoalescerOptions {
  emit: <K extends EventName>(name: K, payload: EventPayload<K>) => void;
  /** The run's status and totals from the store; null if the run is gone. */
  snapshot: (runId: string) => RunSnapshot | null;
  intervalMs?: number;
  /** Throughput is measured over this window. */
  rateWindowMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

interface RunState {
  changed: Set<number>;
  /** Finish times within the rate window. */
  finishes: number[];
  latencySum: number;
  latencyCount: number;
  concurrency: number;
  lastEmit: number;
  timer: unknown;
  firstSeen: number;
}

export interface Coalescer {
  push(runId: string, event: BatchEvent): void;
  /** Emits what is pending for a run now (e.g. before run:finished). */
  flush(runId: string): void;
  close(): void;
}

export function createCoalescer(options: CoalescerOptions): Coalescer {
  const interval = options.intervalMs ?? 100;
  const rateWindow = options.rateWindowMs ?? 30_000;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const runs = new Map<string, RunState>();

  function state(runId: string): RunState {
    let s = runs.get(runId);
    if (!s) {
      s = { changed: new Set(), finishes: [], latencySum: 0, latencyCount: 0, concurrency: 0, lastEmit: -Infinity, timer: null, firstSeen: now() };
      runs.set(runId, s);
    }
    return s;
  }

  function schedule(runId: string, s: RunState): void {
    if (s.timer !== null) return;
    const wait = Math.max(0, s.lastEmit + interval - now());
    s.timer = setTimer(() => {
      s.timer = null;
      flush(runId);
    }, wait);
  }

  function flush(runId: string): void {
    const s = runs.get(runId);
    if (!s) return;
    if (s.timer !== null) {
      clearTimer(s.timer);
      s.timer = null;
    }
    const t = now();
    s.lastEmit = t;
    const snap = options.snapshot(runId);
    if (!snap) return;
    while (s.finishes.length && s.finishes[0] < t - rateWindow) s.finishes.shift();
    const span = Math.min(rateWindow, Math.max(1000, t - s.firstSeen));
    const itemsPerMinute = s.finishes.length ? (s.finishes.length / span) * 60_000 : 0;
    const left = snap.totals.pending + snap.totals.running;
    const etaMs = snap.status === 'running' && itemsPerMinute > 0 ? Math.round((left / itemsPerMinute) * 60_000) : null;
    const latencyMs = s.latencyCount ? s.latencySum / s.latencyCount : null;
    s.latencySum = 0;
    s.latencyCount = 0;
    options.emit('run:progress', {
      runId,
      status: snap.status,
      totals: snap.totals,
      concurrency: s.concurrency,
      itemsPerMinute: Math.round(itemsPerMinute * 10) / 10,
      etaMs,
      latencyMs,
    });
    if (s.changed.size) {
      const indexes = [...s.changed].sort((a, b) => a - b);
      s.changed.clear();
      options.emit('run:items', { runId, indexes });
    }
  }

  return {
    push(runId, event) {
      const s = state(runId);
      switch (event.type) {
        case 'item-started':
          s.changed.add(event.index);
          break;
        case 'item-done':
        case 'item-failed':
          s.changed.add(event.index);
          s.finishes.push(now());
          s.latencySum += event.latencyMs;
          s.latencyCount++;
          break;
        case 'item-skipped':
          s.changed.add(event.index);
          break;
        case 'progress':
          s.concurrency = event.concurrency;
          break;
        case 'llm-call':
          return; // no visible change until the item ends
        case 'paused':
        case 'resumed':
          break;
        case 'finished': {
          flush(runId);
          options.emit('run:finished', { runId, status: event.status, error: event.error ?? null });
          runs.delete(runId);
          return;
        }
      }
      schedule(runId, s);
    },
    flush,
    close() {
      for (const s of runs.values()) if (s.timer !== null) clearTimer(s.timer);
      runs.clear();
    },
  };
}
