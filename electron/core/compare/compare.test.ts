// Runs side by side through the runs service: real SQLite files, real worker threads, the simulator
// over real HTTP. Two prompts that read different columns answer alike exactly where those columns agree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError } from '../errors.ts';
import { createRunService, type RunService } from '../runs/service.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent, TEST_PRICING } from '../testing/fixtures.ts';

let sim: Simulator;
let dir: string;
let svc: RunService;
/** Three finished runs, made once: the tests only read them (or add runs of their own). */
let runs: Awaited<ReturnType<typeof threeRuns>>;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 2 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-compare-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
  runs = await threeRuns();
});
afterAll(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await sim.close();
});

/** Columns a and b agree on rows 0, 2, 4; row 5's b makes the endpoint refuse it; row 1 holds a formula. */
const ROWS = [
  ['alpha', 'alpha'],
  ['=1+1', 'beta'],
  ['gamma', 'gamma'],
  ['delta', 'DELTA'],
  ['eps', 'eps'],
  ['zeta', 'zeta [[status:400]]'],
];

function csv(name: string, header: string[], rows: string[][]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, [header, ...rows].map((r) => r.join(',')).join('\n') + '\n');
  return file;
}

/** A run made and left pending: enough for what only looks at its rows. */
function pendingRun(datasetId: string, prompt: string, name: string, extra: { systemMessage?: string; limit?: number } = {}): string {
  const { limit, ...agentExtra } = extra;
  const agent = qaAgent(sim.url, { answerTool: false, prompt, pricing: TEST_PRICING, ...agentExtra });
  return svc.createRun({ datasetId, name, agent, ...(limit ? { limit } : {}) }).runId;
}

async function finishedRun(datasetId: string, prompt: string, name: string, extra: { systemMessage?: string } = {}): Promise<string> {
  const runId = pendingRun(datasetId, prompt, name, extra);
  svc.start(runId);
  await svc.finished(runId);
  return runId;
}

async function threeRuns() {
  const ds = await svc.importDataset(csv('ab.csv', ['a', 'b'], ROWS));
  const a = await finishedRun(ds.id, '{{a}}', 'reads a');
  const b = await finishedRun(ds.id, '{{b}}', 'reads b', { systemMessage: 'Be brief.' });
  // The same rows in another file: matched by position.
  const copy = await svc.importDataset(csv('ab-copy.csv', ['a', 'b'], ROWS));
  const c = await finishedRun(copy.id, '{{a}}', 'reads a again');
  return { ds, a, b, c };
}

