// The rows of a comparison, read from SQLite a page at a time: each run's item joined by row index,
// the input row from the first run's dataset, and whether the outputs differ, decided in SQL so that
// a filter on it pages like any other query and no run is ever held whole.
import type { ComparedRow } from '../../../shared/compare.ts';
import type { ItemStatus, OutputValues } from '../../../shared/domain.ts';
import type { Db } from '../store/db.ts';
import { parseJson, stmt } from '../store/sql.ts';
import type { ComparedRuns } from './compared-runs.ts';

type SqlRow = Record<string, string | number | null>;

/** A SQL string literal. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * True when some run's output is not the first run's, on every compared column (a missing value is
 * NULL, and NULL IS NOT NULL is false); on the whole output when the runs share no column.
 */
function differsSql(c: ComparedRuns): string {
  const terms: string[] = [];
  for (let k = 1; k < c.runs.length; k++) {
    if (c.comparedColumns.length === 0) terms.push(`i0.output IS NOT i${k}.output`);
    for (const column of c.comparedColumns) {
      const path = literal(`$.${JSON.stringify(column)}`);
      terms.push(`(i0.output ->> ${path}) IS NOT (i${k}.output ->> ${path})`);
    }
  }
  return `(${terms.join(' OR ')})`;
}

/**
 * The first run's items joined to the others' by row index; run ids are integers from the store, so
 * they are written inline. CROSS JOIN keeps the first run's items the outer loop (SQLite's way of
 * fixing the join order), so rows come in its key order and a page never sorts the rest of the run.
 */
function joinsSql(c: ComparedRuns): string {
  const joins = c.runs
    .slice(1)
    .map((r, k) => ` CROSS JOIN items i${k + 1} ON i${k + 1}.run_id = ${r.run.id} AND i${k + 1}.row_index = i0.row_index`)
    .join('');
  return `items i0${joins}`;
}

/**
 * The first run's items. The row_index bound keeps SQLite on the primary key, in row order: without
 * it, lacking statistics, it may walk another (run_id, …) index and read the table in random order,
 * ten times slower over a million rows (bench/compare-runs.ts).
 */
function firstRunSql(c: ComparedRuns, from = '0'): string {
  return `i0.run_id = ${c.runs[0].run.id} AND i0.row_index >= ${from}`;
}

/** `from`: the first row index, a number or a `?` parameter (one bound only: SQLite seeks on one). */
function selectSql(c: ComparedRuns, from = '0'): string {
  const cells = c.runs.map((_, k) => `i${k}.status AS s${k}, i${k}.output AS o${k}, i${k}.error AS e${k}`).join(', ');
  return `SELECT i0.row_index AS idx, d.vals AS vals, ${cells}, ${differsSql(c)} AS differs
    FROM ${joinsSql(c)} LEFT JOIN dataset_rows d ON d.dataset_id = ${c.runs[0].dataset.id} AND d.row_index = i0.row_index
    WHERE ${firstRunSql(c, from)}`;
}

function toRow(c: ComparedRuns, r: SqlRow): ComparedRow {
  return {
    index: r.idx as number,
    input: parseJson<string[]>(r.vals as string | null, []),
    cells: c.runs.map((_, k) => ({
      status: r[`s${k}`] as ItemStatus,
      output: parseJson<OutputValues | null>(r[`o${k}`] as string | null, null),
      error: r[`e${k}`] as string | null,
    })),
    differs: r.differs === 1,
  };
}

/** How many rows differ: one pass over the runs' items, nothing kept. */
export function countDiffering(db: Db, c: ComparedRuns): number {
  return stmt<[], number>(db, `SELECT COUNT(*) FROM ${joinsSql(c)} WHERE ${firstRunSql(c)} AND ${differsSql(c)}`).pluck().get()!;
}

/** One page in row order, all rows or only those that differ. */
export function comparedPage(db: Db, c: ComparedRuns, offset: number, limit: number, onlyDiffering: boolean): ComparedRow[] {
  const where = onlyDiffering ? ` AND ${differsSql(c)}` : '';
  return stmt<[number, number], SqlRow>(db, `${selectSql(c)}${where} ORDER BY i0.row_index LIMIT ? OFFSET ?`)
    .all(limit, offset)
    .map((r) => toRow(c, r));
}

/** Every row in row order, read `page` rows at a time from where the last page ended (no OFFSET to walk). */
export function* comparedRows(db: Db, c: ComparedRuns, page = 500): Generator<ComparedRow> {
  const q = stmt<[number, number], SqlRow>(db, `${selectSql(c, '?')} ORDER BY i0.row_index LIMIT ?`);
  let at = 0;
  for (;;) {
    const rows = q.all(at, page);
    for (const r of rows) yield toRow(c, r);
    if (rows.length < page) return;
    at = (rows[rows.length - 1].idx as number) + 1;
  }
}
