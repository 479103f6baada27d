// The live figures of a run, worked out in the renderer from what it has seen: the progress events'
// samples of finished rows over time. The core's events stop while nothing changes (a pause, retries
// that wait), so a rate or ETA read from the last event would stand still; these are computed at
// "now", and fall as time passes with no row finishing.

export interface ChartPoint {
  t: number;
  /** Rows finished (done + failed) by t. */
  finished: number;
  itemsPerMinute: number;
  latencyMs: number | null;
}

/** Most points kept: older ones are thinned (every other one dropped), so the chart spans the whole run. */
export const MAX_POINTS = 360;

/** Appends an event's sample; a sample within 100 ms of the last replaces it (events come ≤ 10 a second). */
export function pushPoint(chart: readonly ChartPoint[], point: ChartPoint): ChartPoint[] {
  const last = chart[chart.length - 1];
  const next = last && point.t - last.t < 100 ? [...chart.slice(0, -1), { ...point, latencyMs: point.latencyMs ?? last.latencyMs }] : [...chart, point];
  if (next.length <= MAX_POINTS) return next;
  // Thin the older half so the run's start stays on the chart; the recent half keeps its detail.
  const half = next.length >> 1;
  return [...next.slice(0, half).filter((_, i) => i % 2 === 0), ...next.slice(half)];
}

/** Rows finished by time t, read off the samples (straight between two samples). */
function finishedAt(points: readonly ChartPoint[], t: number): number {
  if (!points.length) return 0;
  if (t <= points[0].t) return points[0].finished;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (t <= b.t) return a.finished + ((b.finished - a.finished) * (t - a.t)) / (b.t - a.t);
  }
  return points[points.length - 1].finished;
}

/**
 * Rows a minute over the window that ends at `now`: the finished rows added in it over its length. The
 * window is 30 s, or the time seen so far when shorter (a short run still gets a rate).
 */
export function rateAt(points: readonly ChartPoint[], now: number, finishedNow: number, windowMs = 30_000): number {
  if (!points.length) return 0;
  const from = Math.max(points[0].t, now - windowMs);
  const span = now - from;
  if (span <= 0) return 0;
  return ((finishedNow - finishedAt(points, from)) / span) * 60_000;
}

/** The throughput series the chart draws: each point's rate over the window before it. */
export function throughputSeries(points: readonly ChartPoint[]): (number | null)[] {
  if (points.length < 2) return points.map(() => null);
  const span = points[points.length - 1].t - points[0].t;
  // A tenth of what is on the chart, between 1 s and 30 s: a 3-second run still draws a line.
  const window = Math.min(30_000, Math.max(1000, span / 10));
  return points.map((p, i) => (i === 0 ? null : rateAt(points.slice(0, i + 1), p.t, p.finished, window)));
}
