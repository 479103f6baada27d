// The response cache across runs of one database: real worker threads, real SQLite, the simulator
// over real HTTP, its request counts the measure of what was sent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { RunOptionsInput } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { openDatabase } from '../store/db.ts';
import { cacheSize, putCachedAnswer } from '../store/cache.ts';
import { qaAgent, TEST_PRICING } from '../testing/fixtures.ts';
import { checkStore } from './test-store.ts';
import { createRunService, type RunInfo, type RunService } from './service.ts';

let sim: Simulator;
let dir: string;
let dbPath: string;
let svc: RunService;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 2 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cache-run-'));
  dbPath = path.join(dir, 'rowrunner.db');
  svc = createRunService({ dbPath, apiKey: () => 'sk-test' });
  sim.resetStats();
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Chat requests the simulator answered since its last reset (its /v1/models probes are not requests for answers). */
function sent(): number {
  const s = sim.stats();
  return s.requests - s.modelRequests;
}

let tag = 0;
async function dataset(n: number, edit: (i: number) => boolean = () => false): Promise<string> {
  const file = path.join(dir, `q${++tag}.csv`);
  const rows = Array.from({ length: n }, (_, i) => `${i},question ${i} of ${process.pid}${edit(i) ? ' (edited)' : ''}`);
  fs.writeFileSync(file, ['id,question', ...rows].join('\n') + '\n');
  return (await svc.importDataset(file)).id;
}

const agent = () => qaAgent(sim.url, { pricing: TEST_PRICING });

async function run(datasetId: string, options: RunOptionsInput = {}, limit?: number): Promise<RunInfo> {
  const r = svc.createRun({ datasetId, agent: agent(), options: { batchSize: 16, ...options }, ...(limit ? { limit } : {}) });
  svc.start(r.runId);
  const info = await svc.finished(r.runId);
  expect(info.status).toBe('completed');
  checkStore(dbPath, Number(r.runId));
  return info;
}

async function exportedCached(runId: string): Promise<unknown[]> {
  const file = path.join(dir, `run-${runId}.jsonl`);
  await svc.exportRun(runId, file);
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Record<string, unknown>)._cached);
}

it('an identical second run sends nothing and costs nothing; its totals say what the cache saved', async () => {
  const ds = await dataset(200);
  const first = await run(ds);
  expect(sent()).toBe(200);
  expect(first.totals).toMatchObject({ done: 200, cachedCalls: 0, savedUsd: 0 });
  expect(first.totals.costUsd).toBeGreaterThan(0);
  expect(new Set(await exportedCached(first.runId))).toEqual(new Set([false]));

  sim.resetStats();
  const second = await run(ds);
  expect(sent()).toBe(0);
  expect(second.totals).toMatchObject({ done: 200, costUsd: 0, promptTokens: 0, completionTokens: 0, cachedCalls: 200 });
  expect(second.totals.savedUsd).toBeCloseTo(first.totals.costUsd, 9);
  expect(new Set(await exportedCached(second.runId))).toEqual(new Set([true]));
  // Same answers, and the transcript says where they came from.
  const a = svc.itemDetail(first.runId, 17);
  const b = svc.itemDetail(second.runId, 17);
  expect(b.output).toEqual(a.output);
  expect(b.transcript.find((m) => m.role === 'assistant')).toMatchObject({ fromCache: true });
  expect(a.transcript.find((m) => m.role === 'assistant')?.fromCache).toBeUndefined();
});

it('a run with 20 edited rows out of 200 sends 20; with the cache off it sends all 200', async () => {
  await run(await dataset(200));
  sim.resetStats();
  const edited = await run(await dataset(200, (i) => i % 10 === 3));
  expect(sent()).toBe(20);
  expect(edited.totals.cachedCalls).toBe(180);
  const cached = await exportedCached(edited.runId);
  expect(cached.filter((c) => c === false)).toHaveLength(20);
  expect(cached[3]).toBe(false);
  expect(cached[4]).toBe(true);

  sim.resetStats();
  const off = await run(await dataset(200), { cache: false });
  expect(sent()).toBe(200);
  expect(off.totals.cachedCalls).toBe(0);
});

