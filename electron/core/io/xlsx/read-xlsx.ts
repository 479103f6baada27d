// Reads one sheet of an .xlsx workbook with exceljs's streaming reader, so memory stays flat however
// many rows it has (only the workbook's shared strings are held). The first row that is not blank is
// the header; blank rows are skipped (those between rows with a note); merged cells keep their value
// in the top-left cell only and leave the others empty, as Excel's own "Save as CSV" does.
import type { CellValue, Row } from 'exceljs';
import { loadExcelJs } from './exceljs.ts';
import { CsvImportError } from '../csv/errors.ts';
import { uniqueColumns } from '../csv/header.ts';
import { cellOutsideHeader, emptySheet, unknownSheet, unreadableWorkbook } from './errors.ts';
import { cellText } from './cell-text.ts';

export interface XlsxReadOptions {
  /** The sheet to read, by name; default the workbook's first visible sheet. */
  sheet?: string;
}

export interface SheetHeaderInfo {
  columns: string[];
  notes: string[];
  /** A workbook has no delimiter. */
  delimiter: '';
  encoding: 'xlsx';
  /** The sheet read, and every sheet of the workbook in tab order. */
  sheet: string;
  sheets: string[];
}

const BATCH_ROWS = 1000;
/** How many row numbers a note lists. */
const LISTED = 5;

interface SheetRef {
  name: string;
  state?: string;
}
/** What exceljs's reader holds beyond its typings: the workbook's sheets once read, the file stream. */
interface ReaderInternals {
  model?: { sheets?: SheetRef[] };
  stream?: { destroy(): void };
}

export async function readXlsx(
  path: string,
  onHeader: (info: SheetHeaderInfo) => void,
  onRows: (rows: string[][], firstRow: number) => void | Promise<void>,
  options: XlsxReadOptions = {},
  limit = Infinity,
): Promise<{ rowCount: number; info: SheetHeaderInfo }> {
  const ExcelJS = await loadExcelJs();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const internals = reader as unknown as ReaderInternals;
  const sheetNames = (): string[] => (internals.model?.sheets ?? []).map((s) => s.name);
  const firstSheet = (): string | undefined => {
    const sheets = internals.model?.sheets ?? [];
    return (sheets.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden') ?? sheets[0])?.name;
  };
  let result: { rowCount: number; info: SheetHeaderInfo; stopped: boolean } | null = null;
  // The caller's own failures (and this reader's errors) pass through; only exceljs's are the workbook's.
  const passed = { error: null as unknown };
  const pass = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
    try {
      return f(...a);
    } catch (err) {
      passed.error = err;
      throw err;
    }
  };
  const safeRows = async (rows: string[][], firstRow: number): Promise<void> => {
    try {
      await onRows(rows, firstRow);
    } catch (err) {
      passed.error = err;
      throw err;
    }
  };
  try {
    for await (const worksheet of reader) {
      const name = (worksheet as unknown as { name?: string }).name;
      if (result !== null || name === undefined || name !== (options.sheet ?? firstSheet())) {
        // Another sheet: its entry is read through so that the archive moves on.
        for await (const _row of worksheet) void _row;
        continue;
      }
      result = await readSheet(worksheet, name, sheetNames(), pass(onHeader), safeRows, limit);
      if (result.stopped) break;
    }
  } catch (err) {
    if (err === passed.error || err instanceof CsvImportError) throw err;
    throw unreadableWorkbook(err instanceof Error ? err.message : String(err));
  } finally {
    internals.stream?.destroy();
  }
  if (result === null) {
    const sheets = sheetNames();
    if (sheets.length === 0) throw unreadableWorkbook('it holds no sheets.');
    throw options.sheet !== undefined ? unknownSheet(options.sheet, sheets) : emptySheet(firstSheet() ?? sheets[0]);
  }
  return { rowCount: result.rowCount, info: result.info };
}

