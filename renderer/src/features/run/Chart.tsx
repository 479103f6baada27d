// A small live line chart in plain SVG: throughput (items/min) or latency over time.
import type { ChartPoint } from '../../store/run.ts';

export function Chart({ points, metric }: { points: ChartPoint[]; metric: 'throughput' | 'latency' }) {
  const W = 600;
  const H = 120;
  const PAD = 4;
  const values = points.map((p) => (metric === 'throughput' ? p.itemsPerMinute : p.latencyMs));
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (defined.length < 2) {
    return (
      <div className="chart-empty" data-testid="throughput-chart" data-points={defined.length}>
        The chart fills in as rows finish.
      </div>
    );
  }
  const max = Math.max(...defined, 1e-9) * 1.1;
  const t0 = points[0].t;
  const span = Math.max(1, points[points.length - 1].t - t0);
  const xy = (p: ChartPoint, v: number) => [PAD + ((p.t - t0) / span) * (W - 2 * PAD), H - PAD - (v / max) * (H - 2 * PAD)] as const;
  let line = '';
  points.forEach((p, i) => {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) return;
    const [x, y] = xy(p, v);
    line += `${line ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const first = xy(points.find((_, i) => values[i] !== null)!, 0);
  const lastPoint = [...points].reverse().find((_, i) => values[points.length - 1 - i] !== null)!;
  const last = xy(lastPoint, 0);
  const area = `${line}L${last[0].toFixed(1)},${H - PAD}L${first[0].toFixed(1)},${H - PAD}Z`;
  const top = metric === 'throughput' ? `${(max / 1.1).toFixed(1)} items/min` : `${Math.round(max / 1.1)} ms`;
  return (
    <figure className="chart" data-testid="throughput-chart" data-points={defined.length}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${metric} over the last ${Math.round(span / 1000)} seconds`}>
        <line x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} className="axis" />
        <path d={area} className="area" />
        <path d={line} className="line" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption>
        <span>peak {top}</span>
        <span>last {Math.max(1, Math.round(span / 1000))}s</span>
      </figcaption>
    </figure>
  );
}
