import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { BatchEvent } from '../../../shared/domain.ts';
import { AgentSpecSchema, RunOptionsSchema } from '../../../shared/domain.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from './datasets.ts';
import { openDatabase, type Db } from './db.ts';
import { getItem, growingItemSource, insertItems, itemCalls, itemTotals, pendingItemSource, resetFailed, resetRunning, resetSkipped } from './items.ts';
import { getRun, insertRun, ledgerTotals, statusCounts } from './runs.ts';
import { createEventWriter } from './writer.ts';

let dir: string;
let db: Db;
let runId: number;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-writer-'));
  db = openDatabase(path.join(dir, 'w.db'));
  const ds = beginDataset(db, { name: 'd', sourcePath: null });
  setDatasetHeader(db, ds, { columns: ['q'], notes: [], delimiter: ',', encoding: 'utf-8' });
  db.transaction(() => insertDatasetRows(db, ds, 0, [['a'], ['b'], ['c'], ['d']]))();
  finishDataset(db, ds, 4);
  runId = insertRun(db, {
    name: 'r',
    datasetId: ds,
    agent: AgentSpecSchema.parse({ name: 'a', model: 'm', prompt: '{{q}}' }),
    options: RunOptionsSchema.parse({}),
    itemCount: 4,
  });
  db.transaction(() => insertItems(db, runId, ['a', 'b', 'c', 'd'].map((prompt, index) => ({ index, prompt }))))();
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const call = (index: number, p: number, c: number, cost: number): BatchEvent => ({
  type: 'llm-call', index, promptTokens: p, completionTokens: c, costUsd: cost, latencyMs: 12.4, status: 200,
});
const fin = { turns: 1, promptTokens: 0, completionTokens: 0, costUsd: 0, latencyMs: 30, transcript: [{ role: 'user' as const, content: 'x' }] };

it('commits results with their status, and every call once into the ledger, the item and the run', () => {
  const w = createEventWriter(db, runId);
  const changed = w.apply([
    { type: 'item-started', index: 0 },
    { type: 'item-started', index: 1 },
    call(0, 10, 2, 0.001),
    call(0, 20, 3, 0.002),
    { type: 'item-done', index: 0, output: { result: 'A' }, ...fin },
    call(1, 7, 1, 0.0005),
    { type: 'item-failed', index: 1, error: 'HTTP 500', ...fin },
    { type: 'progress', total: 4, done: 1, failed: 1, skipped: 0, running: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, concurrency: 2 },
  ]);
  expect(changed).toEqual([0, 1, 0, 1]);
  expect(getItem(db, runId, 0)).toMatchObject({ status: 'done', output: { result: 'A' }, promptTokens: 30, completionTokens: 5, attempts: 1, input: ['a'] });
  expect(getItem(db, runId, 0)!.transcript).toEqual(fin.transcript);
  expect(getItem(db, runId, 1)).toMatchObject({ status: 'failed', error: 'HTTP 500', promptTokens: 7 });

  // Retry the failed item: a second attempt adds to its totals; the first attempt's tokens stay.
  expect(resetFailed(db, runId)).toBe(1);
  w.apply([{ type: 'item-started', index: 1 }, call(1, 8, 2, 0.0006), { type: 'item-done', index: 1, output: { result: 'B' }, ...fin }]);
  const item1 = getItem(db, runId, 1)!;
  expect(item1).toMatchObject({ status: 'done', error: null, promptTokens: 15, completionTokens: 3, attempts: 2 });
  expect(itemCalls(db, runId, 1).map((c) => c.attempt)).toEqual([1, 2]);

  // A duplicate result for a done item changes nothing.
  expect(w.apply([{ type: 'item-done', index: 0, output: { result: 'again' }, ...fin }])).toEqual([]);
  expect(getItem(db, runId, 0)!.output).toEqual({ result: 'A' });

  // Run totals = ledger = sum over items.
  const run = getRun(db, runId)!;
  const ledger = ledgerTotals(db, runId);
  expect(ledger).toMatchObject({ promptTokens: 45, completionTokens: 8, calls: 4 });
  expect(run.promptTokens).toBe(ledger.promptTokens);
  expect(run.completionTokens).toBe(ledger.completionTokens);
  expect(run.costUsd).toBeCloseTo(ledger.costUsd, 12);
  expect(run.callCount).toBe(4);
  expect(itemTotals(db, runId).promptTokens).toBe(45);
});

