import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { exportColumns, exportRun, formatFromPath, META_COLUMNS, type ExportRow, type ExportSource } from './index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rowrunner-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every character that may start a formula, with a payload after it. */
const INJECTIONS = ['=1+1', '+1+1', '-2+3+cmd|\' /C calc\'!A0', '@SUM(A1:A2)', '\t=1+1', '\r=1+1', '=HYPERLINK("http://evil.example","x")'];

function row(i: number, over: Partial<ExportRow> = {}): ExportRow {
  return {
    input: [String(i), `text ${i}`],
    output: { answer: `answer ${i}`, score: i / 10 },
    status: 'done',
    error: null,
    turns: 1,
    promptTokens: 100 + i,
    completionTokens: 20 + i,
    costUsd: 0.0001 * i,
    latencyMs: 500 + i,
    ...over,
  };
}

/** Rows exercising quoting, types, injections and odd values. */
function tricky(): ExportRow[] {
  return [
    row(0, { input: ['a, with comma', 'say "hi"\nnext line'] }),
    row(1, { input: ['-1', '+44 20 7946 0958'], output: { answer: -1, score: 0 } }),
    ...INJECTIONS.map((text, k) => row(2 + k, { input: [text, 'x'], output: { answer: text, score: k } })),
    row(20, { output: { answer: { formula: 'SUM(1,2)', result: 3 }, score: true } }),
    row(21, { output: { answer: ['a', { b: 1 }], score: null } }),
    row(22, { output: {}, status: 'failed', error: '=ERROR("model")', turns: 3, latencyMs: null }),
    row(23, { input: ['é ünïcødé 😀', ''] }),
  ];
}

function source(rows: Iterable<ExportRow> | AsyncIterable<ExportRow>, over: Partial<ExportSource> = {}): ExportSource {
  return {
    inputColumns: ['id', 'text'],
    outputColumns: ['answer', 'score'],
    rows,
    settings: [
      ['Agent', 'triage'],
      ['Model', 'gpt-4o-mini'],
      ['Items', 3],
      ['Sequential', false],
      ['Max cost', null],
      ['Note', '=not a formula'],
    ],
    ...over,
  };
}

const COLUMNS = ['id', 'text', 'answer', 'score', ...META_COLUMNS];

describe('columns', () => {
  it('input columns, output columns, then the meta columns', () => {
    expect(exportColumns(['id', 'text'], ['answer'])).toEqual([
      'id',
      'text',
      'answer',
      '_status',
      '_error',
      '_turns',
      '_prompt_tokens',
      '_completion_tokens',
      '_cached_tokens',
      '_cost_usd',
      '_latency_ms',
      '_cached',
    ]);
  });

  it('suffixes an output column that clashes', () => {
    expect(exportColumns(['text', 'text_output'], ['text', '_status']).slice(0, 5)).toEqual([
      'text',
      'text_output',
      'text_output_2',
      '_status_output',
      '_status',
    ]);
    const withMetaInput = exportColumns(['_status'], ['a']);
    expect(withMetaInput.slice(0, 3)).toEqual(['_status', 'a', '_status_2']);
    expect(new Set(withMetaInput).size).toBe(withMetaInput.length);
  });

  it('format from the extension', () => {
    expect(formatFromPath('/x/out.xlsx')).toBe('xlsx');
    expect(formatFromPath('OUT.CSV')).toBe('csv');
    expect(formatFromPath('a.b.jsonl')).toBe('jsonl');
    expect(() => formatFromPath('out.txt')).toThrow(/\.xlsx, \.csv or \.jsonl/);
    expect(() => formatFromPath('out')).toThrow(/export format/);
  });
});

