// A small live line chart in plain SVG: throughput (rows a minute, from the finished counts seen) or
// latency over time.
import { fmtRate } from '../../format.ts';
import { throughputSeries, type ChartPoint } from './throughput.ts';

export function Chart({ points, metric }: { points: ChartPoint[]; metric: 'throughput' | 'latency' }) {
  const W = 600;
  const H = 120;
  const PAD = 4;
  const values = metric === 'throughput' ? throughputSeries(points) : points.map((p) => p.latencyMs);
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (defined.length < 2) {
    return (
      <div className="chart-empty" data-testid="throughput-chart" data-points={defined.length}>
        The chart fills in as rows finish.
      </div>
    );
  }
  const peak = Math.max(...defined);
  const max = Math.max(peak, 1e-9) * 1.1;
  const drawn = points.map((p, i) => ({ p, v: values[i] })).filter((x): x is { p: ChartPoint; v: number } => x.v !== null && Number.isFinite(x.v));
  const t0 = drawn[0].p.t;
  const span = Math.max(1, drawn[drawn.length - 1].p.t - t0);
  const xy = (p: ChartPoint, v: number) => [PAD + ((p.t - t0) / span) * (W - 2 * PAD), H - PAD - (v / max) * (H - 2 * PAD)] as const;
  const line = drawn.map(({ p, v }, i) => `${i ? 'L' : 'M'}${xy(p, v)[0].toFixed(1)},${xy(p, v)[1].toFixed(1)}`).join('');
  const first = xy(drawn[0].p, 0);
  const last = xy(drawn[drawn.length - 1].p, 0);
  const area = `${line}L${last[0].toFixed(1)},${H - PAD}L${first[0].toFixed(1)},${H - PAD}Z`;
  const top = metric === 'throughput' ? `${fmtRate(peak)} items/min` : `${fmtRate(peak)} ms`;
  const seconds = span / 1000;
  const spanText = seconds < 10 ? `${seconds.toFixed(1)}s` : `${Math.round(seconds)}s`;
  return (
    <figure className="chart" data-testid="throughput-chart" data-points={defined.length}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${metric} over ${spanText}`}>
        <line x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} className="axis" />
        <path d={area} className="area" />
        <path d={line} className="line" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption>
        <span data-testid="chart-peak">peak {top}</span>
        <span>over {spanText}</span>
      </figcaption>
    </figure>
  );
}
