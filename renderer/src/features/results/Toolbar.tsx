// The Results toolbar: status and search, columns, charts, the selection, retry and export.
import { useEffect, useState } from 'react';
import type { ExportFormat, RunSummary } from '../../../../shared/contract.ts';
import type { ItemStatus } from '../../../../shared/domain.ts';
import { ErrorBox } from '../../components/ui.tsx';
import { fmtInt } from '../../format.ts';
import { useApp } from '../../store/app.ts';
import { count } from '../../../../shared/plural.ts';
import { AddAnswers } from '../add-answers/AddAnswers.tsx';
import { useResults } from '../../store/results.ts';
import { ACTIVE, useRun } from '../../store/run.ts';
import { ColumnsMenu } from './ColumnsMenu.tsx';
import { useSelection } from './selection.ts';

/** The filters' key of the "from the cache" filter. */
const CACHED_ID = 'cached:cached';

const STATUSES: ItemStatus[] = ['done', 'failed', 'pending', 'running', 'skipped'];

export function Toolbar({ run }: { run: RunSummary }) {
  const status = useResults((s) => s.status);
  const setStatus = useResults((s) => s.setStatus);
  const search = useResults((s) => s.search);
  const exporting = useResults((s) => s.exporting);
  const exportResult = useResults((s) => s.exportResult);
  const exportError = useResults((s) => s.exportError);
  const markError = useResults((s) => s.markError);
  const chartsOpen = useResults((s) => s.chartsOpen);
  const filterCount = useResults((s) => Object.keys(s.filters).length);
  const selected = useSelection((s) => s.indexes.size);
  const cachedOnly = useResults((s) => s.filters[CACHED_ID] !== undefined);
  const acting = useRun((s) => s.acting);
  const actionError = useRun((s) => s.actionError);
  const [text, setText] = useState(search);
  const t = run.totals;

  // Search as the user types, once they pause.
  useEffect(() => {
    if (text === useResults.getState().search) return;
    const timer = setTimeout(() => useResults.getState().setSearch(text), 300);
    return () => clearTimeout(timer);
  }, [text]);

  const countOf = (s: ItemStatus) => t[s];
  const retry = async () => {
    if (await useRun.getState().retryFailed()) {
      useResults.getState().refreshAll();
      useApp.getState().notify(`Retrying ${count(t.failed, 'failed row')}.`);
    }
  };
  const exp = (f: ExportFormat) => void useResults.getState().exportAs(f);

  return (
    <>
      <div className="toolbar">
        <select
          value={status ?? ''}
          onChange={(e) => setStatus((e.target.value || null) as ItemStatus | null)}
          data-testid="status-filter"
          aria-label="Filter by status"
        >
          <option value="">All statuses ({fmtInt(t.items)})</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s[0].toUpperCase() + s.slice(1)} ({fmtInt(countOf(s))})
            </option>
          ))}
        </select>
        <input
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Search inputs and outputs  (/)"
          data-testid="search-input"
          aria-label="Search"
          className="search"
        />
        <ColumnsMenu run={run} />
        <button type="button" className="secondary" aria-pressed={chartsOpen} onClick={() => useResults.setState({ chartsOpen: !chartsOpen })} data-testid="charts-toggle">
          {chartsOpen ? 'Hide charts' : 'Charts'}
        </button>
        <label className="small" title="Rows whose every call was answered from the response cache (the export's _cached)">
          <input
            type="checkbox"
            checked={cachedOnly}
            onChange={(e) => useResults.getState().setFilter(CACHED_ID, e.target.checked ? { kind: 'cached' } : null)}
            data-testid="filter-cached"
          />{' '}
          From the cache
        </label>
        {(filterCount > 0 || status || search) && (
          <button type="button" className="ghost" onClick={() => useResults.getState().clearFilters()} data-testid="clear-filters">
            Clear filters{filterCount ? ` (${filterCount})` : ''}
          </button>
        )}
        {selected > 0 && (
          <span className="selection-count" data-testid="selection-count">
            {fmtInt(selected)} selected{' '}
            <button type="button" className="link" onClick={() => useSelection.getState().clear()} data-testid="selection-clear">
              clear
            </button>
          </span>
        )}
        <span className="spacer" />
        <button
          type="button"
          className="secondary"
          onClick={() => void retry()}
          disabled={t.failed === 0 || ACTIVE.has(run.status) || !!acting}
          data-testid="retry-failed-button"
        >
          {acting === 'retry' ? 'Retrying…' : `Retry failed (${fmtInt(t.failed)})`}
        </button>
        <div className="button-group" role="group" aria-label="Export">
          <span className="muted small">Export</span>
          {(['xlsx', 'csv', 'jsonl'] as const).map((f) => (
            <button key={f} type="button" className="secondary" onClick={() => exp(f)} disabled={!!exporting} data-testid={`export-${f}`} title={f === 'xlsx' ? 'Ctrl/Cmd+E' : undefined}>
              {exporting === f ? '…' : f}
            </button>
          ))}
        </div>
        <AddAnswers run={run} />
      </div>
      {actionError && <ErrorBox testId="action-error">{actionError}</ErrorBox>}
      {markError && (
        <ErrorBox testId="mark-error" onDismiss={() => useResults.setState({ markError: null })}>
          {markError}
        </ErrorBox>
      )}
      {exportError && (
        <ErrorBox testId="export-error" onDismiss={() => useResults.setState({ exportError: null })}>
          {exportError}
        </ErrorBox>
      )}
      {exportResult && (
        <div className="ok-box" role="status" data-testid="export-result">
          {exportResult}
        </div>
      )}
    </>
  );
}

