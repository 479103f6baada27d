import { extname } from 'node:path';
import { writeAtomically } from './atomic.ts';
import { writeCsv } from './write-csv.ts';
import { writeJsonl } from './write-jsonl.ts';
import { exportColumns, rowValues } from './columns.ts';
import type { ExportFormat, ExportRow, ExportSource, TableSource } from './types.ts';
import type { IntoWorkbookSource } from './write-into-workbook.ts';

export type { ExportFormat, ExportRow, ExportSource, TableSource } from './types.ts';
export { exportColumns, META_COLUMNS } from './columns.ts';
export { IntoWorkbookError } from './into-error.ts';
export type { IntoWorkbookSource } from './write-into-workbook.ts';

const FORMATS: Record<string, ExportFormat> = { '.xlsx': 'xlsx', '.csv': 'csv', '.jsonl': 'jsonl' };

/** The export format named by a path's extension (.xlsx, .csv, .jsonl; any case). */
export function formatFromPath(path: string): ExportFormat {
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format) {
    throw new Error(`Cannot tell the export format from "${path}": the file name must end in .xlsx, .csv or .jsonl.`);
  }
  return format;
}

/**
 * Writes a run's results to `path` (format from the extension unless given). The file appears
 * under its name only when complete: it is written as `path.partial` and renamed at the end; on
 * any error (the rows' iterator throwing included) the partial file is removed.
 */
export async function exportRun(source: ExportSource, path: string, format?: ExportFormat): Promise<{ rows: number; path: string }> {
  return exportTable(tableOf(source), path, format);
}

/** Writes any table (a header and rows of values) the way exportRun writes a run: atomic, formula-safe. */
export async function exportTable(table: TableSource, path: string, format?: ExportFormat): Promise<{ rows: number; path: string }> {
  const chosen = format ?? formatFromPath(path);
  // The spreadsheet writer (exceljs) is loaded only for xlsx: loading it costs more CPU than writing
  // 20,000 rows of JSON lines.
  const write = { xlsx: async (s: TableSource, p: string) => (await import('./write-xlsx.ts')).writeXlsx(s, p), csv: writeCsv, jsonl: writeJsonl }[chosen];
  if (!write) throw new Error(`Unknown export format ${JSON.stringify(chosen)}: use xlsx, csv or jsonl.`);
  const rows = await writeAtomically(path, (partial) => write(table, partial));
  return { rows, path };
}

/** A run's results as a table: exportColumns() for the header, rowValues() for each row. */
function tableOf(source: ExportSource): TableSource {
  const inputCount = source.inputColumns.length;
  const values = (row: ExportRow) => rowValues(row, inputCount, source.outputColumns);
  // A synchronous source (a database read) stays synchronous, so no row costs a promise.
  const rows = Symbol.iterator in source.rows ? mapSync(source.rows, values) : mapAsync(source.rows, values);
  return { columns: exportColumns(source.inputColumns, source.outputColumns), rows, settings: source.settings };
}

function* mapSync<T, U>(rows: Iterable<T>, f: (row: T) => U): Generator<U> {
  for (const row of rows) yield f(row);
}

async function* mapAsync<T, U>(rows: AsyncIterable<T>, f: (row: T) => U): AsyncGenerator<U> {
  for await (const row of rows) yield f(row);
}

/** Appends a run's output columns to the data sheet of the workbook it read, saved as `path` (see write-into-workbook.ts); exceljs is loaded only here too. */
export async function exportIntoWorkbook(source: IntoWorkbookSource, path: string): Promise<{ rows: number; path: string }> {
  return (await import('./write-into-workbook.ts')).writeIntoWorkbook(source, path);
}
