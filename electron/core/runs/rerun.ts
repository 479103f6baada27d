// Running chosen rows of a run again, in the same run: their finished attempts are set aside (kept in
// the item's history) and they become pending, then the run's next session sends them. Also the
// retry of failed items, all of them or those of one kind (infrastructure or invalid answers).
import type { ItemsQuery } from '../../../shared/contract.ts';
import type { RetryKind } from '../../../shared/attempts.ts';
import { CallError } from '../errors.ts';
import { failedIndexes, setAsideAndReset } from '../store/attempts.ts';
import type { Db } from '../store/db.ts';
import type { RunRecord } from '../store/runs.ts';

/** What a rerun sends again: item indexes (0-based), or the rows a Results filter shows. */
export type RowChoice = { rows: readonly number[] } | { filter: Omit<ItemsQuery, 'runId' | 'offset' | 'limit' | 'sort'> };

/** Checks the indexes against the run's items before anything is written; a bad one is a bad-input naming it. */
export function checkIndexes(run: RunRecord, rows: readonly number[]): void {
  if (rows.length === 0) throw new CallError('bad-input', 'No rows to run again: choose at least one.', ['rows']);
  for (const i of rows) {
    if (!Number.isInteger(i) || i < 0 || i >= run.itemCount) {
      throw new CallError('bad-input', `Row ${Number.isInteger(i) ? i + 1 : i} is out of range: run ${run.id} has rows 1-${run.itemCount}.`, ['rows']);
    }
  }
}

/** Every item index a filter of the results matches, a page at a time through the same query the table uses. */
export function indexesMatching(page: (q: ItemsQuery) => { total: number; rows: { index: number }[] }, query: Omit<ItemsQuery, 'offset' | 'limit'>): number[] {
  const out: number[] = [];
  const limit = 5000;
  for (let offset = 0; ; offset += limit) {
    const { rows } = page({ ...query, sort: { column: 'index', desc: false }, offset, limit });
    for (const r of rows) out.push(r.index);
    if (rows.length < limit) return out;
  }
}

/** Sets the rows' finished attempts aside and makes them pending, in one transaction. Returns how many. */
export function resetRows(db: Db, run: RunRecord, rows: readonly number[]): number {
  checkIndexes(run, rows);
  return db.transaction(() => setAsideAndReset(db, run.id, rows)).immediate();
}

/** The run's failed items (of one kind, or all) become pending, their failed attempt kept. Returns how many. */
export function resetFailedOf(db: Db, run: RunRecord, only?: RetryKind): number {
  return db.transaction(() => setAsideAndReset(db, run.id, failedIndexes(db, run.id, only))).immediate();
}
