// The runs service end to end: real SQLite files, real worker threads, the simulator over real HTTP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentSpecInput } from '../../../shared/domain.ts';
import { CallError } from '../errors.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { ledgerTotals, statusCounts } from '../store/runs.ts';
import { itemTotals } from '../store/items.ts';
import { openDatabase } from '../store/db.ts';
import { qaAgent } from '../testing/fixtures.ts';
import { until } from '../testing/until.ts';
import { createRunService, type RunEvent, type RunService } from './service.ts';

let sim: Simulator;
let dir: string;
let svc: RunService;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 5 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-runs-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
  sim.setOptions({ latencyMs: 5 });
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeCsv(name: string, header: string[], rows: string[][]): string {
  const file = path.join(dir, name);
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  fs.writeFileSync(file, [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n');
  return file;
}

/** A unique tag per test, so the simulator's per-prompt counters never mix tests. */
let tagCounter = 0;
function questions(n: number, special: Record<number, string> = {}): string[][] {
  const tag = `${process.pid}-${++tagCounter}`;
  return Array.from({ length: n }, (_, i) => [`q${i} ${tag}${special[i] ?? ''}`, String(i)]);
}

function agent(extra: Partial<AgentSpecInput> = {}): AgentSpecInput {
  // 1 USD per thousand prompt tokens: costs are easy to budget.
  return qaAgent(sim.url, { answerTool: false, pricing: { inputPerMTok: 1000, outputPerMTok: 1000 }, ...extra });
}

async function dataset(n: number, special: Record<number, string> = {}) {
  return svc.importDataset(writeCsv('q.csv', ['question', 'n'], questions(n, special)));
}

function expectConsistent(runId: string): void {
  const db = openDatabase(svc.dbPath);
  try {
    const id = Number(runId);
    const ledger = ledgerTotals(db, id);
    const items = itemTotals(db, id);
    const run = svc.getRun(runId);
    expect(run.totals.promptTokens).toBe(ledger.promptTokens);
    expect(run.totals.completionTokens).toBe(ledger.completionTokens);
    expect(run.totals.costUsd).toBeCloseTo(ledger.costUsd, 9);
    expect(items.promptTokens).toBe(ledger.promptTokens);
    expect(items.costUsd).toBeCloseTo(ledger.costUsd, 9);
    const counts = statusCounts(db, id);
    const { items: total, promptTokens: _p, completionTokens: _c, costUsd: _u, cachedTokens: _k, cachedSavingUsd: _s, cachedCalls: _n, savedUsd: _v, ...byStatus } = run.totals;
    expect(byStatus).toEqual(counts);
    expect(total).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
  } finally {
    db.close();
  }
}

function requestsFor(prompt: string): number {
  return sim.stats().byPrompt.get(prompt) ?? 0;
}

describe('datasets', () => {
  it('imports a CSV into SQLite and pages its rows', async () => {
    const ds = await dataset(2500);
    expect(ds).toMatchObject({ columns: ['question', 'n'], rowCount: 2500, delimiter: ',' });
    expect(svc.listDatasets().map((d) => d.id)).toEqual([ds.id]);
    const rows = svc.datasetRows(ds.id, 2498, 10);
    expect(rows.map((r) => r[1])).toEqual(['2498', '2499']);
  });

  it('imports nothing when the file fails half-way', async () => {
    const rows = questions(5000).map((r) => r.join(','));
    rows.splice(4000, 0, 'too,many,fields'); // line 4002: after several batches were stored
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, ['question,n', ...rows].join('\n'));
    await expect(svc.importDataset(file)).rejects.toMatchObject({ name: 'CsvImportError', code: 'ragged' });
    expect(svc.listDatasets()).toEqual([]);
    const db = new Database(svc.dbPath, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM dataset_rows').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM datasets').pluck().get()).toBe(0);
    db.close();
  });
});

