import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse, CsvError, type Options as ParseOptions } from 'csv-parse';
import { CsvImportError } from './errors.ts';
import { detectEncoding, readHead, type CsvEncoding } from './detect-encoding.ts';
import { detectDelimiter, DELIMITERS, type CsvDelimiter } from './detect-delimiter.ts';
import { uniqueColumns } from './header.ts';
import { LineTracker } from './line-tracker.ts';
import { createFeeder, type Utf8Repair } from './feeder.ts';
import { bothProblems, formatBytes, fromParserError, raggedError, replacedNote, rowNotes, windows1252Note } from './messages.ts';
import type { RaggedPolicy } from '../../../../shared/contract.ts';

export type { RaggedPolicy };

export interface CsvReadOptions {
  /** What to do with a row whose number of fields differs from the header's. Default 'error'. */
  ragged?: RaggedPolicy;
  /** Use this delimiter instead of detecting it. */
  delimiter?: string;
  /** Largest field in bytes (UTF-8). Default 16 MiB. */
  maxFieldBytes?: number;
  /** Most fields in a record. Default 20,000. */
  maxColumns?: number;
}

export interface CsvHeaderInfo {
  /** Unique, non-blank: a blank name becomes "column_3", a repeated one "name_2". */
  columns: string[];
  /** Sentences for the user: the encoding assumed or repaired, renamed headers, padded or skipped rows, an empty body. */
  notes: string[];
  delimiter: CsvDelimiter;
  encoding: CsvEncoding;
}

export const DEFAULT_MAX_FIELD_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_COLUMNS = 20_000;
/** A batch closes at this many rows or characters, whichever comes first. */
const BATCH_ROWS = 1000;
const BATCH_CHARS = 4 * 1024 * 1024;
/** How many line numbers a note or an error lists. */
const LISTED = 5;

/**
 * Streams a CSV file: `onHeader` gets the header first, then `onRows` gets the rows in batches
 * (each row aligned to the columns; `firstLine` is the physical line of the batch's first row).
 * A returned promise is awaited before reading on. The file is read once with flat memory; blank
 * lines and rows of only empty fields are skipped. Throws CsvImportError naming the line (and the
 * column where it can); rows delivered before an error are to be discarded by the caller.
 * The returned info carries every note, including those known only at the end.
 */
export async function readCsv(
  path: string,
  onHeader: (info: CsvHeaderInfo) => void,
  onRows: (rows: string[][], firstLine: number) => void | Promise<void>,
  options: CsvReadOptions = {},
): Promise<{ rowCount: number; info: CsvHeaderInfo }> {
  return read(path, onHeader, onRows, options, Infinity);
}

/** The header and the first `limit` rows (default 100), for previews and tests. */
export async function previewCsv(
  path: string,
  limit = 100,
  options: CsvReadOptions = {},
): Promise<{ info: CsvHeaderInfo; rows: string[][] }> {
  const rows: string[][] = [];
  const { info } = await read(
    path,
    () => {},
    (batch) => {
      for (const row of batch) rows.push(row);
    },
    options,
    Math.max(0, limit),
  );
  return { info, rows: rows.slice(0, limit) };
}

/** The parts of csv-parse's internal state read here (csv-parse 7). */
interface ParserState {
  record?: unknown[];
  field?: { length: number };
  quoting?: boolean;
  wasQuoting?: boolean;
  bufBytesStart?: number;
}

interface ParsedRecord {
  record: string[];
  line: number;
}

function checkOptions(options: CsvReadOptions): Required<Omit<CsvReadOptions, 'delimiter'>> {
  const ragged = options.ragged ?? 'error';
  if (!['error', 'pad', 'skip'].includes(ragged)) throw new RangeError(`ragged must be 'error', 'pad' or 'skip', not ${JSON.stringify(ragged)}`);
  const maxFieldBytes = options.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  if (!Number.isInteger(maxFieldBytes) || maxFieldBytes < 1) throw new RangeError('maxFieldBytes must be a positive integer');
  if (!Number.isInteger(maxColumns) || maxColumns < 1) throw new RangeError('maxColumns must be a positive integer');
  if (options.delimiter !== undefined && !DELIMITERS.includes(options.delimiter as CsvDelimiter)) {
    throw new RangeError(`delimiter must be one of , ; tab |, not ${JSON.stringify(options.delimiter)}`);
  }
  return { ragged, maxFieldBytes, maxColumns };
}

