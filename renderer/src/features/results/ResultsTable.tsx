// The results grid: rows and columns both virtualized (a run of a million rows and 200 columns draws
// only what is on screen), pages fetched through the page cache, columns laid out per dataset, arrow
// keys between rows, Enter opens a row, Space checks it.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import type { ItemRow, RunSummary } from '../../../../shared/contract.ts';
import { ErrorBox, ItemStatusPill } from '../../components/ui.tsx';
import { fmtInt } from '../../format.ts';
import { useResults } from '../../store/results.ts';
import { applyLayout, columnsFor, EMPTY_LAYOUT, moveColumn, orderOf, type Column } from './columns.ts';
import { FilterCell, HeaderCell, type Placed } from './HeaderCells.tsx';
import { useColumnLayout } from './layout.ts';
import { MarkCell } from './MarkCell.tsx';
import type { PageCache } from './pageCache.ts';
import { useSelection } from './selection.ts';

const ROW_HEIGHT = 32;

function useCache(cache: PageCache | null): void {
  useSyncExternalStore(cache?.subscribe ?? noopSubscribe, cache?.getVersion ?? zero);
}
const noopSubscribe = () => () => {};
const zero = () => 0;

/** The run's columns with its dataset's layout; stable while the run's columns are (progress events renew the run). */
export function useGridColumns(run: RunSummary): { all: Column[]; columns: Column[] } {
  const shape = JSON.stringify([run.inputColumns, run.outputColumns]);
  const all = useMemo(() => {
    const [inputColumns, outputColumns] = JSON.parse(shape) as [string[], string[]];
    return columnsFor({ inputColumns, outputColumns });
  }, [shape]);
  const layout = useColumnLayout((s) => s.byDataset[run.datasetId]) ?? EMPTY_LAYOUT;
  const columns = useMemo(() => applyLayout(all, layout), [all, layout]);
  return { all, columns };
}

