export type CsvErrorCode =
  | 'empty'
  | 'not-a-file'
  | 'binary'
  | 'ragged'
  | 'unclosed-quote'
  | 'field-too-large'
  | 'too-many-columns'
  | 'parse'
  // a workbook's
  | 'unknown-sheet'
  | 'outside-header';

/**
 * A CSV file that cannot be imported. The message is meant for the user: it names the line (the
 * physical line where the offending record starts, 1-based) and the column where it can.
 */
export class CsvImportError extends Error {
  override name = 'CsvImportError';
  code: CsvErrorCode;
  /** 1-based physical line. */
  line?: number;
  /** 1-based column number. */
  column?: number;

  constructor(code: CsvErrorCode, message: string, where: { line?: number; column?: number } = {}) {
    super(message);
    this.code = code;
    if (where.line !== undefined) this.line = where.line;
    if (where.column !== undefined) this.column = where.column;
  }
}
