// The reader's tests share these: a temporary folder of CSV files, and reading one whole (rows,
// header, batch lines) or to the error it stops with.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { CsvImportError, readCsv, type CsvHeaderInfo, type CsvReadOptions } from '../index.ts';

export let dir: string;
let counter = 0;

/** Registers the temporary folder's creation and removal around the calling test file. */
export function withCsvDir(): void {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rowrunner-csv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
}

export async function file(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${++counter}.csv`);
  await writeFile(path, content);
  return path;
}

export async function readAll(path: string, options?: CsvReadOptions) {
  let header: CsvHeaderInfo | undefined;
  const rows: string[][] = [];
  const batchLines: number[] = [];
  const result = await readCsv(
    path,
    (info) => {
      expect(header).toBeUndefined();
      expect(rows).toHaveLength(0);
      header = info;
    },
    (batch, firstLine) => {
      batchLines.push(firstLine);
      rows.push(...batch);
    },
    options,
  );
  expect(result.rowCount).toBe(rows.length);
  return { header: header!, info: result.info, rows, batchLines };
}

export async function csvError(path: string, options?: CsvReadOptions): Promise<CsvImportError> {
  try {
    await readAll(path, options);
  } catch (err) {
    expect(err).toBeInstanceOf(CsvImportError);
    return err as CsvImportError;
  }
  throw new Error('expected a CsvImportError');
}
