// What the results grid asks of a run beyond a page of rows: the indexes a filter matches, a row's
// mark, and the distributions of its fields. The runs service joins these in (see service.ts).
import type { ItemDistributions, ItemRating, ItemsQuery } from '../../../shared/contract.ts';
import { badInput, notFound } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { itemDistributions } from '../store/distributions.ts';
import { FilterError } from '../store/item-filters.ts';
import { itemIndexes } from '../store/items.ts';
import { setMark } from '../store/marks.ts';
import type { RunRecord } from '../store/runs.ts';
import { outputColumnsOf } from './views.ts';

export interface GridQueries {
  itemIndexes(query: Omit<ItemsQuery, 'offset' | 'limit'>): number[];
  markItem(runId: string, index: number, rating: ItemRating | null, note: string | null): void;
  itemDistributions(runId: string): ItemDistributions;
}

/** A filter naming a column the run lacks is the caller's mistake: a bad-input error that says which. */
export function filterErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FilterError) throw badInput(e.message);
    throw e;
  }
}

export function createGridQueries(db: Db, runRecord: (runId: string) => RunRecord, inputColumnsOf: (r: RunRecord) => string[]): GridQueries {
  return {
    itemIndexes(q) {
      const r = runRecord(q.runId);
      return filterErrors(() =>
        itemIndexes(db, { ...q, runId: r.id, inputColumns: inputColumnsOf(r), outputColumns: outputColumnsOf(r.agent) }),
      );
    },
    markItem(runId, index, rating, note) {
      const r = runRecord(runId);
      if (!setMark(db, r.id, index, rating, note)) throw notFound(`Run ${runId} has no item ${index}.`);
    },
    itemDistributions(runId) {
      const r = runRecord(runId);
      return itemDistributions(db, r.id, outputColumnsOf(r.agent));
    },
  };
}
