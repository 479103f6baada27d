import { Empty, ErrorBox, Spinner } from '../../components/ui.tsx';
import { fmtInt } from '../../format.ts';
import { useApp } from '../../store/app.ts';
import { useCompare } from '../../store/compare.ts';
import { CompareSummary } from './CompareSummary.tsx';
import { CompareTable } from './CompareTable.tsx';

export function CompareScreen() {
  const runIds = useCompare((s) => s.runIds);
  const summary = useCompare((s) => s.summary);
  const error = useCompare((s) => s.error);
  const onlyDiffering = useCompare((s) => s.onlyDiffering);
  const exportNote = useCompare((s) => s.exportNote);

  return (
    <section className="screen" aria-labelledby="compare-title">
      <div className="screen-head">
        <h1 id="compare-title">Compare runs</h1>
        {summary && (
          <p className="muted" data-testid="compare-counts">
            {fmtInt(summary.differing)} of {fmtInt(summary.rows)} rows differ
          </p>
        )}
        <span className="spacer" />
        {summary && (
          <span className="compare-export">
            {(['xlsx', 'csv', 'jsonl'] as const).map((f) => (
              <button key={f} type="button" className="secondary" onClick={() => void useCompare.getState().exportAs(f)} data-testid={`compare-export-${f}`}>
                Export {f}
              </button>
            ))}
          </span>
        )}
      </div>
      {exportNote && <p className="muted small" data-testid="compare-export-note">{exportNote}</p>}
      {error && <ErrorBox testId="compare-error">{error}</ErrorBox>}
      {runIds.length < 2 && !error && (
        <Empty title="Nothing to compare yet" testId="compare-empty">
          <p className="muted">Tick two runs or more over the same rows on the Runs screen, then choose Compare.</p>
          <button type="button" className="secondary" onClick={() => useApp.getState().go('runs')}>
            Go to Runs
          </button>
        </Empty>
      )}
      {runIds.length >= 2 && !summary && !error && <Spinner label="Comparing…" />}
      {summary && (
        <>
          <CompareSummary summary={summary} />
          <label className="check compare-filter">
            <input
              type="checkbox"
              checked={onlyDiffering}
              onChange={(e) => void useCompare.getState().setOnlyDiffering(e.currentTarget.checked)}
              data-testid="compare-only-differing"
            />
            Only rows that differ
          </label>
          <CompareTable summary={summary} />
        </>
      )}
    </section>
  );
}
