import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ExportFormat, ItemRow, RunSummary } from '../../../../shared/contract.ts';
import type { ItemStatus } from '../../../../shared/domain.ts';
import { Empty, ErrorBox, ItemStatusPill, Spinner } from '../../components/ui.tsx';
import { cellText, fmtCost, fmtDuration, fmtInt, runTitle } from '../../format.ts';
import { useApp } from '../../store/app.ts';
import { useResults } from '../../store/results.ts';
import { ACTIVE, useRun } from '../../store/run.ts';
import type { PageCache } from './pageCache.ts';
import { RunStatusPill } from '../runs/RunStatusPill.tsx';
import { ItemDetailPanel } from './ItemDetail.tsx';
import { count } from '../../../../shared/plural.ts';
import { AddAnswers } from '../add-answers/AddAnswers.tsx';
import { IterateActions } from './IterateActions.tsx';

const ROW_HEIGHT = 32;
const STATUSES: ItemStatus[] = ['done', 'failed', 'pending', 'running', 'skipped'];

interface Column {
  /** The sort key the core knows. */
  key: string;
  label: string;
  width: number;
  kind: 'index' | 'status' | 'input' | 'output' | 'meta';
  className?: string;
  value(row: ItemRow): string;
}

function columnsFor(run: RunSummary): Column[] {
  const cols: Column[] = [
    { key: 'index', label: '#', width: 72, kind: 'index', className: 'num', value: (r) => String(r.index + 1) },
    { key: 'status', label: 'Status', width: 92, kind: 'status', value: (r) => r.status },
  ];
  run.inputColumns.forEach((name, i) =>
    cols.push({ key: name, label: name, width: 200, kind: 'input', value: (r) => r.input[i] ?? '' }),
  );
  for (const name of run.outputColumns)
    cols.push({ key: name, label: name, width: 220, kind: 'output', value: (r) => (r.output ? cellText(r.output[name]) : '') });
  cols.push(
    { key: 'turns', label: 'Turns', width: 64, kind: 'meta', className: 'num', value: (r) => (r.status === 'done' || r.status === 'failed' ? String(r.turns) : '') },
    { key: 'costUsd', label: 'Cost', width: 104, kind: 'meta', className: 'num', value: (r) => (r.costUsd ? fmtCost(r.costUsd) : '') },
    { key: 'latencyMs', label: 'Latency', width: 84, kind: 'meta', className: 'num', value: (r) => (r.latencyMs === null ? '' : fmtDuration(r.latencyMs)) },
  );
  return cols;
}

export function ResultsScreen() {
  const runId = useRun((s) => s.runId);
  const run = useRun((s) => s.run);
  const runError = useRun((s) => s.runError);
  const go = useApp((s) => s.go);
  const detailIndex = useResults((s) => s.detailIndex);

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
      <Toolbar key={run.runId} run={run} />
      <IterateActions run={run} />
      <div className="results-body">
        <ResultsTable run={run} />
        {detailIndex !== null && <ItemDetailPanel run={run} />}
      </div>
    </section>
  );
}

