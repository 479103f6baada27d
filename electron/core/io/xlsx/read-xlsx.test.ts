// The workbook reader on real .xlsx files written by exceljs: the sheet chosen, cells as the sheet
// shows them, blank and merged cells, and the errors that name what is wrong.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvImportError } from '../csv/index.ts';
import { readTable, readTableHeader, type TableHeaderInfo } from '../read-table.ts';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rowrunner-xlsx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function book(build: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const file = join(dir, `b${++n}.xlsx`);
  await wb.xlsx.writeFile(file);
  return file;
}

async function readAll(file: string, sheet?: string) {
  let header: TableHeaderInfo | undefined;
  const rows: string[][] = [];
  const { info } = await readTable(file, (h) => (header = h), (batch) => void rows.push(...batch), sheet === undefined ? {} : { sheet });
  return { header, info, rows };
}

async function failure(p: Promise<unknown>): Promise<CsvImportError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CsvImportError);
  return err as CsvImportError;
}

describe('reading a workbook', () => {
  it('reads the first sheet by default and the named one on request, with every sheet listed', async () => {
    const file = await book((wb) => {
      wb.addWorksheet('Notes').addRow(['note']).commit?.();
      wb.getWorksheet('Notes')!.addRow(['first']);
      const s = wb.addWorksheet('Orders');
      s.addRow(['id', 'city']);
      s.addRow([1, 'Oslo']);
    });
    const first = await readAll(file);
    expect(first.info.columns).toEqual(['note']);
    expect(first.rows).toEqual([['first']]);
    expect(first.info).toMatchObject({ sheet: 'Notes', sheets: ['Notes', 'Orders'], encoding: 'xlsx' });
    const orders = await readAll(file, 'Orders');
    expect(orders.info.columns).toEqual(['id', 'city']);
    expect(orders.rows).toEqual([['1', 'Oslo']]);
    expect(orders.info.notes[0]).toBe('Read sheet "Orders" of 2: "Notes", "Orders".');
    expect((await readTableHeader(file, { sheet: 'Orders' })).columns).toEqual(['id', 'city']);
  });

  it('gives cells as the sheet shows them: numbers as text, dates in ISO form, formulas as their cached values', async () => {
    const file = await book((wb) => {
      const s = wb.addWorksheet('Data');
      s.addRow(['n', 'day', 'at', 'sum', 'rich', 'flag', 'err', 'due']);
      s.addRow([
        0.1 + 0.2,
        new Date(Date.UTC(2024, 0, 31)),
        new Date(Date.UTC(2024, 1, 1, 13, 5)),
        { formula: 'A2*2', result: 0.6 },
        { richText: [{ text: 'Hel' }, { text: 'lo', font: { bold: true } }] },
        true,
        { error: '#N/A' },
        { formula: 'B2+1', result: 45323 },
      ]);
      s.getColumn(2).numFmt = 'yyyy-mm-dd';
      s.getColumn(3).numFmt = 'yyyy-mm-dd hh:mm';
      s.getColumn(8).numFmt = 'dd/mm/yyyy';
    });
    const { rows } = await readAll(file);
    expect(rows).toEqual([['0.3', '2024-01-31', '2024-02-01T13:05:00', '0.6', 'Hello', 'TRUE', '#N/A', '2024-02-01']]);
  });

  it('keeps merged cells in their top-left cell and skips blank rows, with a note for those between rows', async () => {
    const file = await book((wb) => {
      const s = wb.addWorksheet('Data');
      s.addRow([]);
      s.addRow(['a', 'b']);
      s.addRow(['x', 'merged']);
      s.addRow(['y', null]);
      s.mergeCells('B3:B4');
      s.addRow([]);
      s.addRow(['z', 'last']);
      s.addRow([null, null]);
      s.getRow(9).getCell(1).style = { font: { bold: true } }; // a styled empty trailing row
    });
    const { info, rows } = await readAll(file);
    expect(info.columns).toEqual(['a', 'b']);
    expect(rows).toEqual([['x', 'merged'], ['y', ''], ['z', 'last']]);
    expect(info.notes).toEqual(['Skipped 1 empty row (row 5).']);
  });

  it('names the sheets that exist when the one asked for is not there', async () => {
    const file = await book((wb) => {
      wb.addWorksheet('One').addRow(['a']);
      wb.addWorksheet('Two').addRow(['b']);
    });
    const err = await failure(readAll(file, 'Three'));
    expect(err.code).toBe('unknown-sheet');
    expect(err.message).toBe('The workbook has no sheet "Three"; its sheets: "One", "Two".');
  });

  it('refuses a value beyond the header, naming the sheet, row and column', async () => {
    const file = await book((wb) => {
      const s = wb.addWorksheet('Data');
      s.addRow(['a', 'b']);
      s.addRow(['1', '2', 'stray']);
    });
    const err = await failure(readAll(file));
    expect(err.message).toContain('Sheet "Data", row 2, column C');
  });

  it('says so for an empty sheet, a header-only sheet, an old .xls and a ZIP that is no workbook', async () => {
    const empty = await book((wb) => void wb.addWorksheet('Blank'));
    expect((await failure(readAll(empty))).message).toBe('Sheet "Blank" is empty: it has no header row.');
    const headerOnly = await book((wb) => void wb.addWorksheet('H').addRow(['a', 'b']));
    const h = await readAll(headerOnly);
    expect(h.rows).toEqual([]);
    expect(h.info.notes).toEqual(['The sheet has a header but no rows (0 rows).']);
    const xls = join(dir, 'old.xls');
    await writeFile(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]));
    expect((await failure(readAll(xls))).message).toContain('save it as .xlsx or CSV');
    const zip = join(dir, 'not-a-book.xlsx');
    const jszip = new (await import('jszip')).default();
    jszip.file('readme.txt', 'hello');
    await writeFile(zip, await jszip.generateAsync({ type: 'nodebuffer' }));
    expect((await failure(readAll(zip))).message).toMatch(/Excel workbook .* cannot be read/);
  });

  it('still reads a CSV', async () => {
    const csv = join(dir, 'plain.csv');
    await writeFile(csv, 'a,b\n1,2\n');
    expect((await readAll(csv)).rows).toEqual([['1', '2']]);
  });
});
