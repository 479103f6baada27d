// Datasets: an imported CSV's header and rows. Rows are stored once, however many runs use them. An
// import streams in as state 'importing' (invisible to every list) and becomes 'ready' in one update
// once the last row is in; a failed import deletes what it wrote.
import type { Db } from './db.ts';
import { processOwner } from '../process-owner.ts';
import { parseJson, stmt } from './sql.ts';

export interface DatasetRecord {
  id: number;
  name: string;
  sourcePath: string | null;
  columns: string[];
  notes: string[];
  delimiter: string;
  encoding: string;
  rowCount: number;
  state: 'importing' | 'ready';
  owner: string | null;
  createdAt: number;
}

interface DatasetRow {
  id: number;
  name: string;
  source_path: string | null;
  columns: string;
  notes: string;
  delimiter: string;
  encoding: string;
  row_count: number;
  state: 'importing' | 'ready';
  owner: string | null;
  created_at: number;
}

function toRecord(r: DatasetRow): DatasetRecord {
  return {
    id: r.id,
    name: r.name,
    sourcePath: r.source_path,
    columns: parseJson<string[]>(r.columns, []),
    notes: parseJson<string[]>(r.notes, []),
    delimiter: r.delimiter,
    encoding: r.encoding,
    rowCount: r.row_count,
    state: r.state,
    owner: r.owner,
    createdAt: r.created_at,
  };
}

/** Starts an import: an invisible dataset owned by this process. */
export function beginDataset(db: Db, p: { name: string; sourcePath: string | null; now?: number }): number {
  const res = stmt(
    db,
    `INSERT INTO datasets (name, source_path, columns, delimiter, encoding, state, owner, created_at)
     VALUES (?, ?, '[]', '', '', 'importing', ?, ?)`,
  ).run(p.name, p.sourcePath, processOwner(), p.now ?? Date.now());
  return Number(res.lastInsertRowid);
}

export function setDatasetHeader(
  db: Db,
  id: number,
  h: { columns: string[]; notes: string[]; delimiter: string; encoding: string },
): void {
  stmt(db, `UPDATE datasets SET columns = ?, notes = ?, delimiter = ?, encoding = ? WHERE id = ?`).run(
    JSON.stringify(h.columns),
    JSON.stringify(h.notes),
    h.delimiter,
    h.encoding,
    id,
  );
}

/** Rows a statement inserts at once: each statement costs a step through better-sqlite3 and SQLite's VM. */
const ROWS_A_STATEMENT = 64;
const insertManySql = `INSERT INTO dataset_rows (dataset_id, row_index, vals) VALUES ${Array.from({ length: ROWS_A_STATEMENT }, () => '(?, ?, ?)').join(', ')}`;

/**
 * Appends rows (each a string per column) from `firstIndex` on, ROWS_A_STATEMENT to an INSERT (a
 * million rows: a third less time than an INSERT a row). Call inside a transaction.
 */
export function insertDatasetRows(db: Db, id: number, firstIndex: number, rows: readonly (readonly string[])[]): void {
  const many = stmt(db, insertManySql);
  const one = stmt(db, `INSERT INTO dataset_rows (dataset_id, row_index, vals) VALUES (?, ?, ?)`);
  const args: unknown[] = new Array(ROWS_A_STATEMENT * 3);
  let i = 0;
  for (; i + ROWS_A_STATEMENT <= rows.length; i += ROWS_A_STATEMENT) {
    for (let k = 0; k < ROWS_A_STATEMENT; k++) {
      args[k * 3] = id;
      args[k * 3 + 1] = firstIndex + i + k;
      args[k * 3 + 2] = JSON.stringify(rows[i + k]);
    }
    many.run(...args);
  }
  for (; i < rows.length; i++) one.run(id, firstIndex + i, JSON.stringify(rows[i]));
}

/** Makes an import visible, with its final row count and notes. */
export function finishDataset(db: Db, id: number, rowCount: number, notes?: string[]): void {
  if (notes) stmt(db, `UPDATE datasets SET notes = ? WHERE id = ?`).run(JSON.stringify(notes), id);
  stmt(db, `UPDATE datasets SET row_count = ?, state = 'ready', owner = NULL WHERE id = ?`).run(rowCount, id);
}

/** Deletes a dataset and its rows; refuses (FOREIGN KEY) while a run uses it. */
export function deleteDataset(db: Db, id: number): void {
  db.transaction(() => {
    stmt(db, `DELETE FROM dataset_rows WHERE dataset_id = ?`).run(id);
    stmt(db, `DELETE FROM datasets WHERE id = ?`).run(id);
  })();
}

export function getDataset(db: Db, id: number): DatasetRecord | undefined {
  const r = stmt<[number], DatasetRow>(db, `SELECT * FROM datasets WHERE id = ?`).get(id);
  return r ? toRecord(r) : undefined;
}

export function listDatasets(db: Db): DatasetRecord[] {
  return stmt<[], DatasetRow>(db, `SELECT * FROM datasets WHERE state = 'ready' ORDER BY id`).all().map(toRecord);
}

/** Whether a run uses the dataset. */
export function datasetInUse(db: Db, id: number): boolean {
  return stmt<[number], number>(db, `SELECT EXISTS (SELECT 1 FROM runs WHERE dataset_id = ?)`).pluck().get(id) === 1;
}

/** The rows an import stored (rows are stored in order from 0). */
export function storedRowCount(db: Db, id: number): number {
  return (stmt<[number], number | null>(db, `SELECT MAX(row_index) FROM dataset_rows WHERE dataset_id = ?`).pluck().get(id) ?? -1) + 1;
}

/** Imports left 'importing' by a process that is gone. */
export function staleImports(db: Db): DatasetRecord[] {
  return stmt<[], DatasetRow>(db, `SELECT * FROM datasets WHERE state = 'importing'`).all().map(toRecord);
}

export function datasetRowsPage(db: Db, id: number, offset: number, limit: number): string[][] {
  return stmt<[number, number, number], { vals: string }>(
    db,
    `SELECT vals FROM dataset_rows WHERE dataset_id = ? AND row_index >= ? ORDER BY row_index LIMIT ?`,
  )
    .all(id, offset, limit)
    .map((r) => JSON.parse(r.vals) as string[]);
}

/** Iterates rows [from, to) in order, a page at a time, so no statement stays open between pages. */
export function* datasetRows(db: Db, id: number, from = 0, to = Number.MAX_SAFE_INTEGER, page = 2000): Generator<{ index: number; values: string[] }> {
  const q = stmt<[number, number, number, number], { row_index: number; vals: string }>(
    db,
    `SELECT row_index, vals FROM dataset_rows WHERE dataset_id = ? AND row_index >= ? AND row_index < ? ORDER BY row_index LIMIT ?`,
  );
  let at = from;
  for (;;) {
    const rows = q.all(id, at, to, page);
    for (const r of rows) yield { index: r.row_index, values: JSON.parse(r.vals) as string[] };
    if (rows.length < page) return;
    at = rows[rows.length - 1].row_index + 1;
  }
}