function refusal(f: () => unknown): CallError {
  try {
    f();
  } catch (e) {
    if (e instanceof CallError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('a comparison', () => {
  it('marks the rows whose outputs differ, pages them, and sums each run', async () => {
    const { a, b } = runs;
    const summary = svc.compare.summary([a, b]);
    expect(summary.rows).toBe(6);
    expect(summary.inputColumns).toEqual(['a', 'b']);
    expect(summary.comparedColumns).toEqual(['result']);
    // Rows 1 and 3 answer different text; row 5 is done in one run and failed in the other.
    expect(summary.differing).toBe(3);
    expect(summary.runs.map((r) => [r.runId, r.name, r.totals.done, r.totals.failed])).toEqual([
      [a, 'reads a', 6, 0],
      [b, 'reads b', 5, 1],
    ]);
    for (const r of summary.runs) {
      expect(r.totals.costUsd).toBeGreaterThan(0);
      expect(r.totals.promptTokens).toBeGreaterThan(0);
      expect(r.totals.medianLatencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(summary.agentDifferences).toEqual([
      { field: 'systemMessage', values: ['', 'Be brief.'] },
      { field: 'prompt', values: ['{{a}}', '{{b}}'] },
    ]);

    const all = svc.compare.page({ runIds: [a, b], offset: 0, limit: 100 });
    expect(all.total).toBe(6);
    expect(all.rows.map((r) => r.differs)).toEqual([false, true, false, true, false, true]);
    expect(all.rows[0].input).toEqual(['alpha', 'alpha']);
    expect(all.rows[0].cells.map((c) => c.output)).toEqual([{ result: 'Simulated reply to: alpha' }, { result: 'Simulated reply to: alpha' }]);
    expect(all.rows[5].cells.map((c) => c.status)).toEqual(['done', 'failed']);
    expect(all.rows[5].cells[1].error).toBeTruthy();

    const first = svc.compare.page({ runIds: [a, b], offset: 0, limit: 2, onlyDiffering: true });
    const rest = svc.compare.page({ runIds: [a, b], offset: 2, limit: 2, onlyDiffering: true });
    expect(first.total).toBe(3);
    expect(first.rows.map((r) => r.index)).toEqual([1, 3]);
    expect(rest.rows.map((r) => r.index)).toEqual([5]);
    expect(rest.rows.every((r) => r.differs)).toBe(true);
  });

  it('matches another dataset with the same columns and length by position, and compares three runs', async () => {
    const { a, b, c } = runs;
    const same = svc.compare.summary([a, c]);
    expect(same.differing).toBe(0);
    expect(same.agentDifferences).toEqual([]);
    const three = svc.compare.page({ runIds: [a, b, c], offset: 0, limit: 10, onlyDiffering: true });
    expect(three.rows.map((r) => r.index)).toEqual([1, 3, 5]);
    expect(three.rows[0].cells).toHaveLength(3);
  });

  it('refuses one run, an unknown run and runs over different rows, saying which', async () => {
    const { ds, a } = runs;
    expect(refusal(() => svc.compare.summary([a])).message).toMatch(/two runs or more; got only run/);
    expect(refusal(() => svc.compare.summary([a, a])).code).toBe('bad-input');
    const unknown = refusal(() => svc.compare.summary([a, '999']));
    expect(unknown.code).toBe('not-found');
    expect(unknown.message).toContain('"999"');
    const trial = pendingRun(ds.id, '{{a}}', 'trial', { limit: 3 });
    expect(refusal(() => svc.compare.summary([a, trial])).message).toBe(`Runs ${a} and ${trial} cover different rows: run ${a} has 6 rows, run ${trial} has 3.`);
    const other = await svc.importDataset(csv('ac.csv', ['a', 'c'], ROWS));
    const elsewhere = pendingRun(other.id, '{{a}}', 'other columns');
    expect(refusal(() => svc.compare.summary([a, elsewhere])).message).toMatch(/different columns .*a, b.*a, c/);
    const longer = await svc.importDataset(csv('longer.csv', ['a', 'b'], [...ROWS, ['eta', 'eta']]));
    const third = pendingRun(longer.id, '{{a}}', 'longer', { limit: 6 });
    expect(refusal(() => svc.compare.summary([a, third])).message).toMatch(/datasets differ in length/);
  });
});

describe('its export', () => {
  it('writes the input columns, {column}@{runId} per run and _differs, formula-safe', async () => {
    const { a, b } = runs;
    const jsonl = path.join(dir, 'cmp.jsonl');
    expect(await svc.compare.exportTo([a, b], jsonl)).toEqual({ rows: 6, path: jsonl });
    const lines = fs.readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(lines[0])).toEqual(['a', 'b', `result@${a}`, `result@${b}`, '_differs']);
    expect(lines.map((l) => l._differs)).toEqual([false, true, false, true, false, true]);
    expect(lines[5][`result@${b}`]).toBeNull();

    const csvFile = path.join(dir, 'cmp.csv');
    await svc.compare.exportTo([a, b], csvFile);
    const text = fs.readFileSync(csvFile, 'utf8');
    expect(text.split('\r\n')[0]).toBe(`\uFEFFa,b,result@${a},result@${b},_differs`);
    expect(text.split('\r\n')[2]).toBe(`'=1+1,beta,Simulated reply to: =1+1,Simulated reply to: beta,true`);

    const xlsx = path.join(dir, 'cmp.xlsx');
    await svc.compare.exportTo([a, b], xlsx);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    const sheet = wb.getWorksheet('Results')!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'a', 'b', `result@${a}`, `result@${b}`, '_differs']);
    expect(sheet.getCell('A3').type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getCell('A3').value).toBe('=1+1');
    expect(sheet.getCell('E3').value).toBe(true);
    expect(sheet.rowCount).toBe(7);
  });
});

describe('renaming a run', () => {
  it('keeps the new name, trimmed, and refuses an empty one', async () => {
    const runId = pendingRun(runs.ds.id, '{{a}}', 'first name');
    expect(svc.renameRun(runId, '  baseline  ').name).toBe('baseline');
    expect(svc.getRun(runId).name).toBe('baseline');
    expect(() => svc.renameRun(runId, '   ')).toThrow(/cannot be empty/);
    expect(svc.getRun(runId).name).toBe('baseline');
  });
});