async function readSheet(
  worksheet: AsyncIterable<Row>,
  sheet: string,
  sheets: string[],
  onHeader: (info: SheetHeaderInfo) => void,
  onRows: (rows: string[][], firstRow: number) => void | Promise<void>,
  limit: number,
): Promise<{ rowCount: number; info: SheetHeaderInfo; stopped: boolean }> {
  let info: SheetHeaderInfo | null = null;
  let headerNotes: string[] = [];
  let width = 0;
  let rowCount = 0;
  let batch: string[][] = [];
  let batchRow = 0;
  // Blank rows seen since the last row with a value (a row the file leaves out is blank too): between
  // rows they earn a note, at the end none.
  let pending = { rows: [] as number[], count: 0 };
  const blank = { rows: [] as number[], count: 0 };
  let lastRow = 0;
  const addBlank = (from: number, to: number) => {
    if (info === null || to < from) return;
    for (let r = from; r <= to && pending.rows.length < LISTED; r++) pending.rows.push(r);
    pending.count += to - from + 1;
  };
  let stopped = false;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    rowCount += rows.length;
    await onRows(rows, batchRow);
  };

  for await (const row of worksheet) {
    const texts = rowTexts(row);
    addBlank(lastRow + 1, row.number - 1);
    lastRow = row.number;
    if (texts.every((t) => t.trim() === '')) {
      addBlank(row.number, row.number);
      continue;
    }
    if (info === null) {
      width = lastFilled(texts) + 1;
      const unique = uniqueColumns(texts.slice(0, width));
      headerNotes = unique.notes;
      info = { columns: unique.columns, notes: [...unique.notes], delimiter: '', encoding: 'xlsx', sheet, sheets };
      onHeader({ ...info, columns: [...info.columns], notes: [...info.notes], sheets: [...sheets] });
      if (limit === 0) {
        stopped = true;
        break;
      }
      continue;
    }
    for (const r of pending.rows) if (blank.rows.length < LISTED) blank.rows.push(r);
    blank.count += pending.count;
    pending = { rows: [], count: 0 };
    for (let c = width; c < texts.length; c++) {
      if (texts[c].trim() !== '') throw cellOutsideHeader(sheet, row.number, c + 1, width);
    }
    const cells = texts.slice(0, width);
    while (cells.length < width) cells.push('');
    if (batch.length === 0) batchRow = row.number;
    batch.push(cells);
    if (batch.length >= BATCH_ROWS) await flush();
    if (rowCount + batch.length >= limit) {
      stopped = true;
      break;
    }
  }
  await flush();
  if (info === null) throw emptySheet(sheet);
  const notes = [...headerNotes];
  if (sheets.length > 1) notes.unshift(`Read sheet "${sheet}" of ${sheets.length}: ${sheets.map((s) => `"${s}"`).join(', ')}.`);
  if (!stopped && rowCount === 0) notes.push('The sheet has a header but no rows (0 rows).');
  if (blank.count > 0) {
    const more = blank.count - blank.rows.length;
    notes.push(
      `Skipped ${blank.count.toLocaleString('en-US')} empty ${blank.count === 1 ? 'row' : 'rows'} (${blank.rows.length === 1 ? 'row' : 'rows'} ${blank.rows.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}).`,
    );
  }
  return { rowCount, info: { ...info, notes }, stopped };
}

/** The row's cells as text, column A first; cells the row does not hold are empty. */
function rowTexts(row: Row): string[] {
  const values = row.values as CellValue[];
  const texts: string[] = [];
  for (let c = 1; c < values.length; c++) {
    const v = values[c];
    // A formula's cached result is a bare number even where the cell is formatted as a date.
    const isFormula = v !== null && typeof v === 'object' && ('formula' in v || 'sharedFormula' in v);
    texts.push(v === null || v === undefined ? '' : cellText(v, isFormula ? row.getCell(c).numFmt : undefined));
  }
  return texts;
}

function lastFilled(texts: string[]): number {
  for (let i = texts.length - 1; i >= 0; i--) if (texts[i].trim() !== '') return i;
  return -1;
}