describe('createRun', () => {
  it('names a column the prompt uses and the dataset lacks, before anything starts', async () => {
    const ds = await dataset(3);
    let error: unknown;
    try {
      svc.createRun({ datasetId: ds.id, agent: agent({ prompt: 'Q: {{question}} in {{langauge}}' }) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe('bad-input');
    expect((error as Error).message).toContain('{{langauge}}');
    expect((error as Error).message).toContain('question, n');
    expect(svc.listRuns()).toEqual([]);
  });

  it('names each invalid field of the agent and options', async () => {
    const ds = await dataset(3);
    const bad = { ...agent(), model: '', temperature: 7 } as AgentSpecInput;
    expect(() => svc.createRun({ datasetId: ds.id, agent: bad, options: { batchSize: 0 } })).toThrow(
      expect.objectContaining({ code: 'bad-request', fields: ['agent.model', 'agent.temperature', 'options.batchSize'] }),
    );
  });

  it('renders every prompt and stores the items pending; limit takes the first rows', async () => {
    const ds = await dataset(10);
    const run = svc.createRun({ datasetId: ds.id, agent: agent(), limit: 4 });
    expect(run).toMatchObject({ status: 'pending', inputColumns: ['question', 'n'], outputColumns: ['result'] });
    expect(run.totals).toMatchObject({ items: 4, pending: 4 });
    expect(svc.itemDetail(run.runId, 3).prompt).toMatch(/^Answer: q3 /);
    expect(() => svc.itemDetail(run.runId, 4)).toThrow(/no item 4/);
  });
});

describe('running', () => {
  it('sends a listener that asks for some event types only those', async () => {
    const ds = await dataset(20, { 3: ' [[status:400]]', 11: ' [[status:400]]' });
    const run = svc.createRun({ datasetId: ds.id, agent: agent(), options: { batchSize: 4 } });
    const failures: RunEvent[] = [];
    const all: RunEvent[] = [];
    const latencies: (number | null)[] = [];
    svc.subscribe((id, e) => id === run.runId && failures.push(e), { types: ['item-failed'] });
    svc.on('run:progress', (p) => latencies.push(p.latencyMs));
    svc.start(run.runId);
    // A listener for everything, added while the run goes: from then on its worker forwards all.
    const off = svc.subscribe((id, e) => id === run.runId && all.push(e));
    expect((await svc.finished(run.runId)).totals).toMatchObject({ done: 18, failed: 2 });
    off();
    expect(failures.map((e) => e.type)).toEqual(['item-failed', 'item-failed']);
    expect(all.filter((e) => e.type === 'item-done').length).toBeGreaterThan(0);
    expect(latencies.some((l) => l !== null && l > 0)).toBe(true);
  });

  it('runs on a worker started ahead of time, and a second run on a fresh one', async () => {
    svc.prewarm();
    svc.prewarm(); // one spare at a time
    const ds = await dataset(30);
    const first = svc.createRun({ datasetId: ds.id, agent: agent(), options: { batchSize: 8 } });
    svc.start(first.runId);
    expect((await svc.finished(first.runId)).totals).toMatchObject({ done: 30, pending: 0 });
    const second = svc.createRun({ datasetId: ds.id, agent: agent(), options: { batchSize: 8 } });
    svc.start(second.runId);
    expect((await svc.finished(second.runId)).totals).toMatchObject({ done: 30, pending: 0 });
    expectConsistent(first.runId);
    expectConsistent(second.runId);
    // A spare nobody used is stopped by close (afterEach), without keeping the process alive.
    svc.prewarm();
  });

  it('runs to completion on a worker, with totals equal to the ledger and the items', async () => {
    const ds = await dataset(120);
    const run = svc.createRun({
      datasetId: ds.id,
      agent: agent({
        tools: [{ name: 'answer', description: 'the answer', parameters: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number' } }, required: ['answer', 'confidence'] } }],
        doneIfTool: true,
        output: { answer: 'answer', confidence: 'confidence' },
      }),
      options: { batchSize: 16 },
    });
    const events: RunEvent[] = [];
    const progress: number[] = [];
    svc.subscribe((id, e) => id === run.runId && events.push(e));
    svc.on('run:progress', (p) => progress.push(p.totals.done));
    const finishedEvents: string[] = [];
    svc.on('run:finished', (p) => finishedEvents.push(p.status));
    expect(svc.start(run.runId).status).toBe('running');
    const info = await svc.finished(run.runId);
    expect(info.status).toBe('completed');
    expect(info.totals).toMatchObject({ items: 120, done: 120, failed: 0, pending: 0, running: 0 });
    expect(info.totals.costUsd).toBeGreaterThan(0);
    expect(finishedEvents).toEqual(['completed']);
    expect(progress.at(-1)).toBe(120);
    expect(events.filter((e) => e.type === 'item-done')).toHaveLength(120);
    expect(events.at(-1)).toEqual({ type: 'status', status: 'completed', error: null });
    expectConsistent(run.runId);

    const detail = svc.itemDetail(run.runId, 7);
    expect(detail.output).toEqual({ answer: expect.stringContaining('q7'), confidence: expect.any(Number) });
    expect(detail.transcript.some((m) => m.toolCalls?.[0]?.name === 'answer')).toBe(true);
    expect(detail.attempts).toBe(1);
    expect(detail.calls).toHaveLength(1);

    const page = svc.itemsPage({ runId: run.runId, offset: 10, limit: 5 });
    expect(page.total).toBe(120);
    expect(page.rows.map((r) => r.index)).toEqual([10, 11, 12, 13, 14]);
    const found = svc.itemsPage({ runId: run.runId, offset: 0, limit: 50, search: `q17 ` });
    expect(found.rows.map((r) => r.index)).toEqual([17]);
    const sorted = svc.itemsPage({ runId: run.runId, offset: 0, limit: 3, sort: { column: 'n', desc: true } });
    expect(sorted.rows.map((r) => r.input[1])).toEqual(['99', '98', '97']); // text order of an input column
    const byConfidence = svc.itemsPage({ runId: run.runId, offset: 0, limit: 120, sort: { column: 'confidence', desc: true } }).rows.map((r) => r.output!.confidence as number);
    expect(byConfidence).toEqual([...byConfidence].sort((a, b) => b - a));
    const byLatency = svc.itemsPage({ runId: run.runId, offset: 0, limit: 120, sort: { column: 'latencyMs', desc: false } }).rows.map((r) => r.latencyMs!);
    expect(byLatency).toEqual([...byLatency].sort((a, b) => a - b));
    expect(svc.itemsPage({ runId: run.runId, offset: 0, limit: 10, status: 'failed' })).toEqual({ total: 0, rows: [] });
    expect(svc.listRuns().map((r) => r.runId)).toEqual([run.runId]);
  });

  it('cancel hands in-flight items back; resume sends only the rest, never a done item again', async () => {
    sim.setOptions({ latencyMs: 40 });
    const ds = await dataset(200);
    const run = svc.createRun({ datasetId: ds.id, agent: agent(), options: { batchSize: 8 } });
    svc.start(run.runId);
    await until(() => svc.getRun(run.runId).totals.done >= 30);
    const cancelled = await svc.cancel(run.runId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.totals.running).toBe(0);
    expect(cancelled.totals.failed).toBe(0);
    expect(cancelled.totals.pending).toBeGreaterThan(0);
    expect(cancelled.totals.done + cancelled.totals.pending).toBe(200);
    expectConsistent(run.runId);

    const donePrompts = doneItemPrompts(run.runId);
    const before = new Map(donePrompts.map((p) => [p, requestsFor(p)]));
    svc.resume(run.runId);
    const info = await svc.finished(run.runId);
    expect(info.status).toBe('completed');
    expect(info.totals.done).toBe(200);
    for (const p of donePrompts) expect(requestsFor(p)).toBe(before.get(p));
    expectConsistent(run.runId);
  });

  it('stops at the budget leaving the rest skipped; a raised budget resumes them', async () => {
    const ds = await dataset(60);
    // Each item costs about 0.03 USD (≈ 10 prompt + 20 completion tokens at 1 USD per 1000); its worst case, with
    // the output cap of 40, about 0.05.
    const run = svc.createRun({ datasetId: ds.id, agent: agent({ maxTokensPerCall: 40 }), options: { batchSize: 2, maxCost: 0.3 } });
    svc.start(run.runId);
    const stopped = await svc.finished(run.runId);
    expect(stopped.status).toBe('stopped-budget');
    expect(stopped.error).toMatch(/budget/);
    expect(stopped.totals.skipped).toBeGreaterThan(0);
    expect(stopped.totals.done + stopped.totals.skipped).toBe(60);
    expect(stopped.totals.done).toBeGreaterThan(0);
    expect(stopped.totals.costUsd).toBeLessThanOrEqual(0.3);
    expectConsistent(run.runId);

    // The same budget: nothing is sent.
    const requests = sim.stats().requests;
    svc.resume(run.runId);
    expect((await svc.finished(run.runId)).status).toBe('stopped-budget');
    expect(sim.stats().requests).toBe(requests);

    const donePrompts = doneItemPrompts(run.runId);
    const before = new Map(donePrompts.map((p) => [p, requestsFor(p)]));
    svc.resume(run.runId, { maxCost: 100 });
    const done = await svc.finished(run.runId);
    expect(done.status).toBe('completed');
    expect(done.options.maxCost).toBe(100);
    expect(done.totals).toMatchObject({ done: 60, skipped: 0, pending: 0 });
    for (const p of donePrompts) expect(requestsFor(p)).toBe(before.get(p));
    expectConsistent(run.runId);
  });

  it('stops on an error under onError stop; resume continues, retry-failed reruns only the failed item', async () => {
    // Item 5 gets a 400 (not retried) on its first request only.
    const ds = await dataset(80, { 5: ' [[status:400x1]]' });
    const run = svc.createRun({ datasetId: ds.id, agent: agent(), options: { batchSize: 4, onError: 'stop' } });
    svc.start(run.runId);
    const stopped = await svc.finished(run.runId);
    expect(stopped.status).toBe('stopped-error');
    expect(stopped.error).toBeTruthy();
    expect(stopped.totals.failed).toBe(1);
    expect(svc.itemDetail(run.runId, 5)).toMatchObject({ status: 'failed', error: expect.stringContaining('400') });
    expect(stopped.totals.done).toBeLessThan(80);
    expectConsistent(run.runId);

    svc.resume(run.runId);
    const resumed = await svc.finished(run.runId);
    expect(resumed.status).toBe('completed');
    expect(resumed.totals).toMatchObject({ done: 79, failed: 1 });

    const failedPrompt = svc.itemDetail(run.runId, 5).prompt;
    const others = doneItemPrompts(run.runId);
    const before = new Map(others.map((p) => [p, requestsFor(p)]));
    svc.retryFailed(run.runId);
    const retried = await svc.finished(run.runId);
    expect(retried.status).toBe('completed');
    expect(retried.totals).toMatchObject({ done: 80, failed: 0 });
    expect(svc.itemDetail(run.runId, 5)).toMatchObject({ status: 'done', attempts: 2, error: null });
    expect(requestsFor(failedPrompt)).toBe(2);
    for (const p of others) expect(requestsFor(p)).toBe(before.get(p));
    expectConsistent(run.runId);
  });

  it('pauses and resumes a running run', async () => {
    sim.setOptions({ latencyMs: 30 });
    const ds = await dataset(60);
    const run = svc.createRun({ datasetId: ds.id, agent: agent(), options: { batchSize: 4 } });
    svc.start(run.runId);
    await until(() => svc.getRun(run.runId).totals.done >= 5);
    svc.pause(run.runId);
    await until(() => svc.getRun(run.runId).status === 'paused');
    await until(() => svc.getRun(run.runId).totals.running === 0);
    const doneAtPause = svc.getRun(run.runId).totals.done;
    // A window for a pause that does not hold to show itself; a pause that holds passes however long.
    await new Promise((r) => setTimeout(r, 200));
    expect(svc.getRun(run.runId).totals.done).toBe(doneAtPause);
    svc.unpause(run.runId);
    expect((await svc.finished(run.runId)).status).toBe('completed');
  });

  it('finds a run left running by a dead process as interrupted, its running items pending', async () => {
    const ds = await dataset(5);
    const run = svc.createRun({ datasetId: ds.id, agent: agent() });
    const db = openDatabase(svc.dbPath);
    db.prepare(`UPDATE runs SET status = 'running', owner = ?, heartbeat_at = ? WHERE id = ?`).run(`${os.hostname()}:2147483646`, Date.now(), Number(run.runId));
    db.prepare(`UPDATE items SET status = 'running', attempts = 1 WHERE run_id = ? AND row_index < 2`).run(Number(run.runId));
    db.prepare(`UPDATE items SET status = 'done' WHERE run_id = ? AND row_index = 4`).run(Number(run.runId));
    db.close();

    const other = createRunService({ dbPath: svc.dbPath, apiKey: () => 'sk-test' });
    try {
      const info = other.getRun(run.runId);
      expect(info.status).toBe('interrupted');
      expect(info.totals).toMatchObject({ running: 0, pending: 4, done: 1 });
      other.resume(run.runId);
      const finished = await other.finished(run.runId);
      expect(finished.totals).toMatchObject({ done: 5, pending: 0 });
      expect(svc.itemDetail(run.runId, 4).attempts).toBe(0); // the done item was never sent
    } finally {
      await other.close();
    }
  });

  it('refuses to start a run another live process is running', async () => {
    const ds = await dataset(3);
    const run = svc.createRun({ datasetId: ds.id, agent: agent() });
    const db = openDatabase(svc.dbPath);
    db.prepare(`UPDATE runs SET status = 'running', owner = ?, heartbeat_at = ? WHERE id = ?`).run(`${os.hostname()}:${process.ppid}`, Date.now(), Number(run.runId));
    db.close();
    expect(svc.recoverInterrupted()).toEqual([]);
    expect(() => svc.start(run.runId)).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('exports a run to xlsx in row order: input columns, one column per output, the meta columns, a settings sheet', async () => {
    const ds = await dataset(30, { 4: ' [[status:400]]' });
    const run = svc.createRun({
      datasetId: ds.id,
      agent: agent({
        tools: [{ name: 'answer', description: '', parameters: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number' } }, required: ['answer', 'confidence'] } }],
        doneIfTool: true,
        output: { answer: 'answer', confidence: 'confidence' },
      }),
    });
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    const file = path.join(dir, 'out.xlsx');
    expect(await svc.exportRun(run.runId, file)).toEqual({ rows: 30, path: file });
    const { default: ExcelJS } = await import('exceljs');
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const sheet = book.worksheets[0];
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([
      'question', 'n', 'answer', 'confidence', '_status', '_error', '_turns', '_prompt_tokens', '_completion_tokens', '_cached_tokens', '_cost_usd', '_latency_ms', '_cached',
    ]);
    expect(sheet.rowCount).toBe(31);
    for (let i = 0; i < 30; i++) expect(sheet.getRow(i + 2).getCell(2).value).toBe(String(i));
    expect(sheet.getRow(6).getCell(5).value).toBe('failed');
    expect(String(sheet.getRow(6).getCell(6).value)).toContain('400');
    let tokens = 0;
    for (let i = 0; i < 30; i++) tokens += Number(sheet.getRow(i + 2).getCell(8).value);
    expect(tokens).toBe(info.totals.promptTokens);
    const settings = new Map<string, unknown>();
    book.worksheets[1].eachRow((row) => settings.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(settings.get('Status')).toBe('completed');
    expect(settings.get('Done')).toBe(29);
    expect(settings.get('Failed')).toBe(1);
    expect(settings.get('Prompt tokens')).toBe(info.totals.promptTokens);
    expect(settings.get('Model')).toBe('sim-model');
  });

  it('deletes a run with its items, calls and transcripts, keeping the dataset', async () => {
    const ds = await dataset(10);
    const run = svc.createRun({ datasetId: ds.id, agent: agent() });
    svc.start(run.runId);
    await svc.finished(run.runId);
    expect(() => svc.deleteDataset(ds.id)).toThrow(expect.objectContaining({ code: 'conflict' }));
    await svc.deleteRun(run.runId);
    expect(svc.listRuns()).toEqual([]);
    const db = new Database(svc.dbPath, { readonly: true });
    for (const t of ['items', 'calls', 'transcripts', 'run_counts']) expect(db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get()).toBe(0);
    db.close();
    svc.deleteDataset(ds.id);
    expect(svc.listDatasets()).toEqual([]);
  });
});

function doneItemPrompts(runId: string): string[] {
  const out: string[] = [];
  const total = svc.getRun(runId).totals.items;
  for (let offset = 0; offset < total; offset += 1000) {
    for (const row of svc.itemsPage({ runId, offset, limit: 1000, status: 'done' }).rows) out.push(svc.itemDetail(runId, row.index).prompt);
  }
  return out;
}

