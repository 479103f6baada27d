import { describe, expect, it } from 'vitest';
import { applyLayout, columnsFor, moveColumn, orderOf, EMPTY_LAYOUT, MIN_WIDTH } from './columns.ts';
import { filterOf, filterText, parseRange } from './filters.ts';

const run = { inputColumns: ['id', 'text'], outputColumns: ['label', 'confidence'] };
const ids = (cols: { id: string }[]) => cols.map((c) => c.id);

describe('column layout', () => {
  const all = columnsFor(run);

  it('offers select, #, status, mark, the inputs, the outputs, then the measures', () => {
    expect(ids(all)).toEqual([
      'select:select', 'index:index', 'status:status', 'mark:mark', 'input:id', 'input:text', 'output:label', 'output:confidence',
      'meta:turns', 'meta:costUsd', 'meta:latencyMs',
    ]);
  });

  it('orders, hides and sizes columns; the selection column stays first; unknown ids are ignored', () => {
    const cols = applyLayout(all, {
      order: ['output:confidence', 'input:text', 'gone:column'],
      hidden: ['meta:turns', 'select:select', 'mark:mark'],
      widths: { 'input:text': 400, 'output:confidence': 3 },
    });
    expect(ids(cols).slice(0, 4)).toEqual(['select:select', 'output:confidence', 'input:text', 'index:index']);
    expect(ids(cols)).not.toContain('meta:turns');
    expect(ids(cols)).not.toContain('mark:mark');
    expect(cols.find((c) => c.id === 'input:text')!.width).toBe(400);
    expect(cols.find((c) => c.id === 'output:confidence')!.width).toBe(MIN_WIDTH);
  });

  it('moves a column before another or by a step, within the full order (hidden ones kept)', () => {
    const order = orderOf(all, { ...EMPTY_LAYOUT, hidden: ['input:id'] });
    expect(order).toContain('input:id');
    expect(moveColumn(order, 'output:label', { before: 'index:index' }).slice(0, 2)).toEqual(['output:label', 'index:index']);
    expect(moveColumn(order, 'index:index', { by: -1 })[0]).toBe('index:index');
    expect(moveColumn(order, 'meta:latencyMs', { by: 1 }).at(-1)).toBe('meta:latencyMs');
    expect(moveColumn(order, 'status:status', { by: 1 }).slice(0, 3)).toEqual(['index:index', 'mark:mark', 'status:status']);
  });
});

describe('filter boxes', () => {
  const col = (id: string) => columnsFor(run).find((c) => c.id === id)!;

  it('reads ranges', () => {
    expect(parseRange('< 0.5')).toEqual({ lt: 0.5 });
    expect(parseRange('>=2')).toEqual({ gte: 2 });
    expect(parseRange('= -3')).toEqual({ gte: -3, lte: -3 });
    expect(parseRange('5..1')).toEqual({ gte: 1, lte: 5 });
    expect(parseRange('.5 .. 1e2')).toEqual({ gte: 0.5, lte: 100 });
    expect(parseRange('< x')).toBeNull();
    expect(parseRange('broken')).toBeNull();
  });

  it('a text column takes text it contains or a range; a measure only a range, with a clear error', () => {
    expect(filterOf(col('output:confidence'), ' < 0.5 ').filter).toEqual({ kind: 'range', column: { source: 'output', name: 'confidence' }, lt: 0.5 });
    expect(filterOf(col('input:text'), 'broken').filter).toEqual({ kind: 'text', column: { source: 'input', name: 'text' }, contains: 'broken' });
    expect(filterOf(col('meta:latencyMs'), '>= 200').filter).toEqual({ kind: 'range', column: { source: 'meta', name: 'latencyMs' }, gte: 200 });
    expect(filterOf(col('meta:costUsd'), 'cheap')).toEqual({ filter: null, error: 'Cost: type a range such as "< 0.5", ">= 2" or "1..5".' });
    expect(filterOf(col('input:text'), '   ')).toEqual({ filter: null, error: null });
  });

  it('writes a filter back as the text that makes it', () => {
    for (const text of ['< 0.5', '<= 1', '> 2', '>= 3', '= 4', '1..5', 'broken']) {
      expect(filterText(filterOf(col('output:label'), text).filter ?? undefined)).toBe(text);
    }
  });
});
