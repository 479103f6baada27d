// One run's contract events, coalesced: what its worker reports is gathered and sent as at most one
// 'run:progress' (with throughput, ETA and latency) and one 'run:items' per interval.
import type { EventName, RunTotals } from '../../../shared/contract.ts';
import type { RunStatus } from '../../../shared/domain.ts';
import type { ContractEmit } from './events.ts';

/** The throughput is measured over about this much recent time. */
const RATE_WINDOW_MS = 30_000;

export interface ProgressReport {
  totals: RunTotals;
  concurrency: number;
  /** Items whose row changed. */
  changed: readonly number[];
  /** Sum and count of the latencies of the items finished since the last report. */
  latencySum: number;
  latencyCount: number;
}

export interface RunProgress {
  /** A worker's batch of committed events: sent within the interval. */
  report(r: ProgressReport): void;
  /** A status change: sent at once. */
  setStatus(status: RunStatus, totals?: RunTotals): void;
  /** Sends what is pending now and cancels the timer. */
  flush(): void;
}

export function createRunProgress(runId: string, intervalMs: number, emit: ContractEmit, wants: (name: EventName) => boolean): RunProgress {
  let status: RunStatus = 'running';
  let lastEmit = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = new Set<number>();
  let totals: RunTotals | undefined;
  let concurrency = 0;
  let latencySum = 0;
  let latencyCount = 0;
  /** Finished counts over time, for the items-per-minute figure. */
  const samples: { t: number; finished: number }[] = [];

  const flush = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    const now = Date.now();
    lastEmit = now;
    if (changed.size > 0) {
      if (wants('run:items')) emit('run:items', { runId, indexes: [...changed].sort((x, y) => x - y) });
      changed.clear();
    }
    if (!totals) return;
    const finishedNow = totals.done + totals.failed;
    samples.push({ t: now, finished: finishedNow });
    while (samples.length > 2 && now - samples[0].t > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const span = now - first.t;
    const perMinute = span > 0 ? ((finishedNow - first.finished) / span) * 60_000 : 0;
    const remaining = totals.pending + totals.running;
    emit('run:progress', {
      runId,
      status,
      totals,
      concurrency,
      itemsPerMinute: perMinute,
      etaMs: perMinute > 0 ? Math.round((remaining / perMinute) * 60_000) : null,
      latencyMs: latencyCount > 0 ? latencySum / latencyCount : null,
    });
    latencySum = 0;
    latencyCount = 0;
  };

  return {
    report(r) {
      totals = r.totals;
      concurrency = r.concurrency;
      latencySum += r.latencySum;
      latencyCount += r.latencyCount;
      for (const i of r.changed) changed.add(i);
      const wait = lastEmit + intervalMs - Date.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    setStatus(next, nextTotals) {
      status = next;
      if (nextTotals) totals = nextTotals;
      flush();
    },
    flush,
  };
}
