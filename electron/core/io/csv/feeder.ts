// The bytes of a CSV file (after its BOM) as UTF-8 for the parser, each chunk registered with the
// line tracker so that an error can name its line.
import { isAscii, isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';
import type { CsvEncoding } from './detect-encoding.ts';
import { CsvImportError } from './errors.ts';
import { iconv } from './iconv.ts';
import type { LineTracker } from './line-tracker.ts';
import { firstInvalidUtf8, unfinishedTail, utf8Census } from './utf8.ts';

/** Bytes the line tracker may hold before the anchor is moved through blank lines. */
const TRACKER_SOFT_LIMIT = 4 * 1024 * 1024;
const REPLACEMENT = Buffer.from('\uFFFD', 'utf8');

/** How a UTF-8 file's bytes that are not UTF-8 are handled, and what was replaced. */
export interface Utf8Repair {
  /**
   * Replace them with U+FFFD (the file is known to be UTF-8: a BOM, or a multi-byte sequence seen
   * before them); else they stop the import, since the file may be in another encoding.
   */
  replace: boolean;
  /** Replacements made, and the line of the first. */
  count: number;
  firstLine: number;
}

/**
 * Turns the file's bytes (after the BOM) into UTF-8 for the parser and registers every chunk with
 * the line tracker. UTF-8 input is validated and passed through; bytes that are not valid UTF-8
 * are replaced (see Utf8Repair) or stop the import with the line they are on.
 */
export function createFeeder(
  encoding: CsvEncoding,
  tracker: LineTracker,
  moveAnchor: () => void,
  nul: { seen: boolean },
  repair: Utf8Repair = { replace: false, count: 0, firstLine: 0 },
): Transform {
  let offset = 0;
  const track = (chunk: Buffer) => {
    if (tracker.retained > TRACKER_SOFT_LIMIT) moveAnchor();
    tracker.add(chunk);
    if (!nul.seen && chunk.includes(0)) nul.seen = true;
  };
  const emit = (stream: Transform, out: Buffer) => {
    if (out.length === 0) return;
    track(out);
    offset += out.length;
    stream.push(out);
  };
  if (encoding === 'utf-8' || encoding === 'utf-8-bom') {
    // The unfinished sequence at the end of the last chunk, held back until the next one completes it.
    let carry: Buffer = Buffer.alloc(0);
    const invalidAt = (data: Buffer, final: boolean): CsvImportError => {
      const at = Math.max(0, firstInvalidUtf8(data, final));
      const line = tracker.peek(offset + at, data);
      return new CsvImportError(
        'parse',
        `Line ${line} is not valid UTF-8 although the start of the file is. Save the file as UTF-8 and import it again.`,
        { line },
      );
    };
    const replaced = (data: Buffer): Buffer => {
      if (repair.count === 0) repair.firstLine = tracker.peek(offset + Math.max(0, firstInvalidUtf8(data, true)), data);
      const out = Buffer.from(data.toString('utf8'), 'utf8');
      repair.count += occurrences(out, REPLACEMENT) - occurrences(data, REPLACEMENT);
      return out;
    };
    return new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const tail = unfinishedTail(data);
        const body = data.subarray(0, data.length - tail);
        carry = Buffer.from(data.subarray(data.length - tail));
        if (isUtf8(body)) {
          if (!repair.replace && !isAscii(body)) repair.replace = true;
          emit(this, body);
          return callback();
        }
        repair.replace ||= utf8Census(body.subarray(0, firstInvalidUtf8(body, true)), true).multiByte > 0;
        if (repair.replace) emit(this, replaced(body));
        else return callback(invalidAt(data, false));
        callback();
      },
      flush(callback) {
        // A file that ends mid-sequence; what came before it decided whether it is known to be UTF-8.
        if (carry.length > 0) {
          if (!repair.replace) return callback(invalidAt(carry, true));
          emit(this, replaced(carry));
        }
        callback();
      },
    });
  }
  const decoder = iconv().getDecoder(encoding, { stripBOM: false });
  const emitText = (stream: Transform, text: string | undefined) => {
    if (text) emit(stream, Buffer.from(text, 'utf8'));
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      emitText(this, decoder.write(chunk));
      callback();
    },
    flush(callback) {
      emitText(this, decoder.end());
      callback();
    },
  });
}

function occurrences(buf: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) n++;
  return n;
}
