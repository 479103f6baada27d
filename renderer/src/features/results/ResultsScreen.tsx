// The Results screen: the run in view, its toolbar, its charts, the grid and the open row's detail.
import { Empty, ErrorBox, Spinner } from '../../components/ui.tsx';
import { runTitle } from '../../format.ts';
import { useApp } from '../../store/app.ts';
import { useResults } from '../../store/results.ts';
import { useRun } from '../../store/run.ts';
import { RunStatusPill } from '../runs/RunStatusPill.tsx';
import { Distributions } from './Distributions.tsx';
import { ItemDetailPanel } from './ItemDetail.tsx';
import { IterateActions } from './IterateActions.tsx';
import { ResultsTable } from './ResultsTable.tsx';
import { Toolbar } from './Toolbar.tsx';

export function ResultsScreen() {
  const runId = useRun((s) => s.runId);
  const run = useRun((s) => s.run);
  const runError = useRun((s) => s.runError);
  const go = useApp((s) => s.go);
  const detailIndex = useResults((s) => s.detailIndex);
  const chartsOpen = useResults((s) => s.chartsOpen);
  const filtersCleared = useResults((s) => s.filtersCleared);

  if (!runId) {
    return (
      <section className="screen">
        <div className="screen-head">
          <h1>Results</h1>
        </div>
        <Empty title="No run open" testId="results-empty">
          <p className="muted">Start a run, or open one from the list of runs.</p>
          <div className="row-actions center">
            <button type="button" className="primary" onClick={() => go('run')}>
              Set up a run
            </button>
            <button type="button" className="secondary" onClick={() => go('runs')}>
              Open a run
            </button>
          </div>
        </Empty>
      </section>
    );
  }
  if (!run) {
    return (
      <section className="screen">
        <div className="screen-head">
          <h1>Results</h1>
        </div>
        {runError ? <ErrorBox testId="results-error">{runError}</ErrorBox> : <Spinner label="Loading the run…" />}
      </section>
    );
  }
  return (
    <section className="screen results-screen" aria-labelledby="results-title">
      <div className="screen-head">
        <h1 id="results-title">Results</h1>
        <span className="muted" title={run.runId}>
          {runTitle(run)}
        </span>
        <RunStatusPill status={run.status} totals={run.totals} testId="results-run-status" />
      </div>
      {/* Clear filters starts the toolbar's search box again too. */}
      <Toolbar key={`${run.runId}:${filtersCleared}`} run={run} />
      <IterateActions run={run} />
      {chartsOpen && <Distributions run={run} />}
      <div className="results-body">
        <ResultsTable run={run} />
        {detailIndex !== null && <ItemDetailPanel run={run} />}
      </div>
    </section>
  );
}
