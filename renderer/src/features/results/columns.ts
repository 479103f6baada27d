// The results grid's columns: what a run offers, then the user's layout for its dataset applied
// (order, hidden, widths). DOM-free: tested in Node.
import type { ItemRow, RunSummary } from '../../../../shared/contract.ts';
import { cellText, fmtCost, fmtDuration } from '../../format.ts';

export type ColumnKind = 'select' | 'index' | 'status' | 'mark' | 'input' | 'output' | 'meta';

export interface Column {
  /** Unique in the grid: kind and key ("output:score"). */
  id: string;
  /** The sort key the core knows. */
  key: string;
  label: string;
  width: number;
  kind: ColumnKind;
  className?: string;
  /** Whether its filter takes text (contains) and number ranges, or only ranges. */
  filter?: 'text' | 'range';
  value(row: ItemRow): string;
}

export interface ColumnLayout {
  /** Column ids in the order shown; ids not listed keep their place after the listed ones. */
  order: string[];
  hidden: string[];
  widths: Record<string, number>;
}

export const EMPTY_LAYOUT: ColumnLayout = { order: [], hidden: [], widths: {} };
export const MIN_WIDTH = 48;

const col = (kind: ColumnKind, key: string, label: string, width: number, rest: Partial<Column> & Pick<Column, 'value'>): Column => ({
  id: `${kind}:${key}`,
  key,
  label,
  width,
  kind,
  ...rest,
});

export function columnsFor(run: Pick<RunSummary, 'inputColumns' | 'outputColumns'>): Column[] {
  const cols: Column[] = [
    col('select', 'select', 'Select', 36, { value: () => '' }),
    col('index', 'index', '#', 72, { className: 'num', value: (r) => String(r.index + 1) }),
    col('status', 'status', 'Status', 92, { value: (r) => r.status }),
    col('mark', 'mark', 'Mark', 96, { value: (r) => (r.rating === 'up' ? 'good' : r.rating === 'down' ? 'bad' : '') }),
  ];
  run.inputColumns.forEach((name, i) => cols.push(col('input', name, name, 200, { filter: 'text', value: (r) => r.input[i] ?? '' })));
  for (const name of run.outputColumns)
    cols.push(col('output', name, name, 220, { filter: 'text', value: (r) => (r.output ? cellText(r.output[name]) : '') }));
  cols.push(
    col('meta', 'turns', 'Turns', 72, { className: 'num', filter: 'range', value: (r) => (r.status === 'done' || r.status === 'failed' ? String(r.turns) : '') }),
    col('meta', 'costUsd', 'Cost', 104, { className: 'num', filter: 'range', value: (r) => (r.costUsd ? fmtCost(r.costUsd) : '') }),
    col('meta', 'latencyMs', 'Latency', 96, { className: 'num', filter: 'range', value: (r) => (r.latencyMs === null ? '' : fmtDuration(r.latencyMs)) }),
  );
  return cols;
}

/** The columns as the layout orders, hides and sizes them. The selection column stays first and shown. */
export function applyLayout(cols: readonly Column[], layout: ColumnLayout): Column[] {
  const rank = new Map(layout.order.map((id, i) => [id, i]));
  const hidden = new Set(layout.hidden);
  const placed = cols
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.kind === 'select' || !hidden.has(c.id))
    .sort((a, b) => {
      if (a.c.kind === 'select' || b.c.kind === 'select') return a.c.kind === 'select' ? -1 : 1;
      const ra = rank.get(a.c.id) ?? layout.order.length + a.i;
      const rb = rank.get(b.c.id) ?? layout.order.length + b.i;
      return ra - rb;
    });
  return placed.map(({ c }) => (layout.widths[c.id] ? { ...c, width: Math.max(MIN_WIDTH, layout.widths[c.id]) } : c));
}

/** The full order of the run's columns under a layout (hidden ones included), to move one within. */
export function orderOf(cols: readonly Column[], layout: ColumnLayout): string[] {
  return applyLayout(cols, { ...layout, hidden: [] })
    .filter((c) => c.kind !== 'select')
    .map((c) => c.id);
}

/** Moves a column before another (or by a step), returning the new order. */
export function moveColumn(order: readonly string[], id: string, to: { before: string } | { by: number }): string[] {
  const from = order.indexOf(id);
  if (from < 0) return [...order];
  const rest = order.filter((x) => x !== id);
  let at: number;
  if ('before' in to) {
    at = rest.indexOf(to.before);
    if (at < 0) return [...order];
  } else {
    at = Math.max(0, Math.min(rest.length, from + to.by));
  }
  rest.splice(at, 0, id);
  return rest;
}
