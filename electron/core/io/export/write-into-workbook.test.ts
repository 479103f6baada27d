// "Add answers to my spreadsheet" on real workbooks: the output columns land beside the data, the
// rest of the workbook is kept, formulas stay text, and a workbook of another size is refused.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportIntoWorkbook, IntoWorkbookError, type ExportRow } from './index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rowrunner-into-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function row(output: ExportRow['output']): ExportRow {
  return { input: [], output, status: Object.keys(output).length ? 'done' : 'failed', error: null, turns: 1, promptTokens: 1, completionTokens: 1, costUsd: 0, latencyMs: 1 };
}

/** A workbook as a user keeps it: a cover sheet first, then the data with a styled header and set widths. */
async function userBook(name: string, dataRows: number): Promise<string> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Cover', { state: 'hidden' }).addRow(['About this file']);
  const data = wb.addWorksheet('Reviews');
  data.getColumn(1).width = 7;
  data.getColumn(2).width = 33;
  const header = data.addRow(['id', 'review']);
  header.eachCell((c) => {
    c.style = { font: { bold: true, color: { argb: 'FFFFFFFF' } }, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF204080' } } };
  });
  data.addRow([]);
  for (let i = 1; i <= dataRows; i++) data.addRow([i, `review ${i}`]);
  wb.addWorksheet('Summary').addRow(['total', { formula: 'COUNT(Reviews!A:A)', result: dataRows }]);
  const file = join(dir, name);
  await wb.xlsx.writeFile(file);
  return file;
}

describe('adding answers to a workbook', () => {
  it('appends the output columns to the data sheet and keeps the rest', async () => {
    const source = await userBook('in.xlsx', 3);
    const out = join(dir, 'out.xlsx');
    const rows = [row({ sentiment: 'good', review: 'dup name' }), row({}), row({ sentiment: '=1+1', review: 3 })];
    expect(await exportIntoWorkbook({ workbook: source, outputColumns: ['sentiment', 'review'], rows }, out)).toEqual({ rows: 3, path: out });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Cover', 'Reviews', 'Summary']);
    const data = wb.getWorksheet('Reviews')!;
    expect(data.getRow(1).values).toEqual([undefined, 'id', 'review', 'sentiment', 'review_output']);
    // The blank row under the header stays blank; answers follow the data rows.
    expect(data.getRow(2).getCell(3).value).toBeNull();
    expect([3, 4, 5].map((r) => [data.getRow(r).getCell(3).value, data.getRow(r).getCell(4).value])).toEqual([
      ['good', 'dup name'],
      [null, null],
      ['=1+1', 3],
    ]);
    expect(data.getRow(5).getCell(3).type).toBe(ExcelJS.ValueType.String);
    expect(data.getColumn(1).width).toBe(7);
    expect(data.getColumn(2).width).toBe(33);
    expect(data.getRow(1).getCell(3).font?.bold).toBe(true);
    expect(data.getRow(1).getCell(4).fill).toEqual(data.getRow(1).getCell(2).fill);
    expect(wb.getWorksheet('Summary')!.getCell('B1').value).toEqual({ formula: 'COUNT(Reviews!A:A)', result: 3 });
    expect(wb.getWorksheet('Cover')!.state).toBe('hidden');
  });

  it('refuses a workbook whose row count differs from the run’s, and writes nothing', async () => {
    const source = await userBook('short.xlsx', 2);
    const out = join(dir, 'never.xlsx');
    const err = await exportIntoWorkbook({ workbook: source, outputColumns: ['a'], rows: [row({ a: 1 }), row({ a: 2 }), row({ a: 3 })] }, out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntoWorkbookError);
    expect((err as Error).message).toContain('Sheet "Reviews" of');
    expect((err as Error).message).toContain('has 2 rows but the run has 3 rows');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('names the sheets when the one asked for is not there, and says when a file is no workbook', async () => {
    const source = await userBook('named.xlsx', 1);
    const err = await exportIntoWorkbook({ workbook: source, sheet: 'Nope', outputColumns: ['a'], rows: [row({ a: 1 })] }, join(dir, 'x.xlsx')).catch((e: unknown) => e);
    expect((err as Error).message).toBe('The workbook has no sheet "Nope"; its sheets: "Cover", "Reviews", "Summary".');
    const notBook = join(dir, 'plain.csv');
    await (await import('node:fs/promises')).writeFile(notBook, 'a,b\n1,2\n');
    const err2 = await exportIntoWorkbook({ workbook: notBook, outputColumns: ['a'], rows: [] }, join(dir, 'y.xlsx')).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(IntoWorkbookError);
    expect((err2 as Error).message).toContain('cannot be read as an .xlsx workbook');
  });
});
