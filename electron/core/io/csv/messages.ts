// What the reader says about a file's rows: the notes of an import that went through, and the
// errors that stop one, each naming the lines (a few of them, then how many more).
import type { CsvError } from 'csv-parse';
import { CsvImportError } from './errors.ts';

export function rowNotes(
  state: {
    dataRecords: number;
    padded: number[];
    paddedCount: number;
    trimmed: number[];
    trimmedCount: number;
    skipped: Array<[number, number]>;
    skippedCount: number;
    emptyRows: number[];
    emptyRowCount: number;
  },
  width: number,
  wholeFile: boolean,
): string[] {
  const notes: string[] = [];
  if (wholeFile && state.dataRecords === 0 && state.emptyRowCount === 0) notes.push('The file has a header but no rows (0 rows).');
  if (state.paddedCount > 0) {
    notes.push(`Padded ${plural(state.paddedCount, 'short row')} with empty fields (${listLines(state.padded, state.paddedCount)}).`);
  }
  if (state.trimmedCount > 0) {
    notes.push(`Dropped empty extra fields at the end of ${plural(state.trimmedCount, 'row')} (${listLines(state.trimmed, state.trimmedCount)}).`);
  }
  if (state.skippedCount > 0) {
    notes.push(
      `Skipped ${plural(state.skippedCount, 'row')} whose number of fields differs from the header's ${width} (${listCounts(state.skipped, state.skippedCount)}).`,
    );
  }
  if (state.emptyRowCount > 0) {
    notes.push(`Skipped ${plural(state.emptyRowCount, 'empty row')} (${listLines(state.emptyRows, state.emptyRowCount)}).`);
  }
  return notes;
}

/** The file was not UTF-8 and showed no sign of it: what was assumed, and where it showed. */
export function windows1252Note(line: number): string {
  return `Line ${line} has bytes that are not UTF-8 and the file shows no UTF-8 beyond plain ASCII, so it was read as Windows-1252. If accented letters look wrong, save the file as UTF-8 and import it again.`;
}

/** A UTF-8 file with a few bytes that are not: where they were replaced, and how often. */
export function replacedNote(line: number, count: number): string {
  const more = count > 1 ? ` (and in ${(count - 1).toLocaleString('en-US')} more ${count === 2 ? 'place' : 'places'} after it)` : '';
  return `Line ${line}: bytes that are not UTF-8 were replaced with \uFFFD${more}.`;
}

const RAGGED_ADVICE = ' Fix the file, or choose to pad short rows or skip such rows.';

export function raggedError(failures: Array<[number, number]>, count: number, width: number): CsvImportError {
  const [firstLine, firstFields] = failures[0];
  const message =
    count === 1
      ? `Line ${firstLine} has ${firstFields} fields but the header has ${width}.`
      : `${count.toLocaleString('en-US')} rows have a number of fields that differs from the header's ${width}: ${listCounts(failures, count)}.`;
  return new CsvImportError('ragged', `${message}${RAGGED_ADVICE}`, { line: firstLine });
}

/**
 * Ragged rows and a problem that stopped the reading, in one error: padding or skipping rows would
 * not be enough, so the error takes the stopping problem's code (and no offer to pad is made).
 */
export function bothProblems(ragged: CsvImportError, fatal: CsvImportError): CsvImportError {
  const first = ragged.message.replace(RAGGED_ADVICE, '');
  return new CsvImportError(fatal.code, `The file has 2 problems. ${first} And: ${fatal.message} Fix the file and import it again.`, {
    ...(ragged.line !== undefined ? { line: ragged.line } : {}),
  });
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function listLines(lines: number[], count: number): string {
  const more = count - lines.length;
  return `${lines.length === 1 ? 'line' : 'lines'} ${lines.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}`;
}

function listCounts(items: Array<[number, number]>, count: number): string {
  const more = count - items.length;
  const shown = items.map(([line, fields]) => `line ${line} has ${fields}`).join(', ');
  return `${shown}${more > 0 ? `, and ${more.toLocaleString('en-US')} more` : ''}`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n.toLocaleString('en-US')} bytes`;
}

export function fromParserError(
  err: CsvError & Record<string, unknown>,
  at: {
    startLine: () => number;
    lineAt: (offset: number) => number;
    columnLabel: (index: number) => string;
    fieldBytes: number;
    quoting: boolean;
    maxFieldBytes: number;
  },
): CsvImportError {
  const startLine = at.startLine();
  const index = typeof err.index === 'number' ? err.index : 0;
  // The current field starts right after the delimiter that ended the previous one.
  const fieldLine = index > 0 && typeof err.bytes === 'number' ? Math.max(startLine, at.lineAt(err.bytes)) : startLine;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvImportError(
        'unclosed-quote',
        `Line ${fieldLine}, ${at.columnLabel(index)}: a quote opens here and is never closed.`,
        { line: fieldLine, column: index + 1 },
      );
    case 'CSV_MAX_RECORD_SIZE':
      if (at.fieldBytes > at.maxFieldBytes) {
        const hint = at.quoting ? ' Perhaps a quote opens there and is never closed.' : '';
        return new CsvImportError(
          'field-too-large',
          `Line ${fieldLine}, ${at.columnLabel(index)}: the field is larger than ${formatBytes(at.maxFieldBytes)}.${hint}`,
          { line: fieldLine, column: index + 1 },
        );
      }
      return new CsvImportError('field-too-large', `Line ${startLine}: the row is too large (over ${formatBytes(Math.max(4 * at.maxFieldBytes, 1024 * 1024))}).`, {
        line: startLine,
      });
    default:
      return new CsvImportError('parse', `Line ${startLine}: ${err.message}`, { line: startLine });
  }
}
