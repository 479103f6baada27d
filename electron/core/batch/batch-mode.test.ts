// Batch mode end to end through the runs service: real worker threads, a real SQLite file, the
// simulator's Batch API through the openai SDK.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { RunOptionsInput } from '../../../shared/domain.ts';
import { createRunService, type RunService } from '../runs/service.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from '../store/datasets.ts';
import { openDatabase } from '../store/db.ts';
import { runBatches } from '../store/provider-batches.ts';
import { qaAgent, TEST_PRICING } from '../testing/fixtures.ts';
import { until } from '../testing/until.ts';
import { BatchApi } from './client.ts';

let sim: Simulator;
let dir: string;
const services: RunService[] = [];

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-batch-mode-'));
  sim.setOptions({ batch: { processingMs: 0 } });
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Row i's question; some rows fail at the provider, some expire in their first batch. */
function question(i: number, tag: string): string {
  if (i % 100 === 7) return `${tag}${i} [[status:400]]`;
  if (i % 250 === 13) return `${tag}${i} [[batchexpirex1]]`;
  return `${tag}${i}`;
}

function setUp(name: string, count: number, tag: string) {
  const dbPath = path.join(dir, `${name}.db`);
  const db = openDatabase(dbPath);
  const datasetId = db.transaction(() => {
    const id = beginDataset(db, { name, sourcePath: null });
    setDatasetHeader(db, id, { columns: ['question'], notes: [], delimiter: ',', encoding: 'utf-8' });
    insertDatasetRows(db, id, 0, Array.from({ length: count }, (_, i) => [question(i, tag)]));
    finishDataset(db, id, count);
    return id;
  })();
  db.close();
  const svc = createRunService({ dbPath, apiKey: () => 'sk-test', workerSilenceMs: 30_000 });
  services.push(svc);
  return { svc, dbPath, datasetId: String(datasetId) };
}

async function run(name: string, count: number, tag: string, options: RunOptionsInput) {
  const { svc, dbPath, datasetId } = setUp(name, count, tag);
  const created = svc.createRun({ datasetId, agent: { ...qaAgent(sim.url, { pricing: TEST_PRICING }), maxTokensPerCall: 50 }, options });
  svc.start(created.runId);
  const info = await svc.finished(created.runId);
  const file = path.join(dir, `${name}.jsonl`);
  await svc.exportRun(created.runId, file, 'jsonl');
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { info, rows, dbPath, runId: Number(created.runId) };
}

it('runs 2,000 rows through batches to the export a live run gives, at half the cost', { timeout: 180_000 }, async () => {
  const ROWS = 2000;
  sim.resetStats();
  const live = await run('live', ROWS, 'lq', { batchSize: 64 });
  const liveStats = sim.stats();
  expect(liveStats.fileUploads).toBe(0);

  sim.resetStats();
  const batch = await run('batch', ROWS, 'lq', { mode: 'batch' });
  const stats = sim.stats();
  // One batch for every row, then the expired lines once more.
  expect(stats.fileUploads).toBe(2);
  expect(stats.batchesCreated).toBe(2);
  expect(stats.byStatus[200]).toBeGreaterThan(0);

  expect(batch.info.status).toBe(live.info.status);
  const failedRows = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 100 === 7).length;
  expect(batch.info.totals).toMatchObject({ items: ROWS, done: ROWS - failedRows, failed: failedRows });
  const strip = (r: Record<string, unknown>) => {
    const { _cost_usd: _c, _latency_ms: _l, ...rest } = r;
    return rest;
  };
  expect(batch.rows.map(strip)).toEqual(live.rows.map(strip));
  expect(batch.rows.find((r) => r.question === 'lq7 [[status:400]]')).toMatchObject({ _status: 'failed', _error: 'HTTP 400 Simulated error 400.' });
  // Each call's cost is rounded up to a whole micro-dollar, the live one and the batch one alike: a
  // row's batch cost is half its live cost to within that micro-dollar, the run's within one a row.
  const MICRO = 1e-6;
  for (const [i, r] of batch.rows.entries()) {
    expect(Math.abs((r._cost_usd as number) - (live.rows[i]._cost_usd as number) / 2)).toBeLessThanOrEqual(MICRO + 1e-12);
  }
  expect(Math.abs(batch.info.totals.costUsd - live.info.totals.costUsd / 2)).toBeLessThanOrEqual(ROWS * MICRO);
  expect(batch.info.totals.promptTokens).toBe(live.info.totals.promptTokens);

  const db = openDatabase(batch.dbPath);
  try {
    expect(runBatches(db, batch.runId).map((b) => [b.status, b.total, b.collected])).toEqual([
      ['expired', ROWS, true],
      ['completed', 8, true],
    ]);
    expect(db.prepare(`SELECT COUNT(*) FROM response_cache WHERE source = 'batch'`).pluck().get()).toBe(ROWS - failedRows);
  } finally {
    db.close();
  }
});

