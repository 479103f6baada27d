// One entry for every file a dataset comes from: a CSV (or TSV) or an .xlsx workbook, told apart by
// their first bytes (an upload keeps no name to go by). An old .xls is refused with what to do instead.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { previewCsv, readCsv, type CsvHeaderInfo } from './csv/index.ts';
import { oldExcel, readXlsx, type SheetHeaderInfo } from './xlsx/index.ts';
import type { RaggedPolicy } from '../../../shared/contract.ts';

export interface TableReadOptions {
  /** A CSV's rows whose field count differs from the header's. */
  ragged?: RaggedPolicy;
  /** A workbook's sheet by name; default its first. */
  sheet?: string;
}

export type TableHeaderInfo = CsvHeaderInfo | SheetHeaderInfo;
export type TableKind = 'csv' | 'xlsx' | 'xls';

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0];

/** What the file is by its first bytes; anything else is left to the CSV reader to judge. */
export async function tableKind(path: string): Promise<TableKind> {
  let handle;
  try {
    // Non-blocking, as the CSV reader opens: a named pipe must not wait here for a writer.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return 'csv'; // the CSV reader reports a missing or unreadable file in its words
  }
  try {
    if (!(await handle.stat()).isFile()) return 'csv';
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    const starts = (magic: number[]) => bytesRead === 4 && magic.every((b, i) => head[i] === b);
    if (starts(ZIP)) return 'xlsx';
    if (starts(OLE)) return 'xls';
    return 'csv';
  } catch {
    return 'csv';
  } finally {
    await handle.close();
  }
}

/** Streams a CSV or a workbook's sheet: the header first, then the rows in batches. */
export async function readTable(
  path: string,
  onHeader: (info: TableHeaderInfo) => void,
  onRows: (rows: string[][]) => void | Promise<void>,
  options: TableReadOptions = {},
): Promise<{ rowCount: number; info: TableHeaderInfo }> {
  const kind = await tableKind(path);
  if (kind === 'xls') throw oldExcel();
  if (kind === 'xlsx') return readXlsx(path, onHeader, onRows, { ...(options.sheet !== undefined ? { sheet: options.sheet } : {}) });
  return readCsv(path, onHeader, onRows, { ...(options.ragged ? { ragged: options.ragged } : {}) });
}

/** The header alone: enough to check a prompt's columns before a long import. */
export async function readTableHeader(path: string, options: TableReadOptions = {}): Promise<TableHeaderInfo> {
  const kind = await tableKind(path);
  if (kind === 'xls') throw oldExcel();
  if (kind === 'xlsx') return (await readXlsx(path, () => {}, () => {}, options.sheet !== undefined ? { sheet: options.sheet } : {}, 0)).info;
  return (await previewCsv(path, 1)).info;
}