it('a trial of 5 rows and then the full run pay for each row once', async () => {
  const ds = await dataset(60);
  await run(ds, {}, 5);
  expect(sent()).toBe(5);
  await run(ds);
  expect(sent()).toBe(60);
  expect([...sim.stats().byPrompt.values()].every((n) => n === 1)).toBe(true);
});

it('keeps no failed answer: a row that failed is sent again by the next run', async () => {
  const file = path.join(dir, 'fail.csv');
  fs.writeFileSync(file, `id,question\n0,fine ${process.pid}\n1,refused ${process.pid} [[status:400]]\n`);
  const ds = (await svc.importDataset(file)).id;
  const first = await run(ds);
  expect(first.totals).toMatchObject({ done: 1, failed: 1 });
  const db = openDatabase(dbPath);
  try {
    expect(cacheSize(db).entries).toBe(1);
  } finally {
    db.close();
  }
  sim.resetStats();
  await run(ds);
  expect([...sim.stats().byPrompt.keys()]).toEqual([expect.stringContaining('refused')]);
});

it('answers from what another writer kept in the same database (a batch result, say)', async () => {
  const ds = await dataset(3);
  const first = await run(ds);
  // The same questions asked of the same endpoint: a third run finds the answers a batch put in.
  const db = openDatabase(dbPath);
  try {
    const keys = db.prepare(`SELECT key FROM response_cache`).pluck().all() as string[];
    expect(keys).toHaveLength(3);
    db.prepare(`DELETE FROM response_cache`).run();
    for (const key of keys) {
      putCachedAnswer(db, {
        key,
        reply: { content: null, toolCalls: [{ id: 'call_b', name: 'answer', arguments: '{"answer":"from a batch"}' }], finishReason: 'tool_calls', model: 'sim-model' },
        promptTokens: 10,
        completionTokens: 5,
        costUsd: 0.5,
        source: 'batch',
        runId: null,
      });
    }
  } finally {
    db.close();
  }
  sim.resetStats();
  const third = await run(ds);
  expect(sent()).toBe(0);
  expect(third.totals.savedUsd).toBeCloseTo(1.5, 9);
  expect(svc.itemDetail(third.runId, 0).output).toEqual({ answer: 'from a batch' });
  expect(svc.itemDetail(first.runId, 0).output).not.toEqual({ answer: 'from a batch' });
});

it("the app's simulated endpoint is known to the cache by name: its answers outlive the port it moved from", async () => {
  const ds = await dataset(30);
  const other = await startSimulator({ latencyMs: 2 });
  try {
    const onPort = async (url: string, endpoint: { kind: 'simulated' } | { kind: 'custom'; baseURL: string }) => {
      const r = svc.createRun({ datasetId: ds, agent: agent(), options: { batchSize: 8 }, endpoint });
      svc.start(r.runId, { baseURL: url, endpoint });
      const info = await svc.finished(r.runId);
      expect(info.status).toBe('completed');
      return info;
    };
    await onPort(sim.url, { kind: 'simulated' });
    expect(sent()).toBe(30);
    // The next launch's simulator listens elsewhere: the same requests are answered from the cache.
    const again = await onPort(other.url, { kind: 'simulated' });
    expect(again.totals.cachedCalls).toBe(30);
    expect(other.stats().requests - other.stats().modelRequests).toBe(0);
    // A custom endpoint is another server: keyed by its URL, so nothing is taken from the simulated one's answers.
    const custom = await onPort(other.url, { kind: 'custom', baseURL: other.url });
    expect(custom.totals.cachedCalls).toBe(0);
    expect(other.stats().requests - other.stats().modelRequests).toBe(30);
  } finally {
    await other.close();
  }
});