it('keeps tokens of calls whose item never finished, and hands in-flight and skipped items back', () => {
  const w = createEventWriter(db, runId);
  w.apply([
    { type: 'item-started', index: 2 },
    call(2, 50, 5, 0.01),
    { type: 'item-skipped', index: 3, reason: 'budget' },
  ]);
  expect(statusCounts(db, runId)).toMatchObject({ running: 1, skipped: 1, pending: 2 });
  expect(getRun(db, runId)!.counts).toEqual(statusCounts(db, runId));
  expect(getItem(db, runId, 3)!.skipReason).toBe('budget');
  expect(resetRunning(db, runId)).toBe(1);
  expect(resetSkipped(db, runId)).toBe(1);
  expect([...pendingItemSource(db, runId).rows]).toEqual([0, 1, 2, 3]);
  // The paid call is still counted, on the item and the run.
  expect(getItem(db, runId, 2)).toMatchObject({ promptTokens: 50, attempts: 1, status: 'pending' });
  expect(getRun(db, runId)!.promptTokens).toBe(50);
  // A cancelled item goes straight back to pending.
  w.apply([{ type: 'item-started', index: 0 }, { type: 'item-skipped', index: 0, reason: 'cancelled' }]);
  expect(getItem(db, runId, 0)).toMatchObject({ status: 'pending', skipReason: null });
  expect(getRun(db, runId)!.counts).toEqual(statusCounts(db, runId));
});

it('rolls back the whole batch of events when one write fails', () => {
  const w = createEventWriter(db, runId);
  const bad = { type: 'item-done', index: 0, output: { result: 1n }, ...fin } as unknown as BatchEvent; // BigInt: JSON.stringify throws
  expect(() => w.apply([{ type: 'item-started', index: 0 }, call(0, 1, 1, 0), bad])).toThrow();
  expect(getItem(db, runId, 0)).toMatchObject({ status: 'pending', attempts: 0, promptTokens: 0 });
  expect(ledgerTotals(db, runId).calls).toBe(0);
});

it('writes the same rows whether events come in one batch or one at a time', () => {
  // Both runs in one database, each over the same four rows; a fixed clock so the rows compare.
  const other = insertRun(db, {
    name: 'r2',
    datasetId: getRun(db, runId)!.datasetId,
    agent: AgentSpecSchema.parse({ name: 'a', model: 'm', prompt: '{{q}}' }),
    options: RunOptionsSchema.parse({}),
    itemCount: 4,
  });
  db.transaction(() => insertItems(db, other, ['a', 'b', 'c', 'd'].map((prompt, index) => ({ index, prompt }))))();
  const script: BatchEvent[][] = [
    [{ type: 'item-started', index: 0 }, call(0, 10, 2, 0.001), call(0, 5, 1, 0.0005), { type: 'item-done', index: 0, output: { result: 'A' }, ...fin }],
    [{ type: 'item-started', index: 1 }, call(1, 3, 1, 0.0001)],
    [call(1, 4, 1, 0.0002), { type: 'item-failed', index: 1, error: 'HTTP 500', ...fin }],
    [{ type: 'item-started', index: 2 }, { type: 'item-skipped', index: 2, reason: 'cancelled' }, { type: 'item-skipped', index: 3, reason: 'budget' }],
    [{ type: 'item-done', index: 0, output: { result: 'again' }, ...fin }, call(7, 1, 1, 0)],
    [{ type: 'item-started', index: 2 }, { type: 'item-done', index: 2, output: { result: 'C' }, ...fin }],
  ];
  const batched = createEventWriter(db, runId);
  const single = createEventWriter(db, other);
  const changedBatched = script.map((events) => batched.apply(events, 1000));
  const changedSingle = script.map((events) => events.flatMap((e) => single.apply([e], 1000)));
  expect(changedBatched).toEqual(changedSingle);
  const rows = (id: number) => ({
    items: db.prepare(`SELECT row_index, status, skip_reason, output, error, turns, prompt_tokens, completion_tokens, cost_usd, latency_ms, attempts, finished_at FROM items WHERE run_id = ? ORDER BY row_index`).all(id),
    calls: db.prepare(`SELECT row_index, attempt, prompt_tokens, completion_tokens, cost_usd, latency_ms, status, created_at FROM calls WHERE run_id = ? ORDER BY id`).all(id),
    transcripts: db.prepare(`SELECT row_index, messages FROM transcripts WHERE run_id = ? ORDER BY row_index`).all(id),
    counts: getRun(db, id)!.counts,
    sums: { p: getRun(db, id)!.promptTokens, c: getRun(db, id)!.completionTokens, n: getRun(db, id)!.callCount },
  });
  expect(rows(runId)).toEqual(rows(other));
  expect(rows(runId).counts).toEqual(statusCounts(db, runId));
});

