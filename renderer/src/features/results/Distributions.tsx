// Charts of a run's results, for looking rather than reading: the status breakdown, and for each
// numeric output field a histogram, for each enum-like field its values' counts. Worked out in SQL by
// the core (items:distributions), a scan of the run: for a run of up to 50,000 rows, fetched at once and
// again as its status changes and as its rows finish (every twentieth); a larger run's (seconds of
// work on the core's thread, see bench/grid-queries.ts) only when asked for.
import { useEffect } from 'react';
import type { FieldDistribution, ItemDistributions, RunSummary } from '../../../../shared/contract.ts';
import { fmtInt } from '../../format.ts';
import { useResults } from '../../store/results.ts';

const STATUS_ORDER = ['done', 'failed', 'skipped', 'running', 'pending'] as const;
/** Up to this many rows the charts load and follow a live run by themselves. */
const LIVE_CHARTS_MAX_ROWS = 50_000;

export function Distributions({ run }: { run: RunSummary }) {
  const d = useResults((s) => s.distributions);
  const error = useResults((s) => s.distributionsError);
  const t = run.totals;
  const step = Math.max(1, Math.ceil(t.items / 20));
  const small = t.items <= LIVE_CHARTS_MAX_ROWS;
  const bucket = small ? Math.floor((t.done + t.failed + t.skipped) / step) : 0;
  useEffect(() => {
    if (small) void useResults.getState().loadDistributions();
  }, [small, run.runId, run.status, bucket]);
  const load = (
    <button type="button" className="secondary" onClick={() => void useResults.getState().loadDistributions()} data-testid="charts-refresh">
      {d ? 'Refresh charts' : `Chart the ${fmtInt(t.items)} rows`}
    </button>
  );
  if (error) return <p className="muted small" data-testid="charts-error">Charts unavailable: {error}</p>;
  if (!d) return small ? null : <div className="charts">{load}</div>;
  return (
    <div className="charts" data-testid="charts">
      <StatusChart status={d.status} />
      {!small && load}
      {d.fields.map((f) => (f.kind === 'numeric' ? <Histogram key={f.field} f={f} /> : <EnumChart key={f.field} f={f} />))}
    </div>
  );
}

function StatusChart({ status }: { status: ItemDistributions['status'] }) {
  const total = STATUS_ORDER.reduce((a, s) => a + status[s], 0);
  return (
    <figure className="dist" data-testid="chart-status">
      <figcaption>Status</figcaption>
      <div className="stack" role="img" aria-label={STATUS_ORDER.map((s) => `${s} ${status[s]}`).join(', ')}>
        {STATUS_ORDER.map((s) => (status[s] ? <span key={s} className={`seg st-${s}`} style={{ flexGrow: status[s] }} title={`${s}: ${fmtInt(status[s])}`} /> : null))}
      </div>
      <ul className="legend">
        {STATUS_ORDER.filter((s) => status[s]).map((s) => (
          <li key={s}>
            <span className={`dot st-${s}`} /> {s} {fmtInt(status[s])} <span className="muted">({Math.round((status[s] / Math.max(1, total)) * 100)}%)</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

const num = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? fmtInt(v) : String(Number(v.toPrecision(2))));

function Histogram({ f }: { f: Extract<FieldDistribution, { kind: 'numeric' }> }) {
  const peak = Math.max(1, ...f.bins.map((b) => b.count));
  return (
    <figure className="dist" data-testid={`chart-field-${f.field}`}>
      <figcaption>
        {f.field} <span className="muted small">· {fmtInt(f.count)} values</span>
      </figcaption>
      <div className="bars" role="img" aria-label={`${f.field} from ${num(f.min)} to ${num(f.max)}`}>
        {f.bins.map((b) => (
          <span key={b.from} className="bar-v" style={{ height: `${(b.count / peak) * 100}%` }} title={`${num(b.from)} – ${num(b.to)}: ${fmtInt(b.count)}`} />
        ))}
      </div>
      <div className="axis-x muted small">
        <span>{num(f.min)}</span>
        <span>{num(f.max)}</span>
      </div>
    </figure>
  );
}

function EnumChart({ f }: { f: Extract<FieldDistribution, { kind: 'enum' }> }) {
  const peak = Math.max(1, ...f.values.map((v) => v.count));
  return (
    <figure className="dist" data-testid={`chart-field-${f.field}`}>
      <figcaption>
        {f.field} <span className="muted small">· {fmtInt(f.count)} values</span>
      </figcaption>
      <ul className="hbars">
        {f.values.map((v) => (
          <li key={v.value} title={`${v.value}: ${fmtInt(v.count)}`}>
            <span className="ellipsis label">{v.value}</span>
            <span className="hbar" style={{ width: `${(v.count / peak) * 100}%` }} />
            <span className="count">{fmtInt(v.count)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