async function read(
  path: string,
  onHeader: (info: CsvHeaderInfo) => void,
  onRows: (rows: string[][], firstLine: number) => void | Promise<void>,
  options: CsvReadOptions,
  limit: number,
): Promise<{ rowCount: number; info: CsvHeaderInfo }> {
  const { ragged, maxFieldBytes, maxColumns } = checkOptions(options);
  const head = await readHead(path);
  const sniff = detectEncoding(head.bytes, head.complete);
  const delimiter = (options.delimiter as CsvDelimiter | undefined) ?? detectDelimiter(sniff.sample, sniff.complete);
  // Bytes that are not UTF-8 are said out loud: where the file was taken for Windows-1252, or where
  // in a UTF-8 file they were replaced (known from the first window, then counted as they stream by).
  const repair: Utf8Repair = { replace: sniff.utf8Evidence, count: 0, firstLine: 0 };
  const line = sniff.firstNonUtf8Line;
  const sniffedNote =
    line === undefined ? null : sniff.encoding === 'windows-1252' ? windows1252Note(line) : replacedNote(line, 1);
  const encodingNotes = (): string[] =>
    repair.count > 0 ? [replacedNote(repair.firstLine, repair.count)] : sniffedNote === null ? [] : [sniffedNote];

  const tracker = new LineTracker();
  // The anchor is a point between records (the end of the last record, or a point in a run of
  // blank lines) whose line is known; the next record starts as many lines after it as csv-parse
  // skipped blank lines since.
  const anchor = { offset: 0, line: 1, emptyLines: 0 };
  // Column names for messages, known to the parser as soon as it has passed the header.
  let headerNames: string[] | null = null;
  const columnLabel = (index: number): string => {
    const name = headerNames?.[index];
    return name === undefined ? `column ${index + 1}` : `column ${index + 1} ("${name}")`;
  };
  // Fields are checked in characters first; a character is at most 3 UTF-8 bytes.
  const charThreshold = Math.floor(maxFieldBytes / 3);
  // Set by the feeder once a NUL byte has passed (a cheap scan of each chunk); from then on every
  // record's fields are searched for it, so the error can name the line and the column.
  const nul = { seen: false };

  const parserOptions: ParseOptions<ParsedRecord, string[]> = {
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    bom: false,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    // Bounds the memory of one record (a never-closed quote, a huge line); fields are checked below.
    max_record_size: Math.max(4 * maxFieldBytes, 1024 * 1024),
    // A record holds at most maxColumns + 1 fields: the rest of an endless line stays in the last one.
    ignore_last_delimiters: maxColumns + 1,
    on_record: (record: string[], context): ParsedRecord => {
      const line = anchor.line + (context.empty_lines - anchor.emptyLines);
      anchor.offset = context.bytes;
      anchor.line = tracker.advance(context.bytes);
      anchor.emptyLines = context.empty_lines;
      if (headerNames === null && record.length <= maxColumns && !isBlank(record)) headerNames = uniqueColumns(record).columns;
      if (record.length > maxColumns) {
        throw new CsvImportError('too-many-columns', `Line ${line} has more than ${maxColumns.toLocaleString('en-US')} fields.`, { line });
      }
      if (nul.seen) {
        for (let i = 0; i < record.length; i++) {
          if (record[i].includes('\u0000')) {
            throw new CsvImportError(
              'binary',
              `Line ${line}, ${columnLabel(i)}: the field holds a NUL byte, which no text file has. The file may be damaged, or not a CSV file.`,
              { line, column: i + 1 },
            );
          }
        }
      }
      for (let i = 0; i < record.length; i++) {
        const field = record[i];
        if (field.length > charThreshold && Buffer.byteLength(field) > maxFieldBytes) {
          throw new CsvImportError(
            'field-too-large',
            `Line ${line}, ${columnLabel(i)}: the field is larger than ${formatBytes(maxFieldBytes)}.`,
            { line, column: i + 1 },
          );
        }
      }
      return { record, line };
    },
  };
  // csv-parse types on_record as returning a record; here it returns the record with its line.
  const parser = parse(parserOptions as unknown as ParseOptions);

  // Without records (a flood of blank lines) the anchor would stay put and the tracker would keep
  // every chunk; so when much is held, the anchor moves to where the parser stands, provided it
  // stands between records: then everything it consumed since the anchor was blank lines.
  const moveAnchor = () => {
    const st = (parser as unknown as { state?: ParserState }).state;
    if (!st || !Array.isArray(st.record) || typeof st.bufBytesStart !== 'number') return;
    if (st.record.length !== 0 || st.field?.length !== 0 || st.quoting !== false || st.wasQuoting !== false) return;
    if (st.bufBytesStart <= anchor.offset) return;
    anchor.offset = st.bufBytesStart;
    anchor.line = tracker.advance(st.bufBytesStart);
    anchor.emptyLines = parser.info.empty_lines;
  };

  const state = {
    columns: [] as string[],
    headerNotes: [] as string[],
    rowCount: 0,
    dataRecords: 0,
    raggedFailures: [] as Array<[line: number, fields: number]>,
    raggedFailureCount: 0,
    padded: [] as number[],
    paddedCount: 0,
    trimmed: [] as number[],
    trimmedCount: 0,
    skipped: [] as Array<[line: number, fields: number]>,
    skippedCount: 0,
    emptyRows: [] as number[],
    emptyRowCount: 0,
  };
  let columns: string[] | null = null;
  let info: CsvHeaderInfo | null = null;
  // Set when enough rows were read for a preview: the error of the streams torn down is expected.
  let stopped = false;

  const consume = async (source: AsyncIterable<ParsedRecord>): Promise<void> => {
    let batch: string[][] = [];
    let batchChars = 0;
    let batchLine = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      batchChars = 0;
      state.rowCount += rows.length;
      await onRows(rows, batchLine);
    };
    for await (const { record, line } of source) {
      if (isBlank(record)) {
        if (columns !== null && record.length > 1) {
          state.emptyRowCount++;
          if (state.emptyRows.length < LISTED) state.emptyRows.push(line);
        }
        continue;
      }
      if (columns === null) {
        const unique = uniqueColumns(record);
        columns = unique.columns;
        state.columns = unique.columns;
        state.headerNotes = unique.notes;
        info = { columns: [...unique.columns], notes: [...encodingNotes(), ...unique.notes], delimiter, encoding: sniff.encoding };
        onHeader({ ...info, columns: [...info.columns], notes: [...info.notes] });
        if (limit === 0) {
          stopped = true;
          break;
        }
        continue;
      }
      state.dataRecords++;
      const width = columns.length;
      let row = record;
      if (record.length !== width) {
        if (ragged === 'error') {
          state.raggedFailureCount++;
          if (state.raggedFailures.length < LISTED) state.raggedFailures.push([line, record.length]);
        } else if (ragged === 'skip') {
          state.skippedCount++;
          if (state.skipped.length < LISTED) state.skipped.push([line, record.length]);
          row = [];
        } else if (record.length < width) {
          while (row.length < width) row.push('');
          state.paddedCount++;
          if (state.padded.length < LISTED) state.padded.push(line);
        } else {
          for (let i = width; i < record.length; i++) {
            if (record[i].trim() !== '') {
              throw new CsvImportError(
                'ragged',
                `Line ${line} has ${record.length} fields but the header has ${width}, and the extra ${columnLabel(i)} is not empty, so the row cannot be padded.`,
                { line, column: i + 1 },
              );
            }
          }
          row.length = width;
          state.trimmedCount++;
          if (state.trimmed.length < LISTED) state.trimmed.push(line);
        }
      }
      // After the first ragged row under 'error' nothing more is delivered; the scan goes on only
      // to list the other ragged lines in the error.
      if (state.raggedFailureCount === 0 && row.length === width) {
        if (batch.length === 0) batchLine = line;
        batch.push(row);
        for (let i = 0; i < row.length; i++) batchChars += row[i].length;
        if (batch.length >= BATCH_ROWS || batchChars >= BATCH_CHARS) await flush();
      }
      if (state.dataRecords >= limit) {
        stopped = true;
        break;
      }
    }
    if (state.raggedFailureCount === 0) await flush();
  };

  // The parser takes in a whole chunk before the consumer can stop it: a preview of a few rows reads
  // small chunks, so that it does not parse a thousand rows to show one.
  const input = createReadStream(path, { start: sniff.bomLength, highWaterMark: limit <= 100 ? 8 * 1024 : 64 * 1024 });
  try {
    await pipeline(input, createFeeder(sniff.encoding, tracker, moveAnchor, nul, repair), parser, consume);
  } catch (err) {
    let fatal = err;
    if (!stopped && err instanceof CsvError) {
      const emptyLines = (err as CsvError & { empty_lines?: unknown }).empty_lines;
      fatal = fromParserError(err as CsvError & Record<string, unknown>, {
        startLine: () => anchor.line + (typeof emptyLines === 'number' ? emptyLines - anchor.emptyLines : 0),
        lineAt: (offset) => tracker.peek(offset),
        columnLabel,
        fieldBytes: (parser as unknown as { state?: ParserState }).state?.field?.length ?? 0,
        quoting: (parser as unknown as { state?: ParserState }).state?.quoting === true,
        maxFieldBytes,
      });
    }
    if (state.raggedFailureCount > 0) {
      // Every problem of the file at once: the ragged rows, then what stopped the reading.
      const ragged = raggedError(state.raggedFailures, state.raggedFailureCount, state.columns.length);
      throw fatal instanceof CsvImportError ? bothProblems(ragged, fatal) : ragged;
    }
    if (!stopped) throw fatal;
  }
  if (state.raggedFailureCount > 0) throw raggedError(state.raggedFailures, state.raggedFailureCount, state.columns.length);
  if (info === null) throw new CsvImportError('empty', 'The file is empty: it has only blank lines.');
  const final: CsvHeaderInfo = info;
  final.notes = [...encodingNotes(), ...state.headerNotes, ...rowNotes(state, final.columns.length, !stopped)];
  return { rowCount: state.rowCount, info: final };
}

function isBlank(record: string[]): boolean {
  for (let i = 0; i < record.length; i++) {
    const f = record[i];
    if (f.length !== 0 && f.trim() !== '') return false;
  }
  return true;
}
