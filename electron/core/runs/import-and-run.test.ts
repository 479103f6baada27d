// A run that starts while its file is read: it starts with the first batch of rows, takes in every
// later one, and ends with every row run once; a stop or a problem in the file leaves the run with
// the rows read until then, said in the dataset's notes; a problem before any row leaves nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { CsvImportError } from '../io/csv/index.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent } from '../testing/fixtures.ts';
import { NoRowsError } from './import-and-run.ts';
import { createRunService, type RunService } from './service.ts';
import { checkStore } from './test-store.ts';

let sim: Simulator;
let dir: string;
let svc: RunService;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-import-run-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
  sim.resetStats();
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function csv(name: string, rows: number, bad?: { line: number; text: string }): string {
  const lines = ['id,question'];
  for (let i = 0; i < rows; i++) lines.push(`${i},question number ${i}`);
  // Line 1 is the header: data row r is on line r + 2.
  if (bad) lines.splice(bad.line - 1, 0, bad.text);
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const agent = () => qaAgent(sim.url, { answerTool: false });
const datasets = () => svc.listDatasets();

it('starts with the first batch of rows, takes in the rest as they are read, and runs each row once', { timeout: 120_000 }, async () => {
  const job = svc.importAndRun({ file: csv('items.csv', 5000), run: { agent: agent(), options: { batchSize: 16 } }, start: {} });
  const run = await job.started;
  // Started from the first batch (1,000 rows): the other 4,000 were not read yet.
  expect(run!.totals.items).toBe(1000);
  const { dataset } = await job.imported;
  expect(dataset.rowCount).toBe(5000);
  const end = await svc.finished(run!.runId);
  expect(end.status).toBe('completed');
  expect(end.totals).toMatchObject({ items: 5000, done: 5000, failed: 0 });
  expect(sim.stats().completedByPrompt.size).toBe(5000);
  expect(Math.max(...sim.stats().completedByPrompt.values())).toBe(1);
  expect(svc.itemDetail(run!.runId, 4999).prompt).toBe('Answer: question number 4999');
  checkStore(svc.dbPath, Number(run!.runId));
});

it('a stop while the file is read keeps the rows read, says so, and the run resumes over them', { timeout: 120_000 }, async () => {
  sim.setOptions({ latencyMs: 50 });
  let stop = false;
  const job = svc.importAndRun({ file: csv('items.csv', 5000), run: { agent: agent(), options: { batchSize: 4 } }, start: {}, stopRequested: () => stop });
  const run = (await job.started)!;
  stop = true;
  const { dataset, stoppedAt } = await job.imported;
  // The stop is seen after the next batch is stored.
  expect(stoppedAt).toBe(2000);
  expect(dataset.rowCount).toBe(2000);
  expect(dataset.notes.at(-1)).toBe('Reading items.csv stopped after 2,000 rows (the run was stopped): the rest of the file is not in this dataset, nor in its run.');
  expect(svc.getRun(run.runId).totals.items).toBe(2000);
  await svc.cancel(run.runId);
  sim.setOptions({ latencyMs: 0 });
  svc.resume(run.runId);
  const end = await svc.finished(run.runId);
  expect(end.status).toBe('completed');
  expect(end.totals).toMatchObject({ items: 2000, done: 2000 });
  checkStore(svc.dbPath, Number(run.runId));
});

it('a problem in the file after the run started cancels it, keeping the rows read before it', { timeout: 120_000 }, async () => {
  sim.setOptions({ latencyMs: 20 });
  const job = svc.importAndRun({ file: csv('bad.csv', 5000, { line: 2600, text: '2598,a,b,c' }), run: { agent: agent(), options: { batchSize: 4 } }, start: {} });
  const run = (await job.started)!;
  const err = await job.imported.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CsvImportError);
  expect((err as Error).message).toMatch(/Line 2,?600 has 4 fields/);
  const end = await svc.finished(run.runId);
  expect(end.status).toBe('cancelled');
  // The batches before the bad line were stored (rows 0–1,999); nothing after it.
  expect(end.totals.items).toBe(2000);
  const [ds] = datasets();
  expect(ds.rowCount).toBe(2000);
  expect(ds.notes.at(-1)).toMatch(/^Reading bad\.csv stopped after 2,000 rows \(Line 2,?600 has 4 fields/);
  checkStore(svc.dbPath, Number(run.runId));
});

it('a problem before the first batch is stored, or a file with no rows, leaves nothing behind', { timeout: 60_000 }, async () => {
  const early = svc.importAndRun({ file: csv('early.csv', 50, { line: 5, text: '3,a,b' }), run: { agent: agent() }, start: {} });
  await expect(early.started).rejects.toBeInstanceOf(CsvImportError);
  const empty = svc.importAndRun({ file: csv('empty.csv', 0), run: { agent: agent() }, start: {} });
  await expect(empty.started).rejects.toBeInstanceOf(NoRowsError);
  const missing = svc.importAndRun({ file: csv('items.csv', 10), run: { agent: qaAgent(sim.url, { answerTool: false, prompt: 'About {{topic}}' }) }, start: {} });
  await expect(missing.started).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/topic/) });
  expect(datasets()).toEqual([]);
  expect(svc.listRuns()).toEqual([]);
  expect(sim.stats().requests).toBe(0);
});
