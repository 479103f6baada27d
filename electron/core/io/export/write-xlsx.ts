import { createWriteStream, type WriteStream } from 'node:fs';
import type ExcelJS from 'exceljs';
import { loadExcelJs } from '../xlsx/exceljs.ts';
import { XLSX_MAX_CELL_CHARS, xlsxCell } from './safe-cell.ts';
import type { TableSource } from './types.ts';

/** Column widths come from the header and this many first rows. */
const WIDTH_SAMPLE_ROWS = 200;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
/**
 * exceljs's streaming writer hands committed rows to the zip stream without waiting for it, so rows
 * pile up in memory whenever compression is slower than the caller. Every this many rows the
 * writer checks the backlog and waits while it is above MAX_BACKLOG_BYTES.
 */
const CHECK_EVERY_ROWS = 200;
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/** Excel's rows a sheet (1,048,576), less the header. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;

/**
 * Streams the results to an xlsx file: sheet "Results" with a bold, frozen header, an autofilter
 * and widths fitted to the first rows, then sheet "Run" with the settings. Rows past what a sheet
 * holds in Excel go on to "Results 2", "Results 3"…, each with the header again. Rows are committed one
 * by one, so the workbook is never held in memory.
 */
export async function writeXlsx(source: TableSource, path: string, options: { rowsPerSheet?: number } = {}): Promise<number> {
  const rowsPerSheet = options.rowsPerSheet ?? XLSX_MAX_DATA_ROWS;
  const ExcelJS = await loadExcelJs();
  const columns = source.columns;
  const file = createWriteStream(path);
  // A write error (a full disk, say) can come at any time; `failed` settles with the first one, so
  // that no wait on the zip stream can outlive it.
  let fileError: unknown = null;
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  const onError = (err: unknown) => {
    fileError ??= err;
    fail(err);
  };
  file.on('error', onError);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: file, useStyles: true, useSharedStrings: false });
  const zip = (workbook as unknown as { zip: NodeJS.EventEmitter & { abort?: () => void } }).zip;
  zip.on('error', onError);
  const rows = asyncIterator(source.rows);
  let truncated = 0;
  const cells = (row: unknown[]) =>
    row.map((v) => {
      const cell = xlsxCell(v);
      if (cell.truncated) truncated++;
      return cell.value;
    });
  let count = 0;
  try {
    const head: Array<ReturnType<typeof cells>> = [];
    for (let i = 0; i < WIDTH_SAMPLE_ROWS; i++) {
      const next = await rows.next();
      if (next.done) break;
      head.push(cells(next.value));
    }
    const widths = columns.map((name, i) => ({ width: fitWidth(name, head, i) }));
    const startSheet = (n: number): ExcelJS.Worksheet => {
      const sheet = workbook.addWorksheet(n === 1 ? 'Results' : `Results ${n}`, {
        views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
      });
      sheet.columns = widths;
      // Header names come from the CSV: they are cells like any other.
      const header = sheet.addRow(columns.map((name) => xlsxCell(name).value));
      header.font = { bold: true };
      header.commit();
      return sheet;
    };
    const endSheet = (sheet: ExcelJS.Worksheet, rowsIn: number): void => {
      sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: rowsIn + 1, column: columns.length } };
      sheet.commit();
    };
    let sheets = 1;
    let sheet = startSheet(sheets);
    let inSheet = 0;
    const add = async (values: ReturnType<typeof cells>) => {
      if (inSheet === rowsPerSheet) {
        endSheet(sheet, inSheet);
        sheet = startSheet(++sheets);
        inSheet = 0;
      }
      sheet.addRow(values).commit();
      inSheet++;
      count++;
      if (count % CHECK_EVERY_ROWS === 0) {
        do {
          await new Promise((resolve) => setImmediate(resolve));
          if (fileError) throw fileError;
        } while (zipBacklog(sheet) > MAX_BACKLOG_BYTES);
      }
    };
    for (const values of head) await add(values);
    head.length = 0;
    for (let next = await rows.next(); !next.done; next = await rows.next()) await add(cells(next.value));
    endSheet(sheet, inSheet);

    const run = workbook.addWorksheet('Run');
    run.columns = [{ width: 36 }, { width: 60 }];
    const runHeader = run.addRow(['Setting', 'Value']);
    runHeader.font = { bold: true };
    runHeader.commit();
    for (const [key, value] of source.settings) run.addRow([xlsxCell(key).value, xlsxCell(value).value]).commit();
    if (truncated > 0) {
      run.addRow([`Cells cut to ${XLSX_MAX_CELL_CHARS.toLocaleString('en-US')} characters (Excel's limit)`, truncated]).commit();
    }
    run.commit();
    await Promise.race([workbook.commit(), failed]);
    if (!file.closed) await Promise.race([closed(file), failed]);
  } catch (err) {
    await rows.return?.();
    zip.abort?.();
    if (!file.destroyed) file.destroy();
    if (!file.closed) await closed(file);
    throw err;
  }
  return count;
}

/**
 * Bytes of the sheet waiting for the zip stream: exceljs pipes each sheet's buffer into a
 * PassThrough (from archiver's readable-stream, which has no writableLength) that archiver reads.
 * Zero when that shape is not found, which leaves only the yielding to the event loop.
 */
function zipBacklog(sheet: ExcelJS.Worksheet): number {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  if (!Array.isArray(pipes) || pipes.length === 0) return 0;
  const dest = pipes[0] as { _writableState?: { length?: unknown }; _readableState?: { length?: unknown } };
  const writable = dest._writableState?.length;
  const readable = dest._readableState?.length;
  return (typeof writable === 'number' ? writable : 0) + (typeof readable === 'number' ? readable : 0);
}

function closed(file: WriteStream): Promise<void> {
  return new Promise((resolve) => file.once('close', () => resolve()));
}

function asyncIterator<T>(rows: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in rows) return rows[Symbol.asyncIterator]();
  const it = rows[Symbol.iterator]();
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}

/** Characters of the widest line among the header and the sampled values, within bounds. */
function fitWidth(name: string, sample: Array<Array<string | number | boolean | null>>, index: number): number {
  let widest = longestLine(name);
  for (const row of sample) {
    const v = row[index];
    if (v === null) continue;
    widest = Math.max(widest, typeof v === 'string' ? longestLine(v) : String(v).length);
    if (widest >= MAX_WIDTH) break;
  }
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widest + 2));
}

function longestLine(text: string): number {
  if (!text.includes('\n')) return text.length;
  let widest = 0;
  for (const line of text.split('\n')) widest = Math.max(widest, line.length);
  return widest;
}
