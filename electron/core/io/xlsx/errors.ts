// What the workbook reader says when it cannot go on; the same error type as the CSV reader's, so that
// every front reports an import's failure one way.
import { CsvImportError } from '../csv/errors.ts';

export function unknownSheet(wanted: string, sheets: string[]): CsvImportError {
  const names = sheets.map((s) => `"${s}"`).join(', ');
  return new CsvImportError('unknown-sheet', `The workbook has no sheet "${wanted}"; its sheets: ${names || 'none'}.`);
}

export function emptySheet(sheet: string): CsvImportError {
  return new CsvImportError('empty', `Sheet "${sheet}" is empty: it has no header row.`);
}

export function unreadableWorkbook(why: string): CsvImportError {
  return new CsvImportError('binary', `This file looks like an Excel workbook (.xlsx) but cannot be read: ${why}`);
}

export function oldExcel(): CsvImportError {
  return new CsvImportError('binary', 'This is an old Excel workbook (.xls), which cannot be read here: save it as .xlsx or CSV and import that.');
}

export function cellOutsideHeader(sheet: string, row: number, column: number, width: number): CsvImportError {
  return new CsvImportError(
    'outside-header',
    `Sheet "${sheet}", row ${row}, column ${columnLetter(column)}: the cell holds a value but the header names only ${width} ${width === 1 ? 'column' : 'columns'}. Give that column a name in the header row and import it again.`,
  );
}

/** 1 → A, 27 → AA. */
export function columnLetter(n: number): string {
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}