it('reads pending prompts a page at a time, skipping rows that are not pending', () => {
  const prompts = Array.from({ length: 30 }, (_, i) => `prompt ${i}`);
  const first = getRun(db, runId)!;
  const big = insertRun(db, { name: 'big', datasetId: first.datasetId, agent: first.agent, options: first.options, itemCount: 30 });
  db.transaction(() => insertItems(db, big, prompts.map((prompt, i) => ({ index: i * 3, prompt }))))();
  // Every fourth item is already done: a resumed run.
  const w = createEventWriter(db, big);
  db.transaction(() =>
    w.apply(prompts.flatMap((_, i): BatchEvent[] => (i % 4 === 0 ? [{ type: 'item-done', index: i * 3, output: {}, ...fin }] : []))),
  )();
  const source = pendingItemSource(db, big, 4);
  const pending = prompts.map((_, i) => i).filter((i) => i % 4 !== 0);
  expect([...source.rows]).toEqual(pending.map((i) => i * 3));
  expect(pending.map((_, k) => source.prompt(k))).toEqual(pending.map((i) => `prompt ${i}`));
  // Asked again out of order (a page back), it reads that page again.
  expect(source.prompt(1)).toBe(`prompt ${pending[1]}`);
});

it('grows the pending rows of a filling run in place, as batches of items are added', () => {
  const first = getRun(db, runId)!;
  const filling = insertRun(db, { name: 'filling', datasetId: first.datasetId, agent: first.agent, options: first.options, itemCount: 0 });
  const add = (from: number, to: number) =>
    db.transaction(() => insertItems(db, filling, Array.from({ length: to - from }, (_, k) => ({ index: from + k, prompt: `p${from + k}` }))))();
  add(0, 3);
  const source = growingItemSource(db, filling, 2);
  const rows = source.rows; // the engine holds this one object from the start and reads its length live
  expect([...rows]).toEqual([0, 1, 2]);
  expect(source.takeNew()).toBe(0);
  add(3, 2500);
  expect(source.takeNew()).toBe(2497);
  add(2500, 2600);
  expect(source.takeNew()).toBe(100);
  expect(source.rows).toBe(rows);
  expect(rows.length).toBe(2600);
  expect([...rows]).toEqual(Array.from({ length: 2600 }, (_, i) => i));
  expect([0, 1, 2, 3, 2599].map((i) => source.prompt(i))).toEqual(['p0', 'p1', 'p2', 'p3', 'p2599']);
});

it("replaces the run's key wherever a result would store it: errors, outputs, transcripts, both write paths", () => {
  const key = 'sk-live-Zq8"w\\Rt5Kp2Vn';
  const w = createEventWriter(db, runId, { apiKey: key });
  const echoed = { ...fin, transcript: [{ role: 'user' as const, content: 'x' }, { role: 'assistant' as const, content: `your key is ${key}` }] };
  // Grouped: started + end in one statement.
  w.apply([
    { type: 'item-started', index: 0 },
    { type: 'item-failed', index: 0, error: `HTTP 401: Incorrect API key provided: Bearer ${key}`, ...echoed },
    { type: 'item-started', index: 1 },
    { type: 'item-done', index: 1, output: { result: `${key} and ${key}` }, ...echoed },
  ]);
  // Event by event: a second start in one batch takes the plain path.
  w.apply([
    { type: 'item-started', index: 2 },
    { type: 'item-started', index: 2 },
    { type: 'item-failed', index: 2, error: `denied ${key}`, ...echoed },
  ]);
  expect(getItem(db, runId, 0)!.error).toBe('HTTP 401: Incorrect API key provided: Bearer [redacted key]');
  expect(getItem(db, runId, 1)!.output).toEqual({ result: '[redacted key] and [redacted key]' });
  expect(getItem(db, runId, 2)!.error).toBe('denied [redacted key]');
  for (const i of [0, 1, 2]) expect(getItem(db, runId, i)!.transcript[1].content).toBe('your key is [redacted key]');
  const stored = db.prepare(`SELECT group_concat(coalesce(error, '') || coalesce(output, '')) FROM items`).pluck().get() as string;
  const transcripts = db.prepare(`SELECT group_concat(messages) FROM transcripts`).pluck().get() as string;
  expect(stored + transcripts).not.toContain('Zq8');
});

it('leaves a placeholder key alone: a short one would be a common word in answers', () => {
  const w = createEventWriter(db, runId, { apiKey: 'simulated' });
  w.apply([{ type: 'item-started', index: 0 }, { type: 'item-done', index: 0, output: { result: 'simulated answer' }, ...fin }]);
  expect(getItem(db, runId, 0)!.output).toEqual({ result: 'simulated answer' });
});
