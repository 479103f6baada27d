// The grid's two header rows, for the columns on screen: names (sort on click, drag to reorder, drag the
// right edge to resize) and each column's filter.
import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { ItemFilter } from '../../../../shared/contract.ts';
import type { ItemStatus } from '../../../../shared/domain.ts';
import { useResults } from '../../store/results.ts';
import type { Column } from './columns.ts';
import { filterOf, filterText } from './filters.ts';
import { useSelection } from './selection.ts';

export interface Placed {
  col: Column;
  left: number;
  width: number;
}

const STATUSES: ItemStatus[] = ['done', 'failed', 'pending', 'running', 'skipped'];
const MARK_ID = 'mark:mark';

export function HeaderCell({ p, onResize, onMove }: { p: Placed; onResize(width: number): void; onMove(id: string, before: string): void }) {
  const sort = useResults((s) => s.sort);
  const c = p.col;
  const style = { left: p.left, width: p.width };
  if (c.kind === 'select') return <SelectAllCell style={style} />;
  const sortable = c.kind !== 'mark';
  const sorted = sortable && sort?.column === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined;
  const startResize = (e: ReactPointerEvent) => {
    e.preventDefault();
    e.stopPropagation();
    const x0 = e.clientX;
    const w0 = p.width;
    const target = e.currentTarget as HTMLElement;
    target.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => onResize(w0 + ev.clientX - x0);
    const up = () => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  };
  return (
    <div
      className={`vcell head ${c.kind} ${c.className ?? ''}`}
      style={style}
      role="columnheader"
      aria-sort={sorted ?? 'none'}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('text/x-rowrunner-column')) e.preventDefault();
      }}
      onDrop={(e) => {
        const id = e.dataTransfer.getData('text/x-rowrunner-column');
        if (id && id !== c.id) onMove(id, c.id);
      }}
      data-testid={`colhead-${c.key}`}
    >
      <button
        type="button"
        className="head-label"
        draggable
        onDragStart={(e) => {
          e.dataTransfer.setData('text/x-rowrunner-column', c.id);
          e.dataTransfer.effectAllowed = 'move';
        }}
        onClick={() => sortable && useResults.getState().toggleSort(c.key)}
        data-testid={`col-${c.key}`}
        title={sortable ? `Sort by ${c.label} (drag to move)` : `${c.label} (drag to move)`}
      >
        <span className="ellipsis">{c.label}</span>
        {sorted && <span aria-hidden="true">{sorted === 'ascending' ? ' ▲' : ' ▼'}</span>}
      </button>
      <span className="resize" onPointerDown={startResize} role="separator" aria-orientation="vertical" aria-label={`Resize ${c.label}`} data-testid={`resize-${c.key}`} />
    </div>
  );
}

function SelectAllCell({ style }: { style: { left: number; width: number } }) {
  const count = useSelection((s) => s.indexes.size);
  const total = useResults((s) => s.cache?.total ?? 0);
  const ref = useRef<HTMLInputElement>(null);
  const all = count > 0 && count >= total;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = count > 0 && !all;
  }, [count, all]);
  return (
    <div className="vcell head select" style={style} role="columnheader">
      <input
        ref={ref}
        type="checkbox"
        checked={all}
        onChange={() => (count > 0 ? useSelection.getState().clear() : void useResults.getState().selectAll())}
        aria-label={count > 0 ? 'Clear the selection' : "Select all the filter's rows"}
        title={count > 0 ? 'Clear the selection' : "Select all the filter's rows"}
        data-testid="select-all"
      />
    </div>
  );
}

export function FilterCell({ p }: { p: Placed }) {
  const cleared = useResults((s) => s.filtersCleared);
  const c = p.col;
  const style = { left: p.left, width: p.width };
  if (c.kind === 'status') return <StatusFilter style={style} />;
  if (c.kind === 'mark') return <MarkFilter style={style} />;
  if (!c.filter) return <div className="vcell filter" style={style} />;
  // Clear filters starts the boxes again (a new key), empty.
  return <TextFilter key={cleared} p={p} />;
}

function TextFilter({ p }: { p: Placed }) {
  const c = p.col;
  const stored = useResults((s) => s.filters[c.id]);
  const [text, setText] = useState(() => filterText(stored));
  const [error, setError] = useState<string | null>(null);
  // Filter as the user types, once they pause.
  useEffect(() => {
    if (text === filterText(useResults.getState().filters[c.id])) return;
    const timer = setTimeout(() => {
      const r = filterOf(c, text);
      setError(r.error);
      if (!r.error) useResults.getState().setFilter(c.id, r.filter);
    }, 300);
    return () => clearTimeout(timer);
  }, [text, c]);
  // Cleared elsewhere (Clear filters): the box follows.
  return (
    <div className="vcell filter" style={{ left: p.left, width: p.width }}>
      <input
        type="text"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={c.filter === 'range' ? '< 1, 2..5' : 'contains, < 0.5'}
        aria-label={`Filter ${c.label}`}
        aria-invalid={error !== null}
        title={error ?? (c.filter === 'range' ? 'A range: < 0.5, >= 2, = 3, 1..5' : 'Text it contains, or a range: < 0.5, >= 2, 1..5')}
        className={error ? 'invalid' : ''}
        data-testid={`filter-${c.key}`}
      />
    </div>
  );
}

function StatusFilter({ style }: { style: { left: number; width: number } }) {
  const status = useResults((s) => s.status);
  return (
    <div className="vcell filter" style={style}>
      <select value={status ?? ''} onChange={(e) => useResults.getState().setStatus((e.target.value || null) as ItemStatus | null)} aria-label="Filter Status" data-testid="filter-status">
        <option value="">all</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </div>
  );
}

type MarkIs = Extract<ItemFilter, { kind: 'mark' }>['is'];

function MarkFilter({ style }: { style: { left: number; width: number } }) {
  const f = useResults((s) => s.filters[MARK_ID]);
  const value = f?.kind === 'mark' ? f.is : '';
  return (
    <div className="vcell filter" style={style}>
      <select
        value={value}
        onChange={(e) => useResults.getState().setFilter(MARK_ID, e.target.value ? { kind: 'mark', is: e.target.value as MarkIs } : null)}
        aria-label="Filter by mark"
        data-testid="filter-mark"
      >
        <option value="">all</option>
        <option value="up">👍 good</option>
        <option value="down">👎 bad</option>
        <option value="unrated">not rated</option>
        <option value="noted">with a note</option>
      </select>
    </div>
  );
}
