// What a column's filter box means: a number range ("< 0.5", ">= 3", "= 2", "1..5") or, for a text
// column, text the value contains. DOM-free: tested in Node.
import type { ItemFilter } from '../../../../shared/contract.ts';
import type { Column } from './columns.ts';

type Range = Omit<Extract<ItemFilter, { kind: 'range' }>, 'kind' | 'column'>;

const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const COMPARE = new RegExp(String.raw`^(<=|>=|<|>|=)\s*(${NUM})$`);
const BETWEEN = new RegExp(String.raw`^(${NUM})\s*\.\.\s*(${NUM})$`);

/** A range typed in a filter box, or null when the text is not one. */
export function parseRange(text: string): Range | null {
  const t = text.trim();
  const c = COMPARE.exec(t);
  if (c) {
    const v = Number(c[2]);
    switch (c[1]) {
      case '<':
        return { lt: v };
      case '<=':
        return { lte: v };
      case '>':
        return { gt: v };
      case '>=':
        return { gte: v };
      default:
        return { gte: v, lte: v };
    }
  }
  const b = BETWEEN.exec(t);
  if (b) {
    const lo = Number(b[1]);
    const hi = Number(b[2]);
    return { gte: Math.min(lo, hi), lte: Math.max(lo, hi) };
  }
  return null;
}

export type FilterResult = { filter: ItemFilter | null; error: string | null };

/**
 * The filter a column's box asks for: null for an empty box; an error for text a range column cannot
 * take. Ranges read in the stored units: cost in dollars, latency in ms.
 */
export function filterOf(col: Column, text: string): FilterResult {
  const t = text.trim();
  if (!t || !col.filter) return { filter: null, error: null };
  const source = col.kind === 'input' ? 'input' : col.kind === 'output' ? 'output' : 'meta';
  const column = { source, name: col.key } as const;
  const range = parseRange(t);
  if (range) return { filter: { kind: 'range', column, ...range }, error: null };
  if (col.filter === 'range') return { filter: null, error: `${col.label}: type a range such as "< 0.5", ">= 2" or "1..5".` };
  return { filter: { kind: 'text', column, contains: t }, error: null };
}

/** A filter written back as the text of its box (the inverse of filterOf). */
export function filterText(f: ItemFilter | undefined): string {
  if (!f) return '';
  if (f.kind === 'text') return f.contains;
  if (f.kind !== 'range') return '';
  if (f.gte !== undefined && f.lte !== undefined) return f.gte === f.lte ? `= ${f.gte}` : `${f.gte}..${f.lte}`;
  if (f.lt !== undefined) return `< ${f.lt}`;
  if (f.lte !== undefined) return `<= ${f.lte}`;
  if (f.gt !== undefined) return `> ${f.gt}`;
  if (f.gte !== undefined) return `>= ${f.gte}`;
  return '';
}
