import { describe, expect, it } from 'vitest';
import type { RunProgress } from '../../../../shared/contract.ts';
import { tiles } from './figures.ts';
import { pushPoint, rateAt, throughputSeries, MAX_POINTS, type ChartPoint } from './throughput.ts';

const totals = (done: number, running: number, pending: number) => ({
  items: done + running + pending,
  pending,
  running,
  done,
  failed: 0,
  skipped: 0,
  promptTokens: 0,
  completionTokens: 0,
  costUsd: 0,
});
const progress = (status: RunProgress['status'], t: RunProgress['totals'], concurrency = 8): RunProgress => ({
  runId: '1',
  status,
  totals: t,
  concurrency,
  itemsPerMinute: 120,
  etaMs: 5000,
  latencyMs: 100,
});
const pt = (t: number, finished: number): ChartPoint => ({ t, finished, itemsPerMinute: 0, latencyMs: null });
const run = { startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:02:00.000Z' };

describe('the Run screen tiles', () => {
  it('while paused: no rate, no ETA, and the rows actually in flight (not the window)', () => {
    const f = tiles(run, progress('paused', totals(10, 0, 90), 4), [pt(0, 0), pt(10_000, 10)], 20_000);
    expect(f.itemsPerMinute.value).toBe('—');
    expect(f.eta.value).toBe('paused');
    expect(f.inFlight.value).toBe('0');
    expect(f.caption).toBe('Paused');
  });

  it('in flight is the running rows: 1 beside Running 1, not the window of 8', () => {
    expect(tiles(run, progress('running', totals(99, 1, 0), 8), [pt(0, 0), pt(1000, 99)], 1000).inFlight).toEqual({
      value: '1',
      title: 'Window: up to 8 rows at once',
    });
  });

  it('the ETA grows while no row finishes (retries), instead of standing still', () => {
    const chart = [pt(0, 0), pt(30_000, 60)];
    const p = progress('running', totals(60, 4, 36));
    const at = (now: number) => tiles(run, p, chart, now);
    expect(at(30_000).itemsPerMinute.value).toBe('120');
    expect(at(30_000).eta.value).toBe('20s');
    // 30 s later, nothing finished: the rate over the last 30 s is 0 and there is no ETA to give.
    expect(at(45_000).eta.value).toBe('40s');
    expect(at(60_000).itemsPerMinute.value).toBe('0.0');
    expect(at(60_000).eta.value).toBe('—');
  });

  it('a finished run shows its elapsed time and average throughput', () => {
    const f = tiles(run, progress('completed', totals(240, 0, 0)), [], 0);
    expect(f.eta).toEqual({ label: 'Elapsed', value: '2m 00s' });
    expect(f.itemsPerMinute).toEqual({ label: 'Avg items / min', value: '120' });
    expect(f.caption).toBeNull();
  });
});

describe('the throughput chart', () => {
  it('fills for a run of under two seconds', () => {
    let chart: ChartPoint[] = [];
    for (let t = 0; t <= 1500; t += 150) chart = pushPoint(chart, pt(t, t / 15));
    const series = throughputSeries(chart);
    expect(series.filter((v) => v !== null).length).toBeGreaterThan(5);
    expect(series[series.length - 1]).toBeCloseTo(4000, 0); // 100 rows in 1.5 s: 4,000 a minute
  });

  it('keeps the whole run in a bounded number of points', () => {
    let chart: ChartPoint[] = [];
    for (let i = 0; i < 5000; i++) chart = pushPoint(chart, pt(i * 200, i));
    expect(chart.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(chart[0].t).toBe(0);
    expect(chart[chart.length - 1].t).toBe(4999 * 200);
  });

  it('a rate over the time seen when it is shorter than the window', () => {
    expect(rateAt([pt(0, 0)], 2000, 10)).toBe(300);
    expect(rateAt([], 2000, 10)).toBe(0);
  });
});
