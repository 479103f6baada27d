// dataset:import through the core as the app calls it: a workbook's sheet by name with the sheets it
// has, a header-only file refused in one message and not kept, and a file with several problems
// reported at once without the offer to pad.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from './core.ts';
import { toContractError } from './errors.ts';
import { createMemoryKeyStore } from './keys/index.ts';

let dir: string;
let core: Core;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-import-sheets-'));
  core = createCore({ dataDir: dir, front: 'electron', keyStore: createMemoryKeyStore({}), simulator: { latencyMs: 0 } });
});

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ReturnType<typeof toContractError>> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).not.toBeNull();
  return toContractError(e);
}

describe('dataset:import', () => {
  it('imports a workbook’s first sheet, then the sheet asked for, answering every sheet', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Intro').addRows([['text'], ['hello']]);
    wb.addWorksheet('Data').addRows([['id', 'city'], [1, 'Oslo'], [2, 'Lima']]);
    const file = path.join(dir, 'book.xlsx');
    await wb.xlsx.writeFile(file);
    const first = await core.dispatch('dataset:import', { source: { kind: 'path', path: file } });
    expect(first).toMatchObject({ name: 'book.xlsx', columns: ['text'], rowCount: 1, sheet: 'Intro', sheets: ['Intro', 'Data'] });
    const data = (await core.dispatch('dataset:import', { source: { kind: 'path', path: file }, sheet: 'Data' })) as { id: string };
    expect(data).toMatchObject({ columns: ['id', 'city'], rowCount: 2, sheet: 'Data' });
    expect(await core.dispatch('dataset:rows', { datasetId: data.id, offset: 0, limit: 10 })).toEqual({ rows: [['1', 'Oslo'], ['2', 'Lima']] });
    const err = await failure(core.dispatch('dataset:import', { source: { kind: 'path', path: file }, sheet: 'Nope' }));
    expect(err).toMatchObject({ code: 'bad-input', message: 'The workbook has no sheet "Nope"; its sheets: "Intro", "Data".' });
  });

  it('refuses a header-only file in one message and keeps no dataset of it', async () => {
    const file = path.join(dir, 'header.csv');
    fs.writeFileSync(file, 'a,b\n');
    const before = core.runs.listDatasets().length;
    const err = await failure(core.dispatch('dataset:import', { source: { kind: 'path', path: file } }));
    expect(err).toEqual({ code: 'bad-input', message: 'header.csv has a header but no rows, so there is nothing to run: add rows and import it again.' });
    expect(core.runs.listDatasets()).toHaveLength(before);
  });

  it('reports ragged rows and an unclosed quote together, with no offer to pad', async () => {
    const file = path.join(dir, 'two.csv');
    fs.writeFileSync(file, 'a,b\n1\n2,"open\n');
    const err = await failure(core.dispatch('dataset:import', { source: { kind: 'path', path: file } }));
    expect(err.message).toContain('The file has 2 problems. Line 2 has 1 fields but the header has 2. And: Line 3, column 2 ("b")');
    expect(err).not.toHaveProperty('reason');
  });
});
