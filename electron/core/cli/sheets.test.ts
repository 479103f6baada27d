// rowrunner run on workbooks: --sheet picks the sheet, --into adds the answers to a copy of the
// user's workbook, and a wrong sheet, a missing column, an .xls or a workbook of another size exit 2.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { runCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let agent: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 1 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-sheets-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

/** A workbook with a "Read me" sheet first and the questions on "Questions". */
async function workbook(name: string, questions: number): Promise<string> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Read me').addRow(['This workbook holds questions.']);
  const q = wb.addWorksheet('Questions');
  q.getColumn(2).width = 42;
  q.addRow(['id', 'question']).font = { bold: true };
  for (let i = 1; i <= questions; i++) q.addRow([i, `question number ${i}`]);
  const file = path.join(dir, name);
  await wb.xlsx.writeFile(file);
  return file;
}

it('runs the rows of the sheet --sheet names and adds the answers to a copy of the workbook with --into', { timeout: 60_000 }, async () => {
  const book = await workbook('questions.xlsx', 3);
  const out = path.join(dir, 'answered.xlsx');
  const res = await runCli(['run', book, '--sheet', 'Questions', '--agent', agent, '--out', out, '--into', book], env);
  expect(res.code, res.stderr).toBe(0);
  expect(res.stderr).toContain('Read sheet "Questions" of 2');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(out);
  expect(wb.worksheets.map((s) => s.name)).toEqual(['Read me', 'Questions']);
  const q = wb.getWorksheet('Questions')!;
  expect(q.getColumn(2).width).toBe(42);
  const header = (q.getRow(1).values as unknown[]).slice(1);
  expect(header.slice(0, 2)).toEqual(['id', 'question']);
  expect(header.length).toBeGreaterThan(2);
  for (let r = 2; r <= 4; r++) {
    expect(q.getRow(r).getCell(2).value).toBe(`question number ${r - 1}`);
    expect(String(q.getRow(r).getCell(3).value ?? '')).not.toBe('');
  }
  expect(q.getRow(5).getCell(3).value).toBeNull();
});

it('exits 2 naming the sheets when --sheet names none of them', async () => {
  const book = await workbook('q.xlsx', 2);
  const res = await runCli(['run', book, '--sheet', 'Answers', '--agent', agent], env);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('The workbook has no sheet "Answers"; its sheets: "Read me", "Questions".');
});

it('exits 2 naming the column the prompt needs when the sheet lacks it', async () => {
  const book = await workbook('q.xlsx', 2);
  const res = await runCli(['run', book, '--agent', agent], env); // the first sheet, "Read me", has no "question"
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('question');
});

it('exits 2 when --sheet is given for a CSV', async () => {
  const csv = path.join(dir, 'q.csv');
  fs.writeFileSync(csv, 'question\nwhy\n');
  const res = await runCli(['run', csv, '--sheet', 'Questions', '--agent', agent], env);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('is a CSV, not an .xlsx workbook');
});

it('exits 2 when --sheet or --into is given with --from, which reads no workbook', async () => {
  const res = await runCli(['run', '--from', '1', '--sheet', 'Questions', '--agent', agent], env);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('run --from 1 takes no --sheet');
});

it('exits 2 for an old .xls, saying what to save it as', async () => {
  const xls = path.join(dir, 'old.xls');
  fs.writeFileSync(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]));
  const res = await runCli(['run', xls, '--agent', agent], env);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('save it as .xlsx or CSV');
});

it('exits 2 before the run when the --into workbook has another number of rows', async () => {
  const book = await workbook('q.xlsx', 3);
  const other = await workbook('other.xlsx', 2);
  const out = path.join(dir, 'x.xlsx');
  const res = await runCli(['run', book, '--sheet', 'Questions', '--agent', agent, '--out', out, '--into', other], env);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('sheet "Questions" has 2 rows but the items have 3 rows');
  expect(fs.existsSync(out)).toBe(false);
  const runs = await runCli(['runs', '--json'], env);
  expect(JSON.parse(runs.stdout)).toEqual([]);
});
