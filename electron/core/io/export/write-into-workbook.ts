// "Add answers to my spreadsheet": the user's own workbook with the run's output columns appended to
// its data sheet, saved as a new file. Everything else (other sheets, column widths, styles) is kept
// because the workbook is loaded whole with exceljs and written back; exceljs cannot edit a workbook
// as a stream, so this holds the workbook in memory, as the spreadsheet app that made it did.
import type ExcelJS from 'exceljs';
import { loadExcelJs } from '../xlsx/exceljs.ts';
import { cellText } from '../xlsx/cell-text.ts';
import { writeAtomically } from './atomic.ts';
import { IntoWorkbookError } from './into-error.ts';
import { xlsxCell } from './safe-cell.ts';
import type { ExportRow } from './types.ts';


export interface IntoWorkbookSource {
  /** The workbook to add to (never written). */
  workbook: string;
  /** Its data sheet; default the first visible one, as the import reads. */
  sheet?: string;
  outputColumns: string[];
  /** The run's rows in input order: the n-th answers the sheet's n-th data row. */
  rows: Iterable<ExportRow> | AsyncIterable<ExportRow>;
}

/** Where the data sits in a sheet: the header row, its width, and the rows with a value below it. */
export interface SheetLayout {
  headerRow: number;
  width: number;
  dataRows: number[];
}

const MIN_WIDTH = 10;
const MAX_WIDTH = 40;

export async function writeIntoWorkbook(source: IntoWorkbookSource, out: string): Promise<{ rows: number; path: string }> {
  const ExcelJS = await loadExcelJs();
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(source.workbook);
  } catch (err) {
    throw new IntoWorkbookError(`${source.workbook} cannot be read as an .xlsx workbook: ${(err as Error).message}`);
  }
  const sheet = pickSheet(workbook, source.sheet);
  const layout = sheetLayout(sheet);
  const header = sheet.getRow(layout.headerRow);
  const names = headerNames(header, layout.width);
  const lastHeader = header.getCell(Math.max(1, layout.width));
  const lastColumn = sheet.getColumn(Math.max(1, layout.width));

  const columns = source.outputColumns.map((name, k) => {
    const index = layout.width + 1 + k;
    let final = name;
    for (let n = 1; names.has(final); n++) final = n === 1 ? `${name}_output` : `${name}_output_${n}`;
    names.add(final);
    const cell = header.getCell(index);
    cell.value = xlsxCell(final).value;
    // The new header looks like the sheet's own.
    cell.style = structuredClone(lastHeader.style ?? {});
    sheet.getColumn(index).width = Math.min(MAX_WIDTH, Math.max(lastColumn.width ?? MIN_WIDTH, final.length + 2));
    return { name, index };
  });

  let count = 0;
  for await (const row of source.rows) {
    if (count < layout.dataRows.length) {
      const target = sheet.getRow(layout.dataRows[count]);
      const output: Record<string, unknown> = row.output ?? {};
      for (const c of columns) target.getCell(c.index).value = xlsxCell(Object.hasOwn(output, c.name) ? output[c.name] : null).value;
    }
    count++;
  }
  if (count !== layout.dataRows.length) throw rowCountMismatch(sheet.name, source.workbook, layout.dataRows.length, count);
  await writeAtomically(out, (partial) => workbook.xlsx.writeFile(partial));
  return { rows: count, path: out };
}

export function rowCountMismatch(sheet: string, workbook: string, sheetRows: number, runRows: number): IntoWorkbookError {
  return new IntoWorkbookError(
    `Sheet "${sheet}" of ${workbook} has ${plural(sheetRows, 'row')} but the run has ${plural(runRows, 'row')}: answers are matched to rows by position, so add them to the workbook the run read.`,
  );
}

function pickSheet(workbook: ExcelJS.Workbook, wanted: string | undefined): ExcelJS.Worksheet {
  const sheets = workbook.worksheets;
  if (wanted !== undefined) {
    const found = sheets.find((s) => s.name === wanted);
    if (!found) throw new IntoWorkbookError(`The workbook has no sheet "${wanted}"; its sheets: ${sheets.map((s) => `"${s.name}"`).join(', ')}.`);
    return found;
  }
  const first = sheets.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden') ?? sheets[0];
  if (!first) throw new IntoWorkbookError('The workbook has no sheets.');
  return first;
}

/** The same rows the import reads: the first row with a value is the header, rows with none are skipped. */
export function sheetLayout(sheet: ExcelJS.Worksheet): SheetLayout {
  let headerRow = 0;
  let width = 0;
  const dataRows: number[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const texts: string[] = [];
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      texts[col - 1] = cellText(cell.value);
    });
    let last = -1;
    for (let i = 0; i < texts.length; i++) if (texts[i] !== undefined && texts[i].trim() !== '') last = i;
    if (last < 0) return;
    if (headerRow === 0) {
      headerRow = number;
      width = last + 1;
    } else dataRows.push(number);
  });
  if (headerRow === 0) throw new IntoWorkbookError(`Sheet "${sheet.name}" is empty: it has no header row.`);
  return { headerRow, width, dataRows };
}

function headerNames(header: ExcelJS.Row, width: number): Set<string> {
  const names = new Set<string>();
  for (let c = 1; c <= width; c++) names.add(cellText(header.getCell(c).value).trim());
  return names;
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
