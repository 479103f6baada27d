// A corpus of broken and extreme CSV files, written on demand into a scratch folder, each with what
// importing it must give: an error naming its line (and column where one can be named), or the
// rows it holds. Shared by the tests that push the corpus through every layer.
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CsvErrorCode } from '../errors.ts';

export interface CorpusError {
  code: CsvErrorCode;
  line?: number;
  column?: number;
  /** What the message must say, besides the line and column. */
  message: RegExp;
}

export interface CorpusImport {
  columns: number;
  rowCount: number;
  /** Checks of single cells: [row index, column index, expected value]. */
  cells: Array<[number, number, string]>;
  /** What the import's notes must say. */
  notes?: RegExp[];
}

export interface CorpusFile {
  name: string;
  file: string;
  /** Writes the file into `dir`; returns its path. */
  write(dir: string): Promise<string>;
  expect: { error: CorpusError } | { import: CorpusImport };
  /** A prompt that names columns the file has (for a run through the CLI). */
  prompt: string;
  /** Most retained heap the import may add (bytes). */
  heapBound: number;
}

const MiB = 1024 * 1024;

/** Deterministic bytes (a linear congruential generator), so a failure reproduces. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** `n` numbered rows of two columns ("1,row 1 é"), each line ending in LF. */
function rows(n: number, from = 1): string {
  let text = '';
  for (let i = from; i < from + n; i++) text += `${i},row ${i} café\n`;
  return text;
}

/** A 10 MiB quoted field: commas, doubled quotes and line breaks inside, decoded length exactly 10 MiB. */
export const BIG_FIELD = (() => {
  const unit = 'lorem, ipsum "dolor"\nsit amet ';
  return unit.repeat(Math.ceil((10 * MiB) / unit.length)).slice(0, 10 * MiB);
})();

const WIDE = 10_000;