export function ResultsTable({ run }: { run: RunSummary }) {
  const cache = useResults((s) => s.cache);
  const detailIndex = useResults((s) => s.detailIndex);
  const filtered = useResults((s) => s.status !== null || s.search.trim() !== '' || Object.keys(s.filters).length > 0);
  const selected = useSelection((s) => s.indexes);
  useCache(cache);
  const { all, columns } = useGridColumns(run);
  const width = columns.reduce((a, c) => a + c.width, 0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const total = cache?.total ?? 0;
  const [cursor, setCursor] = useState<number | null>(null);

  const rows = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    useFlushSync: false,
  });
  const cols = useVirtualizer({
    horizontal: true,
    count: columns.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => columns[i].width,
    overscan: 2,
    useFlushSync: false,
  });
  useEffect(() => cols.measure(), [cols, columns]);
  const vrows = rows.getVirtualItems();
  const placed: Placed[] = cols.getVirtualItems().map((vc) => ({ col: columns[vc.index], left: vc.start, width: vc.size }));
  const first = vrows.length ? vrows[0].index : 0;
  const last = vrows.length ? vrows[vrows.length - 1].index : 50;

  useEffect(() => {
    cache?.ensure(first, last);
  }, [cache, first, last]);

  // A new query starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    setCursor(null);
  }, [cache]);

  // The cursor's row takes the focus once it is drawn (it may have to scroll into view first).
  useEffect(() => {
    if (cursor === null || !scrollRef.current?.contains(document.activeElement)) return;
    const el = scrollRef.current.querySelector<HTMLElement>(`[data-pos="${cursor}"]`);
    if (el && document.activeElement !== el) el.focus({ preventScroll: true });
  });

  const layoutOps = useColumnLayout.getState();
  const move = (id: string, before: string) => layoutOps.setOrder(run.datasetId, moveColumn(orderOf(all, useColumnLayout.getState().byDataset[run.datasetId] ?? EMPTY_LAYOUT), id, { before }));

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const pos = Number((e.target as HTMLElement).dataset.pos);
    if (!Number.isInteger(pos)) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / ROW_HEIGHT) - 2);
    const to = { ArrowDown: pos + 1, ArrowUp: pos - 1, PageDown: pos + page, PageUp: pos - page, Home: 0, End: total - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      const next = Math.max(0, Math.min(total - 1, to));
      setCursor(next);
      rows.scrollToIndex(next, { align: 'auto' });
      return;
    }
    const row = cache?.row(pos);
    if (!row) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      void useResults.getState().openItem(row.index);
    } else if (e.key === ' ') {
      e.preventDefault();
      useSelection.getState().toggle(row.index);
    }
  };

  const loading = cache !== null && cache.total === null && !cache.error;
  return (
    <div className="results-table" data-testid="results-table" data-total={cache?.total ?? ''} role="grid" aria-rowcount={total} aria-colcount={columns.length} aria-busy={loading}>
      <div className="results-count muted small" data-testid="results-count">
        {cache?.total === null || !cache ? 'Loading…' : `${fmtInt(cache.total)} ${cache.total === 1 ? 'row' : 'rows'}${filtered ? ' match' : ''}`}
      </div>
      <div className="vscroll" ref={scrollRef} onKeyDown={onKeyDown}>
        <div className="vhead" style={{ width }} role="row">
          {placed.map((p) => (
            <HeaderCell key={p.col.id} p={p} onResize={(w) => layoutOps.setWidth(run.datasetId, p.col.id, w)} onMove={move} />
          ))}
        </div>
        <div className="vfilters" style={{ width }} role="row" aria-label="Filters">
          {placed.map((p) => (
            <FilterCell key={p.col.id} p={p} />
          ))}
        </div>
        <div style={{ height: rows.getTotalSize(), width, position: 'relative' }}>
          {vrows.map((vi) => {
            const row = cache?.row(vi.index);
            const common = { 'data-pos': vi.index, tabIndex: cursor === vi.index || (cursor === null && vi.index === 0) ? 0 : -1, onFocus: () => setCursor(vi.index) };
            if (!row) {
              return (
                <div key={vi.key} {...common} className="vrow skeleton" style={{ transform: `translateY(${vi.start}px)`, width }} aria-hidden="true">
                  {placed.map((p) => (
                    <div key={p.col.id} className="vcell" style={{ left: p.left, width: p.width }}>
                      <span className="bone" />
                    </div>
                  ))}
                </div>
              );
            }
            return (
              <div
                key={vi.key}
                {...common}
                role="row"
                aria-rowindex={vi.index + 1}
                aria-selected={selected.has(row.index)}
                className={`vrow ${detailIndex === row.index ? 'selected' : ''} ${selected.has(row.index) ? 'checked' : ''} st-${row.status}`}
                style={{ transform: `translateY(${vi.start}px)`, width }}
                onClick={() => void useResults.getState().openItem(row.index)}
                data-testid={`results-row-${row.index}`}
                data-status={row.status}
                data-rating={row.rating ?? ''}
              >
                {placed.map((p) => (
                  <div key={p.col.id} className={`vcell ${p.col.kind} ${p.col.className ?? ''}`} style={{ left: p.left, width: p.width }} role="gridcell">
                    <Cell col={p.col} row={row} firstOutput={columns.find((x) => x.kind === 'output')} checked={selected.has(row.index)} />
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        {cache?.total === 0 && (
          <div className="table-empty" data-testid="results-none">
            {filtered ? 'No rows match this filter.' : 'This run has no rows yet.'}
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

function Cell({ col, row, firstOutput, checked }: { col: Column; row: ItemRow; firstOutput: Column | undefined; checked: boolean }) {
  switch (col.kind) {
    case 'select':
      return (
        <input
          type="checkbox"
          checked={checked}
          onClick={(e) => e.stopPropagation()}
          onChange={() => useSelection.getState().toggle(row.index)}
          aria-label={`Select row ${row.index + 1}`}
          tabIndex={-1}
          data-testid={`select-${row.index}`}
        />
      );
    case 'status':
      return <ItemStatusPill status={row.status} />;
    case 'mark':
      return <MarkCell row={row} />;
    case 'output':
      // A failed row has no output: its error shows in the first output column.
      if (row.status === 'failed' && !row.output) {
        return (
          <span className="ellipsis bad" title={row.error ?? ''}>
            {col === firstOutput ? (row.error ?? '') : ''}
          </span>
        );
      }
  }
  const text = col.value(row);
  return (
    <span className="ellipsis" title={text}>
      {text}
    </span>
  );
}