describe('xlsx', () => {
  async function written(rows: ExportRow[], over: Partial<ExportSource> = {}) {
    const path = join(dir, `t${Math.random().toString(36).slice(2)}.xlsx`);
    const result = await exportRun(source(rows, over), path);
    expect(result).toEqual({ rows: rows.length, path });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    return workbook;
  }

  it('writes the columns, rows in order, types kept', async () => {
    const rows = tricky();
    const wb = await written(rows);
    const sheet = wb.getWorksheet('Results')!;
    expect(sheet.getRow(1).values).toEqual([undefined, ...COLUMNS]);
    expect(sheet.rowCount).toBe(rows.length + 1);
    expect(sheet.getCell('A2').value).toBe('a, with comma');
    expect(sheet.getCell('B2').value).toBe('say "hi"\nnext line');
    // Input values are the CSV's own strings; numbers from outputs and counters are numbers.
    expect(sheet.getCell('A3').value).toBe('-1');
    expect(sheet.getCell('C3').value).toBe(-1);
    expect(sheet.getCell('D2').value).toBe(0);
    expect(sheet.getRow(2).getCell(COLUMNS.indexOf('_prompt_tokens') + 1).value).toBe(100);
    expect(sheet.getRow(2).getCell(COLUMNS.indexOf('_cost_usd') + 1).value).toBe(0);
    const last = sheet.getRow(rows.length + 1);
    expect(last.getCell(1).value).toBe('é ünïcødé 😀');
    const failed = sheet.getRow(rows.length);
    expect(failed.getCell(COLUMNS.indexOf('_status') + 1).value).toBe('failed');
    expect(failed.getCell(COLUMNS.indexOf('_latency_ms') + 1).value).toBeNull();
    expect(failed.getCell(COLUMNS.indexOf('answer') + 1).value).toBeNull();
    // Objects become JSON text; booleans stay booleans.
    const objectRow = sheet.getRow(2 + 2 + INJECTIONS.length);
    expect(objectRow.getCell(3).value).toBe('{"formula":"SUM(1,2)","result":3}');
    expect(objectRow.getCell(4).value).toBe(true);
    expect(sheet.getRow(3 + 2 + INJECTIONS.length).getCell(3).value).toBe('["a",{"b":1}]');
  });

  it('never writes a formula', async () => {
    const rows = tricky();
    const wb = await written(rows);
    let strings = 0;
    wb.eachSheet((sheet) => {
      sheet.eachRow((r) =>
        r.eachCell((cell) => {
          expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
          expect(cell.formula).toBeUndefined();
          if (cell.type === ExcelJS.ValueType.String) strings++;
        }),
      );
    });
    expect(strings).toBeGreaterThan(20);
    const sheet = wb.getWorksheet('Results')!;
    INJECTIONS.forEach((text, k) => {
      const r = sheet.getRow(4 + k);
      for (const col of [1, 3]) {
        expect(r.getCell(col).type).toBe(ExcelJS.ValueType.String);
        // A cell's line break is LF: a leading CR is kept as a line break.
        expect(r.getCell(col).value).toBe(text.replace('\r', '\n'));
      }
    });
    const failed = sheet.getRow(rows.length);
    expect(failed.getCell(COLUMNS.indexOf('_error') + 1).value).toBe('=ERROR("model")');
    expect(wb.getWorksheet('Run')!.getCell('B7').value).toBe('=not a formula');
  });

  it('has a bold frozen header, an autofilter, widths and the Run sheet', async () => {
    const wb = await written([row(1), row(2, { input: ['2', 'a much longer text value that should widen its column'] })]);
    const sheet = wb.getWorksheet('Results')!;
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Results', 'Run']);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getCell('A1').font?.bold).toBe(true);
    expect(sheet.getCell(1, COLUMNS.length).font?.bold).toBe(true);
    expect(sheet.getCell('A2').font?.bold).toBeFalsy();
    const lastColumn = sheet.getColumn(COLUMNS.length).letter;
    expect(sheet.autoFilter).toBe(`A1:${lastColumn}3`);
    // Width 9 is exceljs's default, which it leaves out of the file.
    const widths = COLUMNS.map((_, i) => sheet.getColumn(i + 1).width ?? 9);
    expect(widths.every((w) => w >= 8 && w <= 60)).toBe(true);
    expect(sheet.getColumn(2).width).toBeGreaterThan(sheet.getColumn(1).width!);
    expect(sheet.getColumn(2).width).toBeGreaterThanOrEqual('a much longer text value that should widen its column'.length);
    const run = wb.getWorksheet('Run')!;
    expect(run.getRow(1).values).toEqual([undefined, 'Setting', 'Value']);
    expect(run.getCell('A1').font?.bold).toBe(true);
    expect(run.getRow(2).values).toEqual([undefined, 'Agent', 'triage']);
    expect(run.getCell('B4').value).toBe(3);
    expect(run.getCell('B5').value).toBe(false);
    expect(run.getCell('B6').value).toBeNull();
  });

  it('cuts cells at Excel’s limit and says so', async () => {
    const long = 'x'.repeat(40_000);
    const wb = await written([row(1, { output: { answer: long, score: 1 } })]);
    const value = wb.getWorksheet('Results')!.getCell('C2').value as string;
    expect(value.length).toBeLessThanOrEqual(32_767);
    expect(value).toMatch(/truncated: 40,000 characters\]$/);
    expect(wb.getWorksheet('Run')!.getRow(8).values).toEqual([undefined, "Cells cut to 32,767 characters (Excel's limit)", 1]);
  });

  it('replaces characters XML cannot hold, in cells, headers and settings, so the workbook still opens', async () => {
    const controls = 'a\u0000b\u0001c\u0008d\u000be\u000cf\u001fg\ufffeh\uffff';
    const wb = await written([row(1, { input: [controls, 'tab\tand\nline'], output: { answer: { text: controls }, score: 1 } })], {
      inputColumns: ['id\u0007', 'text'],
      settings: [['Prompt', `x${controls}`]],
    });
    const sheet = wb.getWorksheet('Results')!;
    const clean = 'a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffd';
    expect(sheet.getCell('A1').value).toBe('id\ufffd');
    expect(sheet.getCell('A2').value).toBe(clean);
    expect(sheet.getCell('B2').value).toBe('tab\tand\nline');
    // JSON escapes the C0 controls itself; U+FFFE and U+FFFF it leaves.
    expect(sheet.getCell('C2').value).toBe(JSON.stringify({ text: controls }).replace(/[\ufffe\uffff]/g, '\ufffd'));
    expect(wb.getWorksheet('Run')!.getCell('B2').value).toBe(`x${clean}`);
  });

  it('writes a run with no rows', async () => {
    const wb = await written([]);
    const sheet = wb.getWorksheet('Results')!;
    expect(sheet.rowCount).toBe(1);
    expect(sheet.getRow(1).values).toEqual([undefined, ...COLUMNS]);
  });
});