it('fails a row that no batch runs twice, and refuses an endpoint without a Batch API before sending', { timeout: 60_000 }, async () => {
  const { svc, datasetId } = setUp('twice', 3, 'tw');
  const agent = qaAgent(sim.url, { pricing: TEST_PRICING });
  const db = openDatabase(path.join(dir, 'twice.db'));
  insertDatasetRows(db, Number(datasetId), 3, [['never [[batchexpire]]']]);
  db.prepare(`UPDATE datasets SET row_count = 4 WHERE id = ?`).run(Number(datasetId));
  db.close();
  const created = svc.createRun({ datasetId, agent, options: { mode: 'batch' } });
  svc.start(created.runId);
  const info = await svc.finished(created.runId);
  expect(info.totals).toMatchObject({ done: 3, failed: 1 });
  const failed = svc.itemsPage({ runId: created.runId, offset: 0, limit: 10, status: 'failed' }).rows;
  expect(failed[0].error).toMatch(/no batch ran this request in 2 tries \(batch_expired/);

  // A server with chat completions only, as Ollama: /v1/batches is a 404.
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const other = svc.createRun({ datasetId, agent: { ...agent, baseURL }, options: { mode: 'batch' } });
    svc.start(other.runId);
    const refused = await svc.finished(other.runId);
    expect(refused.status).toBe('stopped-error');
    expect(refused.error).toContain('has no Batch API');
    expect(refused.totals).toMatchObject({ pending: 4, done: 0, failed: 0 });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

it('a cancel cancels the run\'s batch at the provider; a resume sends its requests again, their one resend kept', { timeout: 60_000 }, async () => {
  sim.setOptions({ batch: { processingMs: 3_600_000 } });
  sim.resetStats();
  const { svc, dbPath, datasetId } = setUp('cancel', 20, 'cq');
  const created = svc.createRun({ datasetId, agent: qaAgent(sim.url, { pricing: TEST_PRICING }), options: { mode: 'batch' } });
  svc.start(created.runId);
  const db = openDatabase(dbPath, { readonly: true });
  let batchId: string | null = null;
  try {
    await until(() => (batchId = runBatches(db, Number(created.runId))[0]?.batchId ?? null) !== null);
  } finally {
    db.close();
  }
  await svc.cancel(created.runId);
  const info = await svc.finished(created.runId);
  expect(info.status).toBe('cancelled');
  expect(info.totals).toMatchObject({ pending: 20, done: 0 });
  expect((await new BatchApi({ baseURL: sim.url }).retrieve(batchId!)).status).toBe('cancelled');

  sim.setOptions({ batch: { processingMs: 0 } });
  svc.resume(created.runId);
  // Row 7 fails at the provider; row 13 expires once and still has its resend, which the cancel did not use.
  expect((await svc.finished(created.runId)).totals).toMatchObject({ done: 19, failed: 1 });
  expect(sim.stats()).toMatchObject({ fileUploads: 3, batchesCreated: 3 });
});

it('keeps a cost budget: each request is reserved at its worst case before it goes into a file', { timeout: 60_000 }, async () => {
  sim.resetStats();
  const { svc, datasetId } = setUp('budget', 200, 'bq');
  // At the batch price, a call's worst case (its prompt and the 50-token cap) is about $0.00002; this fits some 60 of them at once.
  const maxCost = 0.0012;
  const created = svc.createRun({ datasetId, agent: { ...qaAgent(sim.url, { pricing: TEST_PRICING }), maxTokensPerCall: 50 }, options: { mode: 'batch', maxCost } });
  svc.start(created.runId);
  const info = await svc.finished(created.runId);
  expect(info.totals.costUsd).toBeLessThanOrEqual(maxCost);
  expect(info.totals.done).toBeGreaterThan(0);
  // Answers cost less than their worst case, so what was settled lets more in, round after round.
  expect(sim.stats().batchesCreated).toBeGreaterThan(1);
  expect(info.status).toBe(info.totals.done + info.totals.failed === 200 ? 'completed' : 'stopped-budget');
});
