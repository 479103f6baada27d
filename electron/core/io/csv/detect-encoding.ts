import { isAscii } from 'node:buffer';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { CsvImportError } from './errors.ts';
import { iconv } from './iconv.ts';
import { LineTracker } from './line-tracker.ts';
import { utf8Census } from './utf8.ts';

export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** How many leading bytes decide the encoding, the delimiter and whether the file is text at all. */
export const SNIFF_BYTES = 64 * 1024;

export interface SniffResult {
  encoding: CsvEncoding;
  /** Bytes of byte-order mark to skip before decoding. */
  bomLength: number;
  /** The sniffed bytes decoded (without the BOM): what delimiter detection looks at. */
  sample: string;
  /** True when the sample is the whole file. */
  complete: boolean;
  /**
   * Whether the file is known to be UTF-8 beyond ASCII (a BOM, or a multi-byte sequence in the
   * window): then bytes that are not UTF-8 are replaced with U+FFFD rather than refused.
   */
  utf8Evidence: boolean;
  /** The line of the first byte in the window that is not UTF-8, when there is one. */
  firstNonUtf8Line?: number;
}

/** Reads the first SNIFF_BYTES of a file; refuses anything but a regular file. */
export async function readHead(path: string): Promise<{ bytes: Buffer; complete: boolean }> {
  const notAFile = () => new CsvImportError('not-a-file', 'This is not a file that can be imported: it is a folder, a device, a socket or a pipe.');
  // Non-blocking, so that opening a named pipe cannot wait for a writer that never comes.
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch((err: NodeJS.ErrnoException) => {
    // A socket (ENXIO), a device without a driver (ENODEV), a pipe that would block (EAGAIN).
    throw ['ENXIO', 'ENODEV', 'EAGAIN', 'EWOULDBLOCK'].includes(err.code ?? '') ? notAFile() : err;
  });
  try {
    if (!(await handle.stat()).isFile()) throw notAFile();
    const buffer = Buffer.alloc(SNIFF_BYTES + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // One byte past the window tells whether the window is the whole file.
    const complete = filled <= SNIFF_BYTES;
    return { bytes: buffer.subarray(0, Math.min(filled, SNIFF_BYTES)), complete };
  } finally {
    await handle.close();
  }
}

const MAGIC: Array<[number[], string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive or an Excel workbook (.xlsx); save it as CSV first'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Excel workbook (.xls); save it as CSV first'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x1f, 0x8b], 'a gzip archive; decompress it first'],
];

function binaryError(what?: string): CsvImportError {
  return new CsvImportError(
    'binary',
    what ? `This is not a CSV file: it looks like ${what}.` : 'This is not a CSV file: its content is binary, not text.',
  );
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.length <= bytes.length && prefix.every((b, i) => bytes[i] === b);
}

/** Share of characters that no text file has: C0 controls other than tab, LF, VT, FF, CR, and DEL. */
function controlShare(text: string): number {
  if (text.length === 0) return 0;
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d) || c === 0x7f) controls++;
  }
  return controls / text.length;
}

/**
 * Decides the encoding from the first bytes of a file: a BOM (UTF-8, UTF-16 LE/BE) wins; otherwise
 * UTF-8 when the bytes are valid UTF-8, or when they hold valid multi-byte UTF-8 sequences besides a
 * few invalid bytes (those are replaced); else, with no sign of UTF-8 beyond ASCII, Windows-1252.
 * Throws 'empty' for a file with no content and 'binary' for a file that is not text.
 */
export function detectEncoding(bytes: Uint8Array, complete: boolean): SniffResult {
  if (bytes.length === 0) throw new CsvImportError('empty', 'The file is empty.');
  let encoding: CsvEncoding;
  let bomLength = 0;
  let sample: string;
  let utf8Evidence = false;
  let firstNonUtf8Line: number | undefined;
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) {
    encoding = 'utf-8-bom';
    bomLength = 3;
    utf8Evidence = true;
    const census = utf8Census(bytes.subarray(3), complete);
    if (census.firstInvalid >= 0) firstNonUtf8Line = lineAt(bytes, 3 + census.firstInvalid);
  } else if (startsWith(bytes, [0xff, 0xfe]) && !startsWith(bytes, [0xff, 0xfe, 0x00, 0x00])) {
    encoding = 'utf-16le';
    bomLength = 2;
  } else if (startsWith(bytes, [0xfe, 0xff])) {
    encoding = 'utf-16be';
    bomLength = 2;
  } else {
    for (const [magic, what] of MAGIC) if (startsWith(bytes, magic)) throw binaryError(what);
    // A NUL byte never occurs in a single-byte or UTF-8 text file: many of them (with the other
    // controls) make the file binary below; a few in text are reported by the reader with their line.
    if (isUtf8Prefix(bytes, complete)) {
      encoding = 'utf-8';
      utf8Evidence = !isAscii(bytes);
    } else {
      const census = utf8Census(bytes, complete);
      utf8Evidence = census.multiByte > 0;
      encoding = utf8Evidence ? 'utf-8' : 'windows-1252';
      firstNonUtf8Line = lineAt(bytes, census.firstInvalid);
    }
  }
  const body = bytes.subarray(bomLength);
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    sample = iconv().decode(Buffer.from(body.subarray(0, body.length - (body.length % 2))), encoding, { stripBOM: false });
    if (sample.includes('\u0000')) throw binaryError();
  } else if (encoding === 'windows-1252') {
    sample = iconv().decode(Buffer.from(body), 'windows-1252');
  } else {
    sample = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body, { stream: !complete });
  }
  if (controlShare(sample) > 0.1) throw binaryError();
  if (complete && sample.trim() === '') {
    throw new CsvImportError('empty', 'The file is empty: it has only blank lines.');
  }
  return { encoding, bomLength, sample, complete, utf8Evidence, ...(firstNonUtf8Line === undefined ? {} : { firstNonUtf8Line }) };
}

/** The physical line (1-based) of the byte at `offset`. */
function lineAt(bytes: Uint8Array, offset: number): number {
  const lines = new LineTracker();
  lines.add(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  return lines.peek(offset);
}

/** Valid UTF-8, allowing a sequence cut short at the end of a window that is not the whole file. */
function isUtf8Prefix(bytes: Uint8Array, complete: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}
