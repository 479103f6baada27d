// What the Run screen's tiles say, by the run's state: live figures while it runs, none that would
// mislead while it is paused, and the whole run's elapsed time and average throughput once it ended.
import type { RunProgress, RunSummary } from '../../../../shared/contract.ts';
import { fmtDuration, fmtInt, fmtRate } from '../../format.ts';
import { rateAt, type ChartPoint } from './throughput.ts';

export interface Tiles {
  itemsPerMinute: { label: string; value: string };
  eta: { label: string; value: string };
  inFlight: { value: string; title: string };
  /** The ETA beside the progress bar; null when there is none to show. */
  caption: string | null;
}

export function tiles(run: Pick<RunSummary, 'startedAt' | 'finishedAt'>, progress: RunProgress, chart: readonly ChartPoint[], now: number): Tiles {
  const t = progress.totals;
  // Rows actually in flight: the window (progress.concurrency) may be wider than the rows left to send.
  const inFlight = { value: fmtInt(t.running), title: `Window: up to ${fmtInt(progress.concurrency)} rows at once` };
  if (progress.status === 'paused') {
    return {
      itemsPerMinute: { label: 'Items / min', value: '—' },
      eta: { label: 'ETA', value: 'paused' },
      inFlight,
      caption: 'Paused',
    };
  }
  if (progress.status === 'running' || progress.status === 'pending') {
    const rate = rateAt(chart, now, t.done + t.failed);
    const remaining = t.pending + t.running;
    const eta = rate > 0 ? (remaining / rate) * 60_000 : null;
    return {
      itemsPerMinute: { label: 'Items / min', value: chart.length ? fmtRate(rate) : '—' },
      eta: { label: 'ETA', value: fmtDuration(eta) },
      inFlight,
      caption: `ETA ${fmtDuration(eta)}`,
    };
  }
  // Ended: the whole run's figures.
  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const finished = run.finishedAt ? Date.parse(run.finishedAt) : NaN;
  const elapsed = finished - started;
  const ok = Number.isFinite(elapsed) && elapsed > 0;
  const rows = t.done + t.failed;
  return {
    itemsPerMinute: { label: 'Avg items / min', value: ok ? fmtRate((rows / elapsed) * 60_000) : '—' },
    eta: { label: 'Elapsed', value: ok ? fmtDuration(elapsed) : '—' },
    inFlight: { value: '0', title: inFlight.title },
    caption: null,
  };
}