describe('csv', () => {
  it('BOM, CRLF, RFC 4180 quoting, injection prefix on strings only', async () => {
    const path = join(dir, 'out.csv');
    const rows = tricky();
    expect(await exportRun(source(rows), path)).toEqual({ rows: rows.length, path });
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.startsWith(COLUMNS.join(',') + '\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text).toContain('"a, with comma","say ""hi""\nnext line",answer 0,0,done,,1,100,20,0,0,500,false\r\n');
    const records = parseCsv(bytes, { bom: true, relax_column_count: false }) as string[][];
    expect(records[0]).toEqual(COLUMNS);
    expect(records).toHaveLength(rows.length + 1);
    expect(records.slice(1).map((r) => r[COLUMNS.indexOf('_prompt_tokens')])).toEqual(rows.map((r) => String(r.promptTokens)));
    // A plain negative number stays a number, from the data or the model.
    expect(records[2].slice(0, 4)).toEqual(['-1', "'+44 20 7946 0958", '-1', '0']);
    INJECTIONS.forEach((value, k) => {
      const r = records[3 + k];
      expect(r[0]).toBe(`'${value}`);
      expect(r[2]).toBe(`'${value}`);
    });
    const objectRow = records[3 + INJECTIONS.length];
    expect(objectRow[2]).toBe('{"formula":"SUM(1,2)","result":3}');
    expect(objectRow[3]).toBe('true');
    const failed = records[rows.length - 1];
    expect(failed[COLUMNS.indexOf('_error')]).toBe(`'=ERROR("model")`);
    expect(failed[COLUMNS.indexOf('_latency_ms')]).toBe('');
    expect(records[rows.length][0]).toBe('é ünïcødé 😀');
  });

  it('prefixes a header that could be a formula', async () => {
    const path = join(dir, 'header.csv');
    await exportRun(source([row(1)], { inputColumns: ['=id', 'text'] }), path);
    const records = parseCsv(await readFile(path), { bom: true }) as string[][];
    expect(records[0][0]).toBe("'=id");
  });
});

describe('jsonl', () => {
  it('one object per row with the same keys, JSON types kept', async () => {
    const path = join(dir, 'out.jsonl');
    const rows = tricky();
    await exportRun(source(rows, { outputColumns: ['answer', 'score', '__proto__'] }), path);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(rows.length);
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const keys = exportColumns(['id', 'text'], ['answer', 'score', '__proto__']);
    for (const o of objects) expect(Object.keys(o)).toEqual(keys);
    expect(objects[0]).toMatchObject({ id: 'a, with comma', text: 'say "hi"\nnext line', _status: 'done', _error: null });
    expect(objects[1]).toMatchObject({ id: '-1', answer: -1, score: 0, _turns: 1, _prompt_tokens: 101 });
    expect(objects[2].answer).toBe(INJECTIONS[0]);
    expect(objects[2 + INJECTIONS.length].answer).toEqual({ formula: 'SUM(1,2)', result: 3 });
    expect(objects[3 + INJECTIONS.length].answer).toEqual(['a', { b: 1 }]);
    expect(objects[rows.length - 2]).toMatchObject({ answer: null, _status: 'failed', _latency_ms: null });
    expect(Object.getOwnPropertyDescriptor(objects[0], '__proto__')?.value).toBeNull();
  });
});

describe('money and cached tokens', () => {
  // A sum of float dollars as SQLite returns it, and the cached prompt tokens of the row.
  const noisy = row(1, { costUsd: 0.000022349999999999998, cachedTokens: 1152 });

  it.each(['xlsx', 'csv', 'jsonl'] as const)('%s: the cost in whole micro-dollars, the cached tokens in _cached_tokens', async (format) => {
    const path = join(dir, `money.${format}`);
    await exportRun(source([noisy, row(2)]), path);
    const cost = COLUMNS.indexOf('_cost_usd');
    const cached = COLUMNS.indexOf('_cached_tokens');
    if (format === 'xlsx') {
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile(path);
      const r = book.getWorksheet('Results')!.getRow(2);
      expect([r.getCell(cost + 1).value, r.getCell(cached + 1).value]).toEqual([0.000022, 1152]);
      expect(book.getWorksheet('Results')!.getRow(3).getCell(cached + 1).value).toBe(0);
    } else if (format === 'csv') {
      const records = parseCsv(await readFile(path), { bom: true }) as string[][];
      expect([records[1][cost], records[1][cached]]).toEqual(['0.000022', '1152']);
    } else {
      const first = (await readFile(path, 'utf8')).split('\n')[0];
      expect(first).toContain('"_cached_tokens":1152,"_cost_usd":0.000022,');
    }
  });
});

describe('partial files', () => {
  async function* failing(after: number): AsyncGenerator<ExportRow> {
    for (let i = 0; i < after; i++) yield row(i);
    throw new Error('database closed');
  }

  it.each(['xlsx', 'csv', 'jsonl'] as const)('%s: an iterator that throws midway leaves no file', async (format) => {
    const sub = await mkdtemp(join(dir, `fail-${format}-`));
    const path = join(sub, `out.${format}`);
    await expect(exportRun(source(failing(1500)), path)).rejects.toThrow('database closed');
    expect(await readdir(sub)).toEqual([]);
    // A file already under that name is left as it was.
    await writeFile(path, 'previous export');
    await expect(exportRun(source(failing(10)), path)).rejects.toThrow('database closed');
    expect(await readdir(sub)).toEqual([`out.${format}`]);
    expect(await readFile(path, 'utf8')).toBe('previous export');
  });

  it('closes the rows iterator when writing fails', async () => {
    let closed = false;
    function* rows(): Generator<ExportRow> {
      try {
        for (let i = 0; ; i++) yield row(i, i === 300 ? { input: ['x', 'y'], output: { get answer(): string { throw new Error('bad value'); } } } : {});
      } finally {
        closed = true;
      }
    }
    const path = join(dir, 'closed.xlsx');
    await expect(exportRun(source(rows()), path)).rejects.toThrow('bad value');
    expect(closed).toBe(true);
  });

  it('writes a sync iterable too, and replaces an older file', async () => {
    const path = join(dir, 'sync.csv');
    await writeFile(path, 'old');
    expect((await exportRun(source([row(1), row(2)]), path)).rows).toBe(2);
    expect((await readFile(path, 'utf8')).split('\r\n')).toHaveLength(4);
  });
});

describe('large exports', () => {
  it('streams 20,000 rows of 1.6 KB to xlsx with bounded memory', async () => {
    const n = 20_000;
    // What stays allocated after a full collection (heap and buffers) must not grow with the rows.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const used = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = used();
    let peak = 0;
    async function* rows(): AsyncGenerator<ExportRow> {
      for (let i = 0; i < n; i++) {
        if (i % 3000 === 0) peak = Math.max(peak, used() - base);
        yield row(i, { input: [String(i), 'lorem ipsum dolor sit amet '.repeat(60)] });
      }
    }
    const path = join(dir, 'large.xlsx');
    expect((await exportRun(source(rows()), path)).rows).toBe(n);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const sheet = wb.getWorksheet('Results')!;
    expect(sheet.rowCount).toBe(n + 1);
    expect(sheet.getCell(n + 1, 1).value).toBe(String(n - 1));
    console.log(`20,000 rows to xlsx: peak retained growth ${(peak / 2 ** 20).toFixed(1)} MiB`);
    expect(peak).toBeLessThan(24 * 1024 * 1024);
  });
});

describe('write errors', () => {
  it.each(['xlsx', 'csv', 'jsonl'] as const)('%s: a folder that does not exist is named in the error', async (format) => {
    const path = join(dir, 'no-such-folder', `out.${format}`);
    const err = await exportRun(source([row(1)]), path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).not.toContain('.partial');
  });
});
