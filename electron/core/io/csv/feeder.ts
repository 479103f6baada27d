// The bytes of a CSV file (after its BOM) as UTF-8 for the parser, each chunk registered with the
// line tracker so that an error can name its line.
import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';
import type { CsvEncoding } from './detect-encoding.ts';
import { CsvImportError } from './errors.ts';
import { iconv } from './iconv.ts';
import type { LineTracker } from './line-tracker.ts';
import { firstInvalidUtf8, unfinishedTail } from './utf8.ts';

/** Bytes the line tracker may hold before the anchor is moved through blank lines. */
const TRACKER_SOFT_LIMIT = 4 * 1024 * 1024;

/**
 * Turns the file's bytes (after the BOM) into UTF-8 for the parser and registers every chunk with
 * the line tracker. UTF-8 input is validated and passed through; bytes that are not valid UTF-8
 * past the sniffed window stop the import with the line they are on.
 */
export function createFeeder(encoding: CsvEncoding, tracker: LineTracker, moveAnchor: () => void, nul: { seen: boolean }): Transform {
  let offset = 0;
  const track = (chunk: Buffer) => {
    if (tracker.retained > TRACKER_SOFT_LIMIT) moveAnchor();
    tracker.add(chunk);
    if (!nul.seen && chunk.includes(0)) nul.seen = true;
  };
  if (encoding === 'utf-8' || encoding === 'utf-8-bom') {
    let carry: Buffer = Buffer.alloc(0);
    const invalidAt = (data: Buffer, final: boolean): CsvImportError => {
      const at = Math.max(0, firstInvalidUtf8(data, final));
      const line = tracker.peek(offset - carry.length + at, data.subarray(carry.length));
      return new CsvImportError(
        'parse',
        `Line ${line} is not valid UTF-8 although the start of the file is. Save the file as UTF-8 and import it again.`,
        { line },
      );
    };
    return new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const tail = unfinishedTail(data);
        if (!isUtf8(data.subarray(0, data.length - tail))) return callback(invalidAt(data, false));
        carry = Buffer.from(data.subarray(data.length - tail));
        track(chunk);
        offset += chunk.length;
        callback(null, chunk);
      },
      flush(callback) {
        if (carry.length > 0) {
          const data = carry;
          return callback(invalidAt(data, true));
        }
        callback();
      },
    });
  }
  const decoder = iconv().getDecoder(encoding, { stripBOM: false });
  const emit = (stream: Transform, text: string | undefined) => {
    if (!text) return;
    const out = Buffer.from(text, 'utf8');
    track(out);
    offset += out.length;
    stream.push(out);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      emit(this, decoder.write(chunk));
      callback();
    },
    flush(callback) {
      emit(this, decoder.end());
      callback();
    },
  });
}
