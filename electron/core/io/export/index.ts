import { extname } from 'node:path';
import { writeAtomically } from './atomic.ts';
import { writeCsv } from './write-csv.ts';
import { writeJsonl } from './write-jsonl.ts';
import type { ExportFormat, ExportSource } from './types.ts';
import type { IntoWorkbookSource } from './write-into-workbook.ts';

export type { ExportFormat, ExportRow, ExportSource } from './types.ts';
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
  const chosen = format ?? formatFromPath(path);
  // The spreadsheet writer (exceljs) is loaded only for xlsx: loading it costs more CPU than writing
  // 20,000 rows of JSON lines.
  const write = { xlsx: async (s: ExportSource, p: string) => (await import('./write-xlsx.ts')).writeXlsx(s, p), csv: writeCsv, jsonl: writeJsonl }[chosen];
  if (!write) throw new Error(`Unknown export format ${JSON.stringify(chosen)}: use xlsx, csv or jsonl.`);
  const rows = await writeAtomically(path, (partial) => write(source, partial));
  return { rows, path };
}

/** Appends a run's output columns to the data sheet of the workbook it read, saved as `path` (see write-into-workbook.ts); exceljs is loaded only here too. */
export async function exportIntoWorkbook(source: IntoWorkbookSource, path: string): Promise<{ rows: number; path: string }> {
  return (await import('./write-into-workbook.ts')).writeIntoWorkbook(source, path);
}