export const CORPUS: CorpusFile[] = [
  {
    name: 'an empty file',
    file: 'empty.csv',
    write: async (dir) => put(dir, 'empty.csv', ''),
    expect: { error: { code: 'empty', message: /empty/ } },
    prompt: '{{id}}',
    heapBound: 8 * MiB,
  },
  {
    name: 'binary noise',
    file: 'binary.csv',
    write: async (dir) => put(dir, 'binary.csv', Buffer.concat([Buffer.from([0x00, 0x01]), noise(256 * 1024, 42)])),
    expect: { error: { code: 'binary', message: /not a CSV file: its content is binary/ } },
    prompt: '{{id}}',
    heapBound: 8 * MiB,
  },
  {
    name: 'a quote never closed, after more rows than one stored batch',
    file: 'unclosed-quote.csv',
    write: async (dir) => put(dir, 'unclosed-quote.csv', `id,text\n${rows(1500)}1501,"this quote never closes\n${rows(200, 1502)}`),
    expect: { error: { code: 'unclosed-quote', line: 1502, column: 2, message: /column 2 \("text"\): a quote opens here and is never closed/ } },
    prompt: '{{text}}',
    heapBound: 16 * MiB,
  },
  {
    name: 'a 10 MB field',
    file: 'field-10mb.csv',
    write: async (dir) => put(dir, 'field-10mb.csv', `id,text,tail\n1,"${BIG_FIELD.replaceAll('"', '""')}",end 1\n2,small,end 2\n`),
    expect: {
      import: {
        columns: 3,
        rowCount: 2,
        cells: [
          [0, 1, BIG_FIELD],
          [0, 2, 'end 1'],
          [1, 1, 'small'],
        ],
      },
    },
    prompt: 'Row {{id}} ends with {{tail}}',
    // The field itself, as parsed and as delivered; about 21 MiB is seen.
    heapBound: 64 * MiB,
  },
  {
    name: 'a 20 MB field (over the 16 MiB limit)',
    file: 'field-20mb.csv',
    write: async (dir) => put(dir, 'field-20mb.csv', `id,text\n1,short\n2,"${'y'.repeat(20 * MiB)}"\n3,short\n`),
    expect: { error: { code: 'field-too-large', line: 3, column: 2, message: /column 2 \("text"\): the field is larger than 16 MiB/ } },
    prompt: '{{text}}',
    // The parser holds up to the limit (16 MiB) before refusing; about 40 MiB is seen.
    heapBound: 96 * MiB,
  },
  {
    name: '10,000 columns',
    file: 'columns-10k.csv',
    write: async (dir) => {
      const header = Array.from({ length: WIDE }, (_, i) => `c${i + 1}`).join(',');
      const row = (r: number) => Array.from({ length: WIDE }, (_, i) => `r${r}c${i + 1}`).join(',');
      return put(dir, 'columns-10k.csv', `${header}\n${row(1)}\n${row(2)}\n${row(3)}\n`);
    },
    expect: {
      import: {
        columns: WIDE,
        rowCount: 3,
        cells: [
          [0, 0, 'r1c1'],
          [2, WIDE - 1, `r3c${WIDE}`],
        ],
      },
    },
    prompt: '{{c1}} and {{c10000}}',
    heapBound: 32 * MiB,
  },
  {
    name: '30,000 columns (over the 20,000 limit)',
    file: 'columns-30k.csv',
    write: async (dir) => put(dir, 'columns-30k.csv', `${Array.from({ length: 30_000 }, (_, i) => `c${i + 1}`).join(',')}\n1,2\n`),
    expect: { error: { code: 'too-many-columns', line: 1, message: /has more than 20,000 fields/ } },
    prompt: '{{c1}}',
    heapBound: 32 * MiB,
  },
  {
    name: 'bytes that are not UTF-8 from the start (read as Windows-1252)',
    file: 'latin1.csv',
    write: async (dir) =>
      put(
        dir,
        'latin1.csv',
        Buffer.concat([Buffer.from('name,city\nJos'), Buffer.from([0xe9]), Buffer.from(',Montr'), Buffer.from([0xe9]), Buffer.from('al\nRen'), Buffer.from([0xe9]), Buffer.from('e,K'), Buffer.from([0xf6]), Buffer.from('ln\n')]),
      ),
    expect: {
      import: {
        columns: 2,
        rowCount: 2,
        cells: [
          [0, 0, 'José'],
          [0, 1, 'Montréal'],
          [1, 1, 'Köln'],
        ],
        notes: [/^Line 2 has bytes that are not UTF-8 .* read as Windows-1252\./],
      },
    },
    prompt: '{{name}} lives in {{city}}',
    heapBound: 8 * MiB,
  },
  {
    // The file is UTF-8 (its rows hold é): the two stray bytes are replaced, with a note naming line 5002.
    name: 'invalid UTF-8 past the first 64 KB of valid UTF-8 (replaced with U+FFFD)',
    file: 'utf8-late.csv',
    write: async (dir) =>
      put(dir, 'utf8-late.csv', Buffer.concat([Buffer.from(`id,text\n${rows(5000)}5001,bad `), Buffer.from([0xff, 0xfe]), Buffer.from(` byte\n${rows(10, 5002)}`)])),
    expect: {
      import: {
        columns: 2,
        rowCount: 5011,
        cells: [
          [4999, 1, 'row 5000 café'],
          [5000, 1, 'bad \uFFFD\uFFFD byte'],
          [5010, 1, 'row 5011 café'],
        ],
        notes: [/^Line 5002: bytes that are not UTF-8 were replaced with \uFFFD \(and in 1 more place after it\)\.$/],
      },
    },
    prompt: '{{text}}',
    heapBound: 16 * MiB,
  },
  {
    name: 'a NUL byte near the start',
    file: 'nul-early.csv',
    write: async (dir) => put(dir, 'nul-early.csv', 'id,text\n1,fine\n2,x\u0000y\n3,fine\n'),
    expect: { error: { code: 'binary', line: 3, column: 2, message: /column 2 \("text"\): the field holds a NUL byte/ } },
    prompt: '{{text}}',
    heapBound: 8 * MiB,
  },
  {
    name: 'a NUL byte past the first 64 KB',
    file: 'nul-late.csv',
    write: async (dir) => put(dir, 'nul-late.csv', `id,text\n${rows(5000)}5001,x\u0000y\n${rows(10, 5002)}`),
    expect: { error: { code: 'binary', line: 5002, column: 2, message: /column 2 \("text"\): the field holds a NUL byte/ } },
    prompt: '{{text}}',
    heapBound: 16 * MiB,
  },
];

async function put(dir: string, name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

/** `bytes` of LF written in 64 MiB slices (never held whole); returns the path. */
export async function writeNewlines(file: string, bytes: number): Promise<string> {
  const slice = Buffer.alloc(Math.min(bytes, 64 * MiB), 0x0a);
  const handle = await open(file, 'w');
  try {
    for (let left = bytes; left > 0; left -= slice.length) await handle.write(slice, 0, Math.min(slice.length, left));
  } finally {
    await handle.close();
  }
  return file;
}
