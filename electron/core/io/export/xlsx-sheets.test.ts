// Past what a sheet holds in Excel, an xlsx export goes on to "Results 2", "Results 3"…: every row is
// written, in order, each sheet with the header. The limit is lowered here; the real one is Excel's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, expect, it } from 'vitest';
import { writeXlsx, XLSX_MAX_DATA_ROWS } from './write-xlsx.ts';

const dir = mkdtempSync(join(tmpdir(), 'rr-sheets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function* rows(n: number): Generator<unknown[]> {
  for (let i = 0; i < n; i++) yield [`q${i}`, `a${i}`];
}

it("Excel's limit is 1,048,576 rows a sheet, the header included", () => {
  expect(XLSX_MAX_DATA_ROWS + 1).toBe(1_048_576);
});

it('writes the rows past a full sheet on the next ones, each with its header and autofilter', async () => {
  const path = join(dir, 'split.xlsx');
  const written = await writeXlsx({ columns: ['q', 'answer'], rows: rows(25), settings: [['Items', 25]] }, path, { rowsPerSheet: 10 });
  expect(written).toBe(25);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  expect(wb.worksheets.map((s) => s.name)).toEqual(['Results', 'Results 2', 'Results 3', 'Run']);
  const seen: string[] = [];
  for (const [k, name] of ['Results', 'Results 2', 'Results 3'].entries()) {
    const sheet = wb.getWorksheet(name)!;
    expect(sheet.getCell('A1').value).toBe('q');
    expect(sheet.rowCount).toBe(k < 2 ? 11 : 6);
    for (let r = 2; r <= sheet.rowCount; r++) seen.push(String(sheet.getCell(r, 1).value));
  }
  expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `q${i}`));
});

it('a run that fills a sheet exactly has no empty next sheet', async () => {
  const path = join(dir, 'exact.xlsx');
  await writeXlsx({ columns: ['q', 'answer'], rows: rows(10), settings: [] }, path, { rowsPerSheet: 10 });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  expect(wb.worksheets.map((s) => s.name)).toEqual(['Results', 'Run']);
});