function Toolbar({ run }: { run: RunSummary }) {
  const status = useResults((s) => s.status);
  const setStatus = useResults((s) => s.setStatus);
  const search = useResults((s) => s.search);
  const exporting = useResults((s) => s.exporting);
  const exportResult = useResults((s) => s.exportResult);
  const exportError = useResults((s) => s.exportError);
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

function useCache(cache: PageCache | null): void {
  useSyncExternalStore(cache?.subscribe ?? noopSubscribe, cache?.getVersion ?? zero);
}
const noopSubscribe = () => () => {};
const zero = () => 0;

function ResultsTable({ run }: { run: RunSummary }) {
  const cache = useResults((s) => s.cache);
  const sort = useResults((s) => s.sort);
  const toggleSort = useResults((s) => s.toggleSort);
  const detailIndex = useResults((s) => s.detailIndex);
  const openItem = useResults((s) => s.openItem);
  const status = useResults((s) => s.status);
  const search = useResults((s) => s.search);
  useCache(cache);
  const columns = useMemo(() => columnsFor(run), [run]);
  const template = columns.map((c) => `${c.width}px`).join(' ');
  const width = columns.reduce((a, c) => a + c.width, 0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const total = cache?.total ?? 0;

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : 50;

  useEffect(() => {
    cache?.ensure(first, last);
  }, [cache, first, last]);

  // A new query starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [cache]);

  const loading = cache !== null && cache.total === null && !cache.error;

  return (
    <div className="results-table" data-testid="results-table" data-total={cache?.total ?? ''} role="grid" aria-rowcount={total} aria-busy={loading}>
      <div className="results-count muted small" data-testid="results-count">
        {cache?.total === null || !cache ? 'Loading…' : `${fmtInt(cache.total)} ${cache.total === 1 ? 'row' : 'rows'}${status || search.trim() ? ' match' : ''}`}
      </div>
      <div className="vscroll" ref={scrollRef}>
        <div className="vhead" style={{ gridTemplateColumns: template, width }} role="row">
          {columns.map((c) => {
            const sorted = sort?.column === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined;
            return (
              <button
                key={`${c.kind}:${c.key}`}
                type="button"
                role="columnheader"
                aria-sort={sorted ?? 'none'}
                className={`vcell head ${c.kind} ${c.className ?? ''}`}
                onClick={() => toggleSort(c.key)}
                data-testid={`col-${c.key}`}
                title={`Sort by ${c.label}`}
              >
                <span className="ellipsis">{c.label}</span>
                {sorted && <span aria-hidden="true">{sorted === 'ascending' ? ' ▲' : ' ▼'}</span>}
              </button>
            );
          })}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width, position: 'relative' }}>
          {items.map((vi) => {
            const row = cache?.row(vi.index);
            if (!row) {
              return (
                <div key={vi.key} className="vrow skeleton" style={{ transform: `translateY(${vi.start}px)`, gridTemplateColumns: template, width }} aria-hidden="true">
                  {columns.map((c) => (
                    <div key={`${c.kind}:${c.key}`} className="vcell">
                      <span className="bone" />
                    </div>
                  ))}
                </div>
              );
            }
            return (
              <div
                key={vi.key}
                role="row"
                tabIndex={0}
                className={`vrow ${detailIndex === row.index ? 'selected' : ''} st-${row.status}`}
                style={{ transform: `translateY(${vi.start}px)`, gridTemplateColumns: template, width }}
                onClick={() => void openItem(row.index)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') void openItem(row.index);
                }}
                data-testid={`results-row-${row.index}`}
                data-status={row.status}
              >
                {columns.map((c) => (
                  <div key={`${c.kind}:${c.key}`} className={`vcell ${c.kind} ${c.className ?? ''}`} role="gridcell">
                    {c.kind === 'status' ? (
                      <ItemStatusPill status={row.status} />
                    ) : c.kind === 'output' && row.status === 'failed' && !row.output ? (
                      <span className="ellipsis bad" title={row.error ?? ''}>
                        {c === columns.find((x) => x.kind === 'output') ? (row.error ?? '') : ''}
                      </span>
                    ) : (
                      <span className="ellipsis" title={c.value(row)}>
                        {c.value(row)}
                      </span>
                    )}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        {cache?.total === 0 && (
          <div className="table-empty" data-testid="results-none">
            {status || search.trim() ? 'No rows match this filter.' : 'This run has no rows yet.'}
          </div>
        )}
      </div>
      {cache?.error && (
        <ErrorBox testId="results-error">
          Could not load rows: {cache.error}{' '}
          <button type="button" className="link" onClick={() => cache.invalidateAll()}>
            Try again
          </button>
        </ErrorBox>
      )}
    </div>
  );
}
